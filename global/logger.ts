// Structured JSON logs. Tokens, keys and signatures never reach a log line: request lines carry no
// headers at all (see middlewares/access-log.ts), and these fields are censored wherever they appear.
import pino from 'pino';

export type Logger = pino.Logger;

const REDACT = ['*.sign', '*.privateKey', '*.jwtKey', '*.token'];

export function createLogger(options: { name: string; level?: string | undefined; bindings?: Record<string, unknown> }): Logger {
  return pino(
    {
      name: options.name,
      level: options.level ?? 'info',
      redact: { paths: REDACT, censor: '[redacted]' },
      base: { svc: options.name, ...options.bindings },
    },
    // Written asynchronously: a log line never blocks a request on stdout. pino flushes it on exit.
    pino.destination({ dest: 1, sync: false }),
  );
}

/** For tests and tools that want silence. */
export const silentLogger: Logger = pino({ level: 'silent' });
