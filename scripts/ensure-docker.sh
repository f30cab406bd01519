#!/usr/bin/env bash
# Make sure a working Docker engine is available on this (Debian bookworm) machine.
# Idempotent: installs the packages only if missing, starts dockerd only if
# `docker info` does not answer. Needs root for the install/start parts.
set -euo pipefail

export DEBIAN_FRONTEND=noninteractive
DOCKERD_LOG="${DOCKERD_LOG:-/tmp/dockerd.log}"
DOCKERD_WAIT_SECONDS="${DOCKERD_WAIT_SECONDS:-60}"

log() { echo "[ensure-docker] $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

docker_answers() { timeout 10 docker info >/dev/null 2>&1; }

is_installed() {
  dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

# --- 1. packages -------------------------------------------------------------
# docker.io = engine + CLI, debootstrap = base image for build-local-images.sh. Compose v2 comes
# from scripts/install-compose-v2.sh (Debian 12 packages only compose 1.29).
missing=()
for pkg in docker.io debootstrap; do
  is_installed "$pkg" || missing+=("$pkg")
done

if ((${#missing[@]})); then
  [[ $(id -u) -eq 0 ]] || die "packages missing (${missing[*]}) and not running as root"
  log "installing: ${missing[*]}"
  # Lock timeout: another apt run (e.g. provisioning) may still hold the lock.
  apt_opts=(-y -q -o DPkg::Lock::Timeout=600)
  apt-get "${apt_opts[@]}" update
  apt-get "${apt_opts[@]}" install --no-install-recommends "${missing[@]}"
fi

command -v docker >/dev/null || die "docker CLI not found after install"

# --- 2. daemon ----------------------------------------------------------------
if docker_answers; then
  log "docker engine already answering"
  exit 0
fi

[[ $(id -u) -eq 0 ]] || die "docker engine not answering and not root: cannot start dockerd"

# Only start a new dockerd if none is running (it may still be starting up).
if ! pgrep -x dockerd >/dev/null; then
  log "starting dockerd (log: $DOCKERD_LOG)"
  # No systemd in this sandbox, so run it in the background ourselves.
  # Default flags work here (overlay2 on ext4, iptables-nft, bridge network).
  nohup dockerd >>"$DOCKERD_LOG" 2>&1 </dev/null &
  disown || true
else
  log "dockerd process already present, waiting for it"
fi

deadline=$((SECONDS + DOCKERD_WAIT_SECONDS))
until docker_answers; do
  if ((SECONDS >= deadline)); then
    tail -n 30 "$DOCKERD_LOG" >&2 2>/dev/null || true
    die "docker engine did not answer within ${DOCKERD_WAIT_SECONDS}s (see $DOCKERD_LOG)"
  fi
  sleep 1
done
log "docker engine is up ($(docker version --format '{{.Server.Version}}' 2>/dev/null || echo '?'))"
