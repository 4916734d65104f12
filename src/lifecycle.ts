// Process lifecycle for every main file: run until SIGTERM/SIGINT, then stop once, cleanly.

import { ConfigError } from '../global/config';
import type { Logger } from '../global/logger';
import { startTracing, type Tracing } from '../global/tracing';

/** Exits once every log line written so far is out (logs are written asynchronously). */
export function exitAfterLogs(logger: Logger, code: number): void {
  logger.flush(() => process.exit(code));
  setTimeout(() => process.exit(code), 1000).unref(); // a stuck stdout must not keep the process
}

export function stopOnSignal(stop: () => Promise<void>, logger: Logger): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    stop().then(
      () => {
        logger.info('stopped');
        exitAfterLogs(logger, 0);
      },
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        exitAfterLogs(logger, 1);
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
      // The log line is JSON for machines; a person starting the process reads this block.
      process.stderr.write(`${err.message}\n`);
      process.exitCode = 2;
    } else {
      logger.fatal({ err }, 'failed to start');
      process.exitCode = 1;
    }
    exitAfterLogs(logger, process.exitCode);
  });
}

/** Exports spans when the config names an OTLP endpoint (src/preload.ts has instrumented the process). */
export function startTracingFrom(
  config: {
    OTEL_EXPORTER_OTLP_ENDPOINT?: string | undefined;
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf' | 'http/json';
    OTEL_SERVICE_NAME?: string | undefined;
  },
  serviceName: string,
): Tracing {
  if (!config.OTEL_EXPORTER_OTLP_ENDPOINT) return { shutdown: async () => {} };
  return startTracing({
    endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT,
    protocol: config.OTEL_EXPORTER_OTLP_PROTOCOL,
    serviceName: config.OTEL_SERVICE_NAME ?? serviceName,
  });
}
