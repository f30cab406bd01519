# Prometheus from Debian's archive (package `prometheus`, version 2.42), stand-in for the official
# prom/prometheus image, which cannot be pulled here. Laid out like it: entrypoint the binary,
# configuration in /etc/prometheus, data in /prometheus, user nobody, port 9090.
ARG BASE_IMAGE=influxdb-backup/debian:bookworm
FROM ${BASE_IMAGE}

# The base image's policy-rc.d keeps the package's postinst from starting its service.
RUN set -eu; \
    apt-get update; \
    apt-get install -y prometheus; \
    apt-get clean; rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin; \
    mkdir -p /prometheus; \
    chown nobody:nogroup /prometheus; \
    prometheus --version

USER nobody
WORKDIR /prometheus
EXPOSE 9090
ENTRYPOINT ["/usr/bin/prometheus"]
CMD ["--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.path=/prometheus"]
