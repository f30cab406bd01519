#!/usr/bin/env bash
# Installs Debian's `prometheus` package (2.42: `prometheus` and `promtool`), which the
# monitoring tests (test/monitoring/) run on the host, unless `promtool` is already there.
# The package's postinst starts its init.d service (on :9090, as user prometheus) on a machine
# without systemd: a policy-rc.d forbids that during the install, and a service that started
# anyway (a policy-rc.d of the machine's own that allows it) is stopped again by its pidfile.
set -euo pipefail

log() { echo "[ensure-prometheus] $*" >&2; }

if command -v promtool >/dev/null && command -v prometheus >/dev/null; then
  log "$(promtool --version 2>&1 | head -n 1) already installed"
  exit 0
fi
[[ $(id -u) -eq 0 ]] || { log "ERROR: installing the prometheus package needs root"; exit 1; }

POLICY=/usr/sbin/policy-rc.d
made_policy=0
if [[ ! -e $POLICY ]]; then
  printf '#!/bin/sh\n# temporary, scripts/ensure-prometheus.sh: no service starts during the install\nexit 101\n' >"$POLICY"
  chmod 0755 "$POLICY"
  made_policy=1
fi
cleanup() { if [[ $made_policy == 1 ]]; then rm -f "$POLICY"; fi; }
trap cleanup EXIT

apt-get -y -q -o DPkg::Lock::Timeout=600 update
# No recommends: prometheus-node-exporter would be one more service.
DEBIAN_FRONTEND=noninteractive apt-get -y -q -o DPkg::Lock::Timeout=600 install --no-install-recommends prometheus

# The init.d script's pidfile: only the service the package started, never a prometheus of
# someone else (the tests run their own).
PIDFILE=/run/prometheus/prometheus.pid
if [[ -s $PIDFILE ]] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then
  log "the package started its service (pid $(cat "$PIDFILE")); stopping it"
  # Waits for it to exit (the init script's stop does not), killing it after 30 s. Matched by
  # user and name, not --exec: root may not read /proc/PID/exe of another user in a container.
  start-stop-daemon --stop --quiet --pidfile "$PIDFILE" --user prometheus --name prometheus \
    --retry TERM/30/KILL/5 --remove-pidfile
fi
# Not started at boot either, where an init system reads the rc links.
update-rc.d prometheus disable >/dev/null 2>&1 || true
deb-systemd-helper disable prometheus.service >/dev/null 2>&1 || true

promtool --version 2>&1 | head -n 1 >&2
