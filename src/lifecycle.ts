// Process lifecycle for every main file: run until SIGTERM/SIGINT, then stop once, cleanly.

import { ConfigError } from '../global/config';
import type { Logger } from '../global/logger';
import { startTracing, type Tracing } from '../global/tracing';

/** Exits once every log line written so far is out (logs are written asynchronously). */
export function exitAfterLogs(logger: Logger, code: number): void {
  logger.flush(() => process.exit(code));
  setTimeout(() => process.exit(code), 1000).unref(); // a stuck stdout must not keep the process
}

/** How the main file stops, once it has said (stopOnSignal); until then a signal waits for it. */
let stopOn: ((signal: NodeJS.Signals) => void) | undefined;
let pendingSignal: NodeJS.Signals | undefined;

function onSignal(signal: NodeJS.Signals): void {
  if (stopOn) stopOn(signal);
  else if (!pendingSignal) pendingSignal = signal;
  else {
    // Signalled twice while still starting (a start that hangs): the default effect, at once.
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    process.kill(process.pid, signal);
  }
}

/**
 * From here on SIGTERM/SIGINT stop the process with `stop`, once. A signal that came while the main
 * file was still starting (runMain listens from the start) is acted on now: "listening" is logged
 * before the main file gets here, and a supervisor may signal as soon as it reads it.
 */
export function stopOnSignal(stop: () => Promise<void>, logger: Logger): void {
  listenForSignals();
  let stopping = false;
  stopOn = (signal) => {
    // The other signal while stopping changes nothing (Ctrl-C sends a gateway worker SIGINT, then its primary
    // SIGTERM: it must still drain); the same one again has its default effect: it ends the process at once.
    if (stopping) return;
    stopping = true;
    process.off(signal, onSignal);
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
  if (pendingSignal) stopOn(pendingSignal);
}

function listenForSignals(): void {
  if (process.listeners('SIGTERM').includes(onSignal)) return;
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

/** Runs a main function; a bad configuration prints which keys are wrong and exits 2. */
export function runMain(main: () => Promise<void>, logger: Logger): void {
  listenForSignals();
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
