// Production entry of the order srv: config from the environment, validated before listening.
import '../../preload'; // first: tracing instruments what the imports below load
import { orderSrvSchema, parseConfig } from '../../../global/config';
import { createLogger } from '../../../global/logger';
import { followLogLevel, loadEnv } from '../../../global/settings';
import { runMain, startTracingFrom, stopOnSignal } from '../../lifecycle';
import { startOrderSrv } from './index';

const logger = createLogger({ name: 'order-srv', level: process.env.LOG_LEVEL });

runMain(async () => {
  const config = parseConfig(orderSrvSchema, await loadEnv(process.env));
  logger.level = config.LOG_LEVEL;
  const tracing = startTracingFrom(config, 'order-srv');
  const srv = await startOrderSrv(config, { logger, orderSnNode: config.ORDER_SN_NODE });
  const settings = followLogLevel(process.env, logger);
  stopOnSignal(async () => {
    settings.stop();
    await srv.stop();
    await tracing.shutdown();
  }, logger);
}, logger);
