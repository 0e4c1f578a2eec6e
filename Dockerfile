# tapgate: the production dependencies are installed in a stage that has compilers (better-sqlite3
# builds from source when no prebuilt binary fits); the image itself has none and runs as 'node'.
FROM node:20-bookworm-slim AS dependencies
WORKDIR /app
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
# The runtime needs only the compiled addon: drop SQLite's sources and the object files of a local build.
RUN cd node_modules/better-sqlite3 \
  && mv build/Release/better_sqlite3.node . \
  && rm -rf build deps src \
  && mkdir -p build/Release \
  && mv better_sqlite3.node build/Release/

# The gateway compiled to one JavaScript file (`npm run build`): no TypeScript at run time.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# Only esbuild runs here: no native addon needs building (hence no scripts).
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY gateway ./gateway
RUN npm run build

FROM node:20-bookworm-slim AS tapgate
WORKDIR /app
ENV NODE_ENV=production
# Owned by root and read-only to 'node': the gateway cannot rewrite its own code.
COPY --from=dependencies /app/node_modules ./node_modules
COPY package.json ./
COPY --from=build /app/dist ./dist
# The pages' stylesheet, icon and browser script (bundled by the gateway when first asked for).
COPY web ./web
# The one place the gateway writes (store.identity_file); compose mounts a named volume here.
RUN mkdir -p /var/lib/tapgate && chown node:node /var/lib/tapgate
USER node
EXPOSE 3000
# node is PID 1 and handles SIGTERM itself: it drains, then exits.
ENTRYPOINT ["node", "dist/gateway/tapgate.js"]
CMD ["serve", "--config", "/etc/tapgate/config.yaml"]

# The demo panel for docker-compose.yml: tapgate's image plus the demo, which tapgate's own image
# never carries (demo accounts with public passwords have no place in production).
FROM tapgate AS demo-panel
COPY demo ./demo
ENTRYPOINT ["node", "--import", "tsx", "demo/panel-main.ts"]
CMD []

# The default build is tapgate itself.
FROM tapgate
