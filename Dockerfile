# order-web: one image for the gateway and each srv (pick the entry with the command).
#   docker run -e JWT_KEY=… -e ALIPAY_…=… order-web                         # gateway (default)
#   docker run order-web node dist/src/srv/order/main.js                    # a srv alone (goods, inventory, order, userop)

# Node 24, the current LTS (Node 20's life ended in April 2026). On it the srvs open SQLite through
# better-sqlite3 13, which ships prebuilt; 12 (Node 20's driver, see src/srv/sqlite-driver.ts) is
# installed too and compiles its native addon when no prebuilt binary can be fetched.
FROM node:24-slim AS build
WORKDIR /app
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY proto ./proto
COPY global ./global
COPY middlewares ./middlewares
COPY forms ./forms
COPY routes ./routes
COPY src ./src
RUN npm run build && npm prune --omit=dev

FROM node:24-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build --chown=node:node /app/package.json ./
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
RUN mkdir -p /app/data && chown node:node /app/data
USER node
ENV DATA_DIR=/app/data
EXPOSE 8023
# Ready when every srv answers (GET /health/ready). A srv's container asks its own gRPC health instead:
#   --health-cmd "node dist/src/cli/health.js --grpc 127.0.0.1:50051"
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 CMD ["node", "dist/src/cli/health.js"]
CMD ["node", "dist/src/main.js"]
