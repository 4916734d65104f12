// Production entry of the inventory srv: config from the environment, validated before listening.
// SEED_DEMO=true inserts the demo stock into an empty store.
import '../../preload'; // first: tracing instruments what the imports below load
import { inventorySrvSchema, parseConfig } from '../../../global/config';
import { createLogger } from '../../../global/logger';
import { followLogLevel, loadEnv } from '../../../global/settings';
import { runMain, startTracingFrom, stopOnSignal } from '../../lifecycle';
import { startInventorySrv } from './index';

const logger = createLogger({ name: 'inventory-srv' });
runMain(async () => {
  const config = parseConfig(inventorySrvSchema, await loadEnv(process.env));
  logger.level = config.LOG_LEVEL;
  const tracing = startTracingFrom(config, 'inventory-srv');
  const srv = await startInventorySrv(config, { logger, seedDemo: process.env.SEED_DEMO === 'true' });
  const settings = followLogLevel(process.env, logger);
  stopOnSignal(async () => {
    settings.stop();
    await srv.stop();
    await tracing.shutdown();
  }, logger);
}, logger);
