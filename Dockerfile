# influxdb-backup: built with dev dependencies; the image runs the bundles in dist/ alone
# (scripts/build.js puts each program and its dependencies into one file: no node_modules).
# NODE_IMAGE lets the image build where Docker Hub cannot be reached (see scripts/build-local-images.sh).
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# No install scripts are needed to build (and optional native add-ons of test tools would need a compiler).
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/build.js ./scripts/
COPY src ./src
RUN npm run build

FROM ${NODE_IMAGE}
LABEL org.opencontainers.image.title="influxdb-backup" \
      org.opencontainers.image.description="Scheduled, incremental backup of an InfluxDB 1.x server into a second InfluxDB 1.x server" \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.version="0.1.0"
ENV NODE_ENV=production \
    LOG_FILE=/var/log/backup_influxdb/backup.log \
    STATE_DIR=/var/lib/influxdb-backup \
    HEALTH_PORT=9100
WORKDIR /app
# A dedicated unprivileged user that owns only the log and state folders.
RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin influxbackup \
    && mkdir -p /var/log/backup_influxdb /var/lib/influxdb-backup \
    && chown influxbackup /var/log/backup_influxdb /var/lib/influxdb-backup
COPY --from=build /app/package.json ./
COPY LICENSE ./
COPY --from=build /app/dist ./dist
USER influxbackup
EXPOSE 9100
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 CMD ["node", "dist/healthcheck.js"]
# Buffers of 128 KiB and more are always mapped and unmapped by glibc rather than kept in its
# heap once freed (which its default, a threshold raised by each freed buffer, ends up doing):
# peak RSS of a Telegraf-shaped raw copy (1M wide points, CONCURRENCY=2) was 105 MiB without
# and 100 MiB with it, for the same CPU. npm run bench runs the tool with it too.
ENV MALLOC_MMAP_THRESHOLD_=131072
# --max-semi-space-size=1 (MiB): the copy allocates almost nothing on the JavaScript heap, so
# with V8's default young generation (up to 2 × 16 MiB) garbage collections are rare and the
# socket buffers already read wait for them: peak RSS of a 1M-point raw copy was 114 MiB with
# the default and 82 MiB with this flag, for the same CPU (npm run bench runs the tool with
# the flags of this line).
ENTRYPOINT ["node", "--max-semi-space-size=1", "dist/main.js"]
