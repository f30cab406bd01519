#!/usr/bin/env bash
# Build the local Docker images the project uses instead of registry images
# (no container registry is reachable here):
#   BASE_IMAGE     (default influxdb-backup/debian:bookworm)     debootstrap'ed bookworm + host CA bundle
#   INFLUXDB_IMAGE (default influxdb-backup/influxdb:1.8-local)  Debian's influxdb (1.6.7)
#   NODE_IMAGE     (default influxdb-backup/node:20-bookworm-slim) host's Node copied in
#   PROMETHEUS_IMAGE (default influxdb-backup/prometheus:local)   Debian's prometheus (2.42)
# Idempotent: an existing image is skipped unless FORCE=1 (rebuilding the base
# also rebuilds the images on top of it). Needs root (debootstrap) and a running
# engine (scripts/ensure-docker.sh).
set -euo pipefail

ROOT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DOCKERFILES="$ROOT_DIR/docker/local"

BASE_IMAGE="${BASE_IMAGE:-influxdb-backup/debian:bookworm}"
INFLUXDB_IMAGE="${INFLUXDB_IMAGE:-influxdb-backup/influxdb:1.8-local}"
NODE_IMAGE="${NODE_IMAGE:-influxdb-backup/node:20-bookworm-slim}"
PROMETHEUS_IMAGE="${PROMETHEUS_IMAGE:-influxdb-backup/prometheus:local}"
FORCE="${FORCE:-0}"
SUITE=bookworm
HOST_CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt
HOST_SOURCES=/etc/apt/sources.list.d/debian.sources

# No BuildKit/buildx here: use the classic builder (so no RUN --mount etc.).
export DOCKER_BUILDKIT=0

log() { echo "[build-local-images] $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

image_exists() { docker image inspect "$1" >/dev/null 2>&1; }
needs_build() { [[ "$FORCE" == 1 ]] || ! image_exists "$1"; }

WORK_DIR="$(mktemp -d "${TMPDIR:-/tmp}/build-local-images.XXXXXX")"
cleanup() {
  # A failed debootstrap can leave proc/sys mounted inside the rootfs: unmount
  # before deleting, and never cross file systems while deleting.
  # (|| true: under set -e a failing command here would change the exit code.)
  local m
  for m in $(findmnt -rn -o TARGET | grep -F "$WORK_DIR/" | sort -r || true); do
    umount -l "$m" || true
  done
  rm -rf --one-file-system "$WORK_DIR" || true
}
trap cleanup EXIT

timeit_start=$SECONDS
docker info >/dev/null 2>&1 || die "docker engine not answering; run scripts/ensure-docker.sh first"
[[ -r "$HOST_CA_BUNDLE" ]] || die "$HOST_CA_BUNDLE not found"

# --- base ---------------------------------------------------------------------
rebuilt_base=0
if needs_build "$BASE_IMAGE"; then
  [[ $(id -u) -eq 0 ]] || die "building $BASE_IMAGE needs root (debootstrap)"
  command -v debootstrap >/dev/null || die "debootstrap missing; run scripts/ensure-docker.sh"

  # Same mirror as the host's apt (it is what the proxy lets through).
  MIRROR=""
  if [[ -r "$HOST_SOURCES" ]]; then
    MIRROR="$(awk '/^URIs:/ {print $2; exit}' "$HOST_SOURCES")"
  fi
  MIRROR="${MIRROR:-http://deb.debian.org/debian}"

  log "debootstrap $SUITE from $MIRROR"
  t0=$SECONDS
  rootfs="$WORK_DIR/rootfs"
  debootstrap --variant=minbase "$SUITE" "$rootfs" "$MIRROR" >"$WORK_DIR/debootstrap.log" 2>&1 \
    || { tail -n 30 "$WORK_DIR/debootstrap.log" >&2; die "debootstrap failed"; }
  # Drop the downloaded .debs and apt lists: they only bloat the image.
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
  log "debootstrap done in $((SECONDS - t0))s; importing"
  # Import under a temporary tag so that a failed build below never leaves a
  # half-made image under $BASE_IMAGE (which later runs would then skip).
  rootfs_image="$BASE_IMAGE-rootfs"
  tar -C "$rootfs" -c . | docker import - "$rootfs_image" >/dev/null
  rm -rf --one-file-system "$rootfs"

  # Build context: CA bundle + apt sources pointing at the same mirror(s).
  ctx="$WORK_DIR/base"
  mkdir -p "$ctx/apt-sources/sources.list.d"
  cp "$DOCKERFILES/base.Dockerfile" "$ctx/Dockerfile"
  cp "$HOST_CA_BUNDLE" "$ctx/ca-certificates.crt"
  echo "# see sources.list.d/debian.sources" >"$ctx/apt-sources/sources.list"
  if [[ -r "$HOST_SOURCES" ]]; then
    cp "$HOST_SOURCES" "$ctx/apt-sources/sources.list.d/debian.sources"
  else
    printf 'Types: deb\nURIs: %s\nSuites: %s %s-updates\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
      "$MIRROR" "$SUITE" "$SUITE" >"$ctx/apt-sources/sources.list.d/debian.sources"
  fi
  docker build --force-rm --build-arg ROOTFS_IMAGE="$rootfs_image" -t "$BASE_IMAGE" "$ctx" >&2
  docker rmi "$rootfs_image" >/dev/null # only drops the tag: it is the parent layer
  rebuilt_base=1
  log "built $BASE_IMAGE"
else
  log "$BASE_IMAGE exists, skipping (FORCE=1 to rebuild)"
fi

# --- influxdb -------------------------------------------------------------------
if [[ $rebuilt_base == 1 ]] || needs_build "$INFLUXDB_IMAGE"; then
  ctx="$WORK_DIR/influxdb"
  mkdir -p "$ctx"
  cp "$DOCKERFILES/influxdb.Dockerfile" "$ctx/Dockerfile"
  t0=$SECONDS
  docker build --force-rm --build-arg BASE_IMAGE="$BASE_IMAGE" -t "$INFLUXDB_IMAGE" "$ctx" >&2
  log "built $INFLUXDB_IMAGE in $((SECONDS - t0))s"
else
  log "$INFLUXDB_IMAGE exists, skipping (FORCE=1 to rebuild)"
fi

# --- node -----------------------------------------------------------------------
if [[ $rebuilt_base == 1 ]] || needs_build "$NODE_IMAGE"; then
  node_bin="$(readlink -f "$(command -v node)")" || die "node not found on host"
  npm_dir=/usr/lib/node_modules/npm
  [[ -d "$npm_dir" ]] || npm_dir="$(npm root -g 2>/dev/null)/npm"
  [[ -f "$npm_dir/bin/npm-cli.js" ]] || die "npm not found on host (looked in $npm_dir)"
  log "using host node $("$node_bin" --version) ($node_bin), npm from $npm_dir"

  # Build context in a temp folder: the host's binaries, never committed.
  ctx="$WORK_DIR/node"
  mkdir -p "$ctx/node_modules" "$ctx/hostlibs"
  cp "$DOCKERFILES/node.Dockerfile" "$ctx/Dockerfile"
  cp "$node_bin" "$ctx/node"
  cp -a "$npm_dir" "$ctx/node_modules/npm"
  corepack_dir="$(dirname "$npm_dir")/corepack"
  if [[ -d "$corepack_dir" ]]; then cp -a "$corepack_dir" "$ctx/node_modules/corepack"; fi
  # Shared libs of the host binary that the base image lacks (normally none:
  # same Debian release) go into the context; the Dockerfile installs them.
  base_libs="$(docker run --rm "$BASE_IMAGE" ldconfig -p)"
  ldd "$node_bin" | awk '$2 == "=>" && $3 ~ /^\// {print $1, $3}' | while read -r soname path; do
    if ! grep -qF $'\t'"$soname (" <<<"$base_libs"; then
      log "adding host lib $soname (missing in $BASE_IMAGE)"
      cp -L "$path" "$ctx/hostlibs/$soname"
    fi
  done
  t0=$SECONDS
  docker build --force-rm --build-arg BASE_IMAGE="$BASE_IMAGE" -t "$NODE_IMAGE" "$ctx" >&2
  log "built $NODE_IMAGE in $((SECONDS - t0))s"
else
  log "$NODE_IMAGE exists, skipping (FORCE=1 to rebuild)"
fi

# --- prometheus -------------------------------------------------------------------
if [[ $rebuilt_base == 1 ]] || needs_build "$PROMETHEUS_IMAGE"; then
  ctx="$WORK_DIR/prometheus"
  mkdir -p "$ctx"
  cp "$DOCKERFILES/prometheus.Dockerfile" "$ctx/Dockerfile"
  t0=$SECONDS
  docker build --force-rm --build-arg BASE_IMAGE="$BASE_IMAGE" -t "$PROMETHEUS_IMAGE" "$ctx" >&2
  log "built $PROMETHEUS_IMAGE in $((SECONDS - t0))s"
else
  log "$PROMETHEUS_IMAGE exists, skipping (FORCE=1 to rebuild)"
fi

log "done in $((SECONDS - timeit_start))s"
echo "$BASE_IMAGE"
echo "$INFLUXDB_IMAGE"
echo "$NODE_IMAGE"
echo "$PROMETHEUS_IMAGE"
