# syntax=docker/dockerfile:1
# GhostChat: multi-stage build. The runtime image holds dist/ and production dependencies only,
# runs as the unprivileged `node` user, and carries no configuration or secret: everything comes
# from the environment at run time (see docs/CONFIGURATION.md).
# Node 22 LTS here; the code also supports Node 20 (package.json engines), where the tests run.

ARG NODE_IMAGE=node:22-bookworm-slim

# --- production dependencies only -------------------------------------------------------------
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# Install scripts stay off: sharp ships prebuilt binaries and needs none.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

# --- compile TypeScript -------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
# The chat page (dist/web): its sources and the script that bundles them.
COPY web ./web
COPY scripts/build-web.mjs ./scripts/
RUN npm run build

# --- runtime ------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
# glibc keeps memory freed by image decoding in per-thread arenas; these give it back (src/defaults.ts
# ALLOCATOR_ENV, docs/OPERATIONS.md "Memory"). Override with `-e`, e.g. MALLOC_ARENA_MAX=8.
ENV NODE_ENV=production \
    PORT=3001 \
    UPLOAD_DIR=/data/uploads \
    MALLOC_ARENA_MAX=2 \
    MALLOC_MMAP_THRESHOLD_=1048576
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY scripts ./scripts
# The upload directory is the only place the process writes; run the container with a read-only
# root filesystem (`read_only: true` in docker-compose.yml) and this path as a volume.
RUN mkdir -p /data/uploads && chown node:node /data/uploads
VOLUME ["/data/uploads"]
USER node
EXPOSE 3001
# Liveness only: a store outage makes /readyz fail, which must not get the container restarted.
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3001) + '/livez').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Not `npm start`: npm would sit between the signal and node. (`npm start` works here too: without
# src/ the tree counts as built.)
CMD ["node", "dist/main.js"]
