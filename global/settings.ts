// Settings from a config centre (the course's Nacos role, played by Consul KV): when CONSUL_CONFIG_KEY
// is set, a process starts from the flat JSON object of settings at that key, with its environment
// over it (the environment wins), and then validates the whole as usual. LOG_LEVEL follows changes to
// the key live; every other setting applies at the next start.

import { ConfigError, type Env } from './config';
import { BLOCKING_WAIT, consulAgentOf, consulAt, WATCH_BACKOFF_MAX_MS, within } from './consul';
import type { Logger } from './logger';

const LOG_LEVELS = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

/** The document's settings as environment strings; a setting that is not a plain value is named, never shown. */
function settingsOf(document: string): Env {
  let parsed: unknown;
  try {
    parsed = JSON.parse(document);
  } catch {
    throw new ConfigError(['CONSUL_CONFIG_KEY must hold a JSON object of settings']);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError(['CONSUL_CONFIG_KEY must hold a JSON object of settings']);
  }
  const problems: string[] = [];
  const env: Env = {};
  for (const [key, value] of Object.entries(parsed)) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') env[key] = String(value);
    else problems.push(`${key} (in CONSUL_CONFIG_KEY) must be a string, number or boolean`);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return env;
}

const present = (env: Env) => Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));

/** The environment over the KV document, or the environment alone when no key is named. */
export async function loadEnv(env: Env): Promise<Env> {
  const key = env.CONSUL_CONFIG_KEY;
  if (!key) return env;
  const agent = consulAgentOf(env);
  if (!agent) throw new ConfigError(['CONSUL_HTTP_ADDR is required for CONSUL_CONFIG_KEY']);
  let entry: { Value?: string | null } | undefined;
  try {
    entry = (await within(5000, consulAt(agent).kv.get(key))) as { Value?: string | null } | undefined;
  } catch {
    throw new ConfigError(['CONSUL_CONFIG_KEY could not be read from the agent at CONSUL_HTTP_ADDR']);
  }
  if (!entry) throw new ConfigError(['CONSUL_CONFIG_KEY names a key the agent does not have']);
  return { ...settingsOf(entry.Value ?? ''), ...present(env) };
}

export interface SettingsWatch {
  stop(): void;
}

/** Follows the KV document's LOG_LEVEL live, unless the environment sets LOG_LEVEL (it wins). */
export function followLogLevel(env: Env, logger: Logger): SettingsWatch {
  const key = env.CONSUL_CONFIG_KEY;
  const agent = consulAgentOf(env);
  if (!key || !agent || env.LOG_LEVEL) return { stop() {} };
  const consul = consulAt(agent);
  const watch = consul.watch({ method: consul.kv.get, options: { key, wait: BLOCKING_WAIT }, backoffMax: WATCH_BACKOFF_MAX_MS });
  watch.on('change', (entry: { Value?: string | null } | undefined) => {
    let level: string | undefined;
    try {
      level = entry ? settingsOf(entry.Value ?? '').LOG_LEVEL : undefined;
    } catch (err) {
      logger.warn({ problems: (err as ConfigError).problems }, 'CONSUL_CONFIG_KEY changed to an invalid document; settings unchanged');
      return;
    }
    if (level === undefined || level === logger.level) return;
    if (!LOG_LEVELS.has(level)) {
      logger.warn('CONSUL_CONFIG_KEY changed LOG_LEVEL to an invalid level; unchanged');
      return;
    }
    logger.info({ from: logger.level, to: level }, 'log level changed by CONSUL_CONFIG_KEY');
    logger.level = level;
  });
  watch.on('error', (err: Error) => logger.warn({ err: err.message }, 'cannot follow CONSUL_CONFIG_KEY now; will try again'));
  return { stop: () => watch.end() };
}
