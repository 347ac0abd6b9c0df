# syntax=docker/dockerfile:1
# The bridge worker image. Debian (glibc) on purpose: the Temporal SDK's native core does not load on Alpine (musl).
# Build: docker build -t ibkr-greeks-bridge .   Run: see docker-compose.yml and docs/deployment.md.
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS base
# -slim images ship no CA bundle; the SDK's gRPC transport needs it even for a plain-text local server.
RUN apt-get update \
  && apt-get install -y --no-install-recommends ca-certificates \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app

FROM base AS build
# npm 11 honours package.json's allowScripts (install scripts of approved packages only), like the repository's npm.
RUN npm install --global npm@11 --no-audit --no-fund --loglevel=error
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --loglevel=error
COPY tsconfig.json ./
COPY bin ./bin
COPY migrations ./migrations
COPY src ./src
COPY scripts/build-bundle.ts ./scripts/build-bundle.ts
# The workflow bundle is built here, once, so a worker starts without webpack (src/worker.ts uses it when present).
RUN npm run build:bundle && npm cache clean --force

FROM base
ENV NODE_ENV=production \
  HTTP_HOST=0.0.0.0 \
  HTTP_PORT=9464 \
  FALLBACK_DIR=/var/lib/bridge/fallback
# Code stays root-owned and read-only to the process; only the fallback buffer is writable.
COPY --from=build /app /app
COPY deploy/worker/healthcheck.cjs ./deploy/worker/healthcheck.cjs
# The buffer holds account data: the worker's user alone may read it (a new volume copies this mode).
RUN mkdir -p /var/lib/bridge/fallback && chown node:node /var/lib/bridge/fallback && chmod 0700 /var/lib/bridge/fallback
USER node
VOLUME ["/var/lib/bridge/fallback"]
EXPOSE 9464
HEALTHCHECK --interval=15s --timeout=5s --start-period=90s --retries=3 CMD ["node", "deploy/worker/healthcheck.cjs"]
STOPSIGNAL SIGTERM
CMD ["node", "--import", "tsx", "src/worker.ts"]
