// Starts the gateway from a validated config: the Alipay client and the srv clients are built
// once here, then the HTTP server listens. stop() drains in-flight requests before closing channels.
import http from 'node:http';
import type { GatewayConfig } from '../global/config';
import type { Logger } from '../global/logger';
import { type ClientOptions, createSrvConn, type SrvConn, type SrvTargets } from '../global/srv-conn';
import { clientErrorHandler } from '../middlewares/error-handler';
import { createAlipayPagePay } from './alipay/page-pay';
import { createApp } from './app';
import { paySettings } from './deps';

export interface RunningGateway {
  port: number;
  server: http.Server;
  /** The gateway's own srv clients (tools reuse them rather than dial again). */
  srv: SrvConn;
  stop(): Promise<void>;
}

/** The gateway's app and the clients it owns, from a validated config; nothing listens yet. */
export function buildGatewayApp(config: GatewayConfig, logger: Logger, now: () => number = Date.now) {
  const alipay = createAlipayPagePay(config);
  const srv = createSrvConn(srvTargets(config), srvConnOptions(config, logger));
  const app = createApp({ srv, alipay, logger, jwtKey: config.JWT_KEY, bodyLimit: config.BODY_LIMIT, pay: paySettings(config), now });
  return { app, srv, alipay };
}

export async function startGateway(config: GatewayConfig, logger: Logger): Promise<RunningGateway> {
  const { app, srv } = buildGatewayApp(config, logger);
  const server = http.createServer(app);
  server.on('clientError', clientErrorHandler(logger));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.PORT, config.HOST, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.PORT;
  logger.info({ host: config.HOST, port }, 'gateway listening');
  return {
    port,
    server,
    srv,
    async stop() {
      await closeHttpServer(server, config.SHUTDOWN_GRACE_MS);
      srv.close();
    },
  };
}

/** Where the gateway finds the srvs (host:port, ipv4: lists or consul:// names). */
export function srvTargets(config: Pick<GatewayConfig, 'GOODS_SRV' | 'INVENTORY_SRV' | 'ORDER_SRV' | 'USEROP_SRV'>): SrvTargets {
  return { goods: config.GOODS_SRV, inventory: config.INVENTORY_SRV, order: config.ORDER_SRV, userop: config.USEROP_SRV };
}

/** How the gateway's srv clients call: deadline, breaker, and the Consul agent when discovery is on. */
export function srvConnOptions(config: GatewayConfig, logger: Logger): ClientOptions {
  return {
    deadlineMs: config.GRPC_DEADLINE_MS,
    breaker: { timeouts: config.BREAKER_TIMEOUTS, cooldownMs: config.BREAKER_COOLDOWN_MS },
    ...(config.CONSUL_HTTP_ADDR ? { consul: { agent: config.CONSUL_HTTP_ADDR, logger } } : {}),
  };
}

/**
 * Stops accepting, lets in-flight requests finish for up to graceMs, then cuts what is left.
 * Keep-alive connections are closed as soon as they fall idle, not after their keep-alive timeout.
 */
export function closeHttpServer(server: http.Server, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    const sweep = setInterval(() => server.closeIdleConnections(), 50);
    const force = setTimeout(() => server.closeAllConnections(), graceMs);
    server.close(() => {
      clearInterval(sweep);
      clearTimeout(force);
      resolve();
    });
  });
}
