# Node image built from the host's Node install (no registry reachable here),
# laid out like the official node image: /usr/local/bin/node,
# /usr/local/lib/node_modules/{npm,corepack}, user `node` (uid 1000).
# Build context (prepared by scripts/build-local-images.sh):
#   node             host's node binary
#   node_modules/    host's global npm (+ corepack)
#   hostlibs/        shared libs the host binary links against that the base
#                    image lacks (normally empty)
ARG BASE_IMAGE=influxdb-backup/debian:bookworm
FROM ${BASE_IMAGE}

COPY node /usr/local/bin/node
COPY node_modules/ /usr/local/lib/node_modules/
COPY hostlibs/ /tmp/hostlibs/

RUN set -eu; \
    cp -a /tmp/hostlibs/. /usr/local/lib/; rm -rf /tmp/hostlibs; ldconfig; \
    ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm; \
    ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx; \
    if [ -f /usr/local/lib/node_modules/corepack/dist/corepack.js ]; then \
      ln -s ../lib/node_modules/corepack/dist/corepack.js /usr/local/bin/corepack; fi; \
    groupadd --gid 1000 node; \
    useradd --uid 1000 --gid node --shell /bin/bash --create-home node; \
    node --version; npm --version; npx --version

CMD ["node"]
