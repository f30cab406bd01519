# Local Debian bookworm base, built on top of a debootstrap'ed rootfs that
# scripts/build-local-images.sh imports (no registry reachable here).
# Build context (prepared by the script): ca-certificates.crt, apt-sources/
ARG ROOTFS_IMAGE=influxdb-backup/debian:bookworm-rootfs
FROM ${ROOTFS_IMAGE}

# Host CA bundle: contains the TLS-intercepting proxy's CA, so npm (via
# NODE_EXTRA_CA_CERTS) and anything using the default bundle path work.
# Also dropped into /usr/local/share/ca-certificates so a later
# `apt-get install ca-certificates` (update-ca-certificates) keeps it.
COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY ca-certificates.crt /usr/local/share/ca-certificates/host-bundle.crt
# Same apt mirror(s) as the host.
COPY apt-sources/ /etc/apt/

ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt \
    LANG=C.UTF-8

# policy-rc.d: keep package postinsts (e.g. influxdb) from starting services
# during builds. apt.conf: smaller/faster installs.
RUN set -eu; \
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; \
    chmod 0755 /usr/sbin/policy-rc.d; \
    printf 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\nAcquire::Languages "none";\n' \
      > /etc/apt/apt.conf.d/90local-image; \
    apt-get clean; rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin

CMD ["bash"]
