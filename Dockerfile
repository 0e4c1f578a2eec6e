# tapgate: two stages, the second without compilers; runs as the unprivileged 'node' user.
FROM node:20-bookworm-slim AS dependencies
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=dependencies /app/node_modules ./node_modules
COPY package.json ./
COPY gateway ./gateway
COPY web ./web
USER node
EXPOSE 3000
ENTRYPOINT ["node", "--import", "tsx", "gateway/cli/main.ts"]
CMD ["serve", "--config", "/etc/tapgate/config.yaml"]
