// Starts the gateway from a validated config: the Alipay client and the srv clients are built
// once here, then the HTTP server listens, looks at the srvs once (readiness turns from starting to
// serving), and registers in Consul when an agent is configured (CONTRACT §5). stop() is the drain:
// readiness 503, deregister, one check interval still serving (so the agent and the balancers following
// it stop sending), then stop accepting, finish in-flight requests, close the channels.
import http from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import type { GatewayConfig } from '../global/config';
import { consulAgentOf } from '../global/consul';
import type { Logger } from '../global/logger';
import { startDefaultMetrics } from '../global/metrics';
import { type ClientOptions, consulOption, createSrvConn, type SrvConn, type SrvTargets } from '../global/srv-conn';
import { clientErrorHandler } from '../middlewares/error-handler';
import { lookAtSrvs } from '../routes/health';
import { createAlipayPagePay } from './alipay/page-pay';
import { createApp } from './app';
import { type Instance, paySettings } from './deps';
import { type Registration, registerInConsul } from './srv/registration';
import { isGatewayWorker, workerScrape } from './workers';

export interface RunningGateway {
  port: number;
  server: http.Server;
  /** The gateway's own srv clients (tools reuse them rather than dial again). */
  srv: SrvConn;
  stop(): Promise<void>;
}

/** The gateway's app and the clients it owns, from a validated config; nothing listens yet. */
export function buildGatewayApp(config: GatewayConfig, logger: Logger, now: () => number = Date.now, instance?: Instance) {
  const alipay = createAlipayPagePay(config);
  const srv = createSrvConn(srvTargets(config), srvConnOptions(config, logger));
  startDefaultMetrics();
  const scrape = isGatewayWorker() ? workerScrape() : undefined;
  const app = createApp({
    ...(instance ? { instance } : {}),
    srv,
    alipay,
    logger,
    jwtKey: config.JWT_KEY,
    bodyLimit: config.BODY_LIMIT,
    pay: paySettings(config),
    now,
    ...(scrape ? { scrape } : {}),
  });
  return { app, srv, alipay };
}

export interface StartOptions {
  /** Register this instance in Consul (with CONSUL_HTTP_ADDR). A worker does not: its primary registers once. */
  register?: boolean;
}

export async function startGateway(config: GatewayConfig, logger: Logger, options: StartOptions = {}): Promise<RunningGateway> {
  const instance: Instance = { phase: 'starting' };
  const { app, srv } = buildGatewayApp(config, logger, Date.now, instance);
  const server = http.createServer(app);
  server.on('clientError', clientErrorHandler(logger));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.PORT, config.HOST, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.PORT;
  logger.info({ host: config.HOST, port }, 'gateway listening');
  const checkIntervalMs = config.HEALTH_CHECK_INTERVAL_SECONDS * 1000;
  // srv_up stays current between probes and scrapes.
  const watchSrvs = setInterval(() => void lookAtSrvs(srv), checkIntervalMs);
  watchSrvs.unref();
  // Ready once it has looked at the srvs (whatever it found): until then readiness says starting.
  void lookAtSrvs(srv).then(() => {
    if (instance.phase === 'starting') instance.phase = 'serving';
  });
  const registration = options.register === false ? undefined : registerGateway(config, port, logger);
  let stopping: Promise<void> | undefined;
  return {
    port,
    server,
    srv,
    stop() {
      stopping ??= (async () => {
        instance.phase = 'draining';
        logger.info('gateway draining: readiness answers 503');
        if (registration) {
          const wasRegistered = registration.registered();
          await registration.deregister();
          if (wasRegistered) await delay(checkIntervalMs);
        } else if (options.register === false && consulAgentOf(config)) {
          // A worker: its primary deregisters; the balancers following Consul still need the interval.
          await delay(checkIntervalMs);
        }
        clearInterval(watchSrvs);
        await closeHttpServer(server, config.SHUTDOWN_GRACE_MS);
        srv.close();
      })();
      return stopping;
    },
  };
}

/**
 * The gateway's registration (CONTRACT §5), made once per instance: by the single process, or by the primary
 * of GATEWAY_WORKERS (the workers share its port). Consul checks it over HTTP on /health/ready.
 */
export function registerGateway(config: GatewayConfig, port: number, logger: Logger): Registration | undefined {
  const agent = consulAgentOf(config);
  if (!agent) return undefined;
  const address = config.ADVERTISE_ADDR ?? `${config.HOST}:${port}`;
  return registerInConsul({
    agent,
    name: config.SRV_NAME,
    address,
    tags: ['order-web', 'http'],
    httpCheck: `http://${address}/health/ready`,
    checkIntervalMs: config.HEALTH_CHECK_INTERVAL_SECONDS * 1000,
    deregisterCriticalAfterMs: config.DEREGISTER_CRITICAL_AFTER_SECONDS * 1000,
    logger,
  });
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
    maxInFlight: config.SRV_MAX_IN_FLIGHT,
    ...consulOption(config, logger),
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
