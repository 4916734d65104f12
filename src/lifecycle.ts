// Process lifecycle for every main file: run until SIGTERM/SIGINT, then stop once, cleanly.

import { ConfigError } from '../global/config';
import type { Logger } from '../global/logger';

export function stopOnSignal(stop: () => Promise<void>, logger: Logger): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    stop().then(
      () => {
        logger.info('stopped');
        process.exit(0);
      },
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
}

/** Runs a main function; a bad configuration prints which keys are wrong and exits 2. */
export function runMain(main: () => Promise<void>, logger: Logger): void {
  main().catch((err: unknown) => {
    if (err instanceof ConfigError) {
      logger.fatal({ problems: err.problems }, err.message);
      process.exitCode = 2;
    } else {
      logger.fatal({ err }, 'failed to start');
      process.exitCode = 1;
    }
    setTimeout(() => process.exit(), 100).unref();
  });
}
