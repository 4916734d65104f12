// Production entry of the gateway: every setting from the environment, validated before listening.
import { gatewaySchema, parseConfig } from '../global/config';
import { createLogger } from '../global/logger';
import { followLogLevel, loadEnv } from '../global/settings';
import { startGateway } from './gateway';
import { runMain, stopOnSignal } from './lifecycle';

const logger = createLogger({ name: 'order-web', level: process.env.LOG_LEVEL });

runMain(async () => {
  const config = parseConfig(gatewaySchema, await loadEnv(process.env));
  logger.level = config.LOG_LEVEL;
  const gateway = await startGateway(config, logger);
  const settings = followLogLevel(process.env, logger);
  stopOnSignal(async () => {
    settings.stop();
    await gateway.stop();
  }, logger);
}, logger);
