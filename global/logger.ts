// Structured JSON logs. Tokens, keys and signatures never reach a log line.
import pino from 'pino';

export type Logger = pino.Logger;

const REDACT = ['req.headers["x-token"]', 'req.headers.authorization', 'req.headers.cookie', '*.sign', '*.privateKey', '*.jwtKey'];

export function createLogger(options: { name: string; level?: string }): Logger {
  return pino({
    name: options.name,
    level: options.level ?? 'info',
    redact: { paths: REDACT, censor: '[redacted]' },
    base: { svc: options.name },
  });
}

/** For tests and tools that want silence. */
export const silentLogger: Logger = pino({ level: 'silent' });
