// Production entry of the goods srv: config from the environment, validated before listening.
// SEED_DEMO=true inserts the demo catalogue into an empty store.
import '../../preload'; // first: tracing instruments what the imports below load
import { goodsSrvSchema, parseConfig } from '../../../global/config';
import { createLogger } from '../../../global/logger';
import { followLogLevel, loadEnv } from '../../../global/settings';
import { runMain, startTracingFrom, stopOnSignal } from '../../lifecycle';
import { startGoodsSrv } from './index';

const logger = createLogger({ name: 'goods-srv' });
runMain(async () => {
  const config = parseConfig(goodsSrvSchema, await loadEnv(process.env));
  logger.level = config.LOG_LEVEL;
  const tracing = startTracingFrom(config, 'goods-srv');
  const srv = await startGoodsSrv(config, { logger, seedDemo: process.env.SEED_DEMO === 'true' });
  const settings = followLogLevel(process.env, logger);
  stopOnSignal(async () => {
    settings.stop();
    await srv.stop();
    await tracing.shutdown();
  }, logger);
}, logger);
