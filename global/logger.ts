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
    bufferedStdout(),
  );
}

/** Lines wait at most this long in the buffer before they are written. */
export const LOG_FLUSH_MS = 100;

/**
 * Stdout written asynchronously and in batches: a log line never blocks a request, and a busy process makes one
 * write per few kilobytes of lines rather than one per line (the write per access line was about 5% of a proxied
 * read's CPU in bench:gateway's profiles). What is buffered is written within LOG_FLUSH_MS, and on exit (pino
 * flushes its destination then); only a process killed outright (SIGKILL) loses up to that much of its log.
 */
function bufferedStdout() {
  const destination = pino.destination({ dest: 1, sync: false, minLength: 4096 });
  setInterval(() => {
    try {
      destination.flush();
    } catch {
      // Closed as the process exits: nothing is left to write.
    }
  }, LOG_FLUSH_MS).unref();
  return destination;
}

/** For tests and tools that want silence. */
export const silentLogger: Logger = pino({ level: 'silent' });
