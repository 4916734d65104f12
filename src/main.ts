// Production entry of the gateway: every setting from the environment (over Consul KV when
// CONSUL_CONFIG_KEY is set), validated before listening; GATEWAY_WORKERS processes sharing the port.
import './preload'; // first: tracing instruments what the imports below load
import { gatewaySchema, parseConfig } from '../global/config';
import { createLogger } from '../global/logger';
import { followLogLevel, loadEnv } from '../global/settings';
import { registerGateway, startGateway } from './gateway';
import { runMain, startTracingFrom, stopOnSignal } from './lifecycle';
import { isGatewayWorker, superviseWorkers, workerId } from './workers';

const worker = workerId();
const logger = createLogger({ name: 'order-web', level: process.env.LOG_LEVEL, ...(worker ? { bindings: { worker } } : {}) });

runMain(async () => {
  const config = parseConfig(gatewaySchema, await loadEnv(process.env));
  logger.level = config.LOG_LEVEL;
  if (config.GATEWAY_WORKERS > 1 && !isGatewayWorker()) {
    // The primary registers the instance once, on the port its workers share.
    superviseWorkers(config.GATEWAY_WORKERS, logger, (port) => registerGateway(config, port, logger));
    return;
  }
  const tracing = startTracingFrom(config, 'order-web');
  const gateway = await startGateway(config, logger, { register: !isGatewayWorker() });
  const settings = followLogLevel(process.env, logger);
  stopOnSignal(async () => {
    settings.stop();
    await gateway.stop();
    await tracing.shutdown();
  }, logger);
}, logger);
