# InfluxDB 1.x from Debian's archive (package `influxdb`, version 1.6.7),
# stand-in for the official influxdb:1.8 image, which cannot be pulled here.
ARG BASE_IMAGE=influxdb-backup/debian:bookworm
FROM ${BASE_IMAGE}

RUN set -eu; \
    apt-get update; \
    apt-get install -y influxdb; \
    apt-get clean; rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin; \
    mkdir -p /var/lib/influxdb/meta /var/lib/influxdb/data /var/lib/influxdb/wal; \
    chown -R influxdb:influxdb /var/lib/influxdb; \
    chmod -R a+rwX /var/lib/influxdb; \
    influxd version

# influxd reads INFLUXDB_<SECTION>_<KEY> env overrides on top of the config
# file, e.g. INFLUXDB_HTTP_AUTH_ENABLED=true, INFLUXDB_BIND_ADDRESS=:8088.
ENV INFLUXDB_REPORTING_DISABLED=true

EXPOSE 8086
# Runs as root like the official image; data lives in the container layer
# (no VOLUME, so no anonymous volumes pile up).
CMD ["influxd", "-config", "/etc/influxdb/influxdb.conf"]
