# The service image. Node 22 LTS (supported until April 2027; 20 is end-of-life): the code is
# tested on Node 20 and uses nothing newer, so the closest supported LTS is the safest one.
ARG NODE_IMAGE=node:22.20.0-bookworm-slim

# Production dependencies only: tsx (the TypeScript loader the service runs with) is one of them.
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM ${NODE_IMAGE}
# tini as PID 1: it forwards SIGTERM/SIGINT to node and reaps zombies, whether the image is run
# by compose, `docker run` or Kubernetes (none of which then needs an --init of its own).
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ARG REVISION=unknown
ENV NODE_ENV=production PORT=3000 LEDGER_DATA_DIR=/app/data LEDGER_REVISION=${REVISION}
COPY --from=deps /app/node_modules ./node_modules
COPY package.json package-lock.json tsconfig.json ./
COPY bin ./bin
COPY src ./src
COPY projections ./projections
COPY migrations ./migrations
# Embedded mode (no DATABASE_URL) keeps PGlite in /app/data: writable by the non-root user, and
# a volume, so a named volume mounted there starts with this ownership.
RUN mkdir -p /app/data && chown node:node /app/data
VOLUME ["/app/data"]
USER node
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/bin/tini", "--"]
# node itself, not `npm start`: npm (and tsx's own CLI, which spawns a second node) would not
# pass SIGTERM on, and the service would never drain. test/ops/container.sigterm.int.spec.ts runs
# exactly this command.
CMD ["node", "--import", "tsx", "src/main.ts"]
