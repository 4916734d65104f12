// Production entry of the gateway: every setting from the environment, validated before listening.
import { gatewaySchema, parseConfig } from '../global/config';
import { createLogger } from '../global/logger';
import { startGateway } from './gateway';
import { runMain, stopOnSignal } from './lifecycle';

const logger = createLogger({ name: 'order-web', level: process.env.LOG_LEVEL });

runMain(async () => {
  const config = parseConfig(gatewaySchema, process.env);
  logger.level = config.LOG_LEVEL;
  const gateway = await startGateway(config, logger);
  stopOnSignal(() => gateway.stop(), logger);
}, logger);
