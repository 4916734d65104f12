// Production entry of the order srv: config from the environment, validated before listening.
import { orderSrvSchema, parseConfig } from '../../../global/config';
import { createLogger } from '../../../global/logger';
import { followLogLevel, loadEnv } from '../../../global/settings';
import { runMain, stopOnSignal } from '../../lifecycle';
import { startOrderSrv } from './index';

const logger = createLogger({ name: 'order-srv', level: process.env.LOG_LEVEL });

runMain(async () => {
  const config = parseConfig(orderSrvSchema, await loadEnv(process.env));
  logger.level = config.LOG_LEVEL;
  const srv = await startOrderSrv(config, { logger, orderSnNode: config.ORDER_SN_NODE });
  const settings = followLogLevel(process.env, logger);
  stopOnSignal(async () => {
    settings.stop();
    await srv.stop();
  }, logger);
}, logger);
