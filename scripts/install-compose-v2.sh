#!/usr/bin/env bash
# Docker Compose v2 (the `docker compose` CLI plugin users have) on a Debian 12 machine.
# Debian 12 packages only compose 1.29 (end of life), which the compose file no longer supports.
# Debian 13's docker-compose package (2.26) carries the v2 plugin as one static binary: this
# downloads that package with apt under a throw-away package list (the machine's own apt
# sources and state are left as they are) and installs the plugin into
# /usr/local/lib/docker/cli-plugins. Idempotent: nothing happens when `docker compose` works.
set -euo pipefail

log() { echo "[install-compose-v2] $*" >&2; }

if docker compose version >/dev/null 2>&1; then
  log "already installed: $(docker compose version)"
  exit 0
fi
[[ $(id -u) -eq 0 ]] || { log "ERROR: not root: cannot install the compose plugin"; exit 1; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
chmod 0755 "$work"

mirror="$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)"
mirror="${mirror:-http://deb.debian.org/debian}"
mkdir -p "$work/lists/partial" "$work/debs" "$work/root"
chmod 0777 "$work/debs" # apt downloads as its own user (_apt)
echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror trixie main" >"$work/sources.list"
apt_private=(
  -o "Dir::Etc::sourcelist=$work/sources.list"
  -o "Dir::Etc::sourceparts=-"
  -o "Dir::State::Lists=$work/lists"
)
log "fetching Debian 13's docker-compose package from $mirror"
apt-get "${apt_private[@]}" -qq update
(cd "$work/debs" && apt-get "${apt_private[@]}" -qq download docker-compose)
dpkg-deb -x "$work"/debs/docker-compose_*.deb "$work/root"
install -D -m 0755 "$work/root/usr/libexec/docker/cli-plugins/docker-compose" \
  /usr/local/lib/docker/cli-plugins/docker-compose
log "installed: $(docker compose version)"
