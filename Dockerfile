# order-web: one image for the gateway and each srv (pick the entry with the command).
#   docker run -e JWT_KEY=… -e ALIPAY_…=… order-web                         # gateway (default)
#   docker run order-web node dist/src/srv/order/main.js                    # a srv alone (goods, inventory, order, userop)

# Node 24 (LTS), the Node the project is tested on. No compiler toolchain: SQLite comes through
# better-sqlite3 13, whose Node-API binary ships prebuilt in the package. The `node` devDependency (the
# same Node 24, for machines whose own Node is older) is installed in the build stage only and pruned.
FROM node:24-slim AS build
WORKDIR /app
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
