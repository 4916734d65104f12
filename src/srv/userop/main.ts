// Production entry of the userop srv: config from the environment, validated before listening.
import { parseConfig, useropSrvSchema } from '../../../global/config';
import { createLogger } from '../../../global/logger';
import { followLogLevel, loadEnv } from '../../../global/settings';
import { runMain, stopOnSignal } from '../../lifecycle';
import { startUseropSrv } from './index';

const logger = createLogger({ name: 'userop-srv', level: process.env.LOG_LEVEL });

runMain(async () => {
  const config = parseConfig(useropSrvSchema, await loadEnv(process.env));
  logger.level = config.LOG_LEVEL;
  const srv = await startUseropSrv(config, { logger });
  const settings = followLogLevel(process.env, logger);
  stopOnSignal(async () => {
    settings.stop();
    await srv.stop();
  }, logger);
}, logger);
