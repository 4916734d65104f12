// The Consul agent a process talks to (CONSUL_HTTP_ADDR, with CONSUL_HTTP_TOKEN, CONSUL_HTTP_SSL and
// CONSUL_CACERT as Consul's own tools read them): one client per agent, made on first use, never at import.
// Discovery, registration and settings all go through it.
import fs from 'node:fs';
import https from 'node:https';
import Consul from 'consul';

/** How to reach the agent: where, with which ACL token, over TLS or not. */
export interface ConsulAgent {
  /** host:port */
  address: string;
  token?: string | undefined;
  /** HTTPS instead of HTTP. */
  ssl?: boolean | undefined;
  /** A PEM file of the CA that signed the agent's certificate (else the system's CAs). */
  caFile?: string | undefined;
}

/** The agent the settings name; undefined without CONSUL_HTTP_ADDR. */
export function consulAgentOf(settings: {
  CONSUL_HTTP_ADDR?: string | undefined;
  CONSUL_HTTP_TOKEN?: string | undefined;
  CONSUL_HTTP_SSL?: boolean | string | undefined;
  CONSUL_CACERT?: string | undefined;
}): ConsulAgent | undefined {
  if (!settings.CONSUL_HTTP_ADDR) return undefined;
  const ssl = settings.CONSUL_HTTP_SSL === true || settings.CONSUL_HTTP_SSL === 'true';
  return {
    address: settings.CONSUL_HTTP_ADDR,
    ...(settings.CONSUL_HTTP_TOKEN ? { token: settings.CONSUL_HTTP_TOKEN } : {}),
    ...(ssl ? { ssl } : {}),
    ...(settings.CONSUL_CACERT ? { caFile: settings.CONSUL_CACERT } : {}),
  };
}

const clients = new Map<string, Consul>();

/** The client of that agent. */
export function consulAt(agent: ConsulAgent): Consul {
  const key = JSON.stringify([agent.address, agent.token ?? '', agent.ssl === true, agent.caFile ?? '']);
  let client = clients.get(key);
  if (!client) {
    const cut = agent.address.lastIndexOf(':');
    client = new Consul({
      host: agent.address.slice(0, cut),
      port: Number(agent.address.slice(cut + 1)),
      secure: agent.ssl === true,
      // Sent as X-Consul-Token on every request.
      ...(agent.token ? { defaults: { token: agent.token } } : {}),
      ...(agent.ssl ? { agent: new https.Agent({ keepAlive: true, ...(agent.caFile ? { ca: fs.readFileSync(agent.caFile) } : {}) }) } : {}),
    });
    clients.set(key, client);
  }
  return client;
}

/** How long a blocking query waits for a change before answering the same data again. */
export const BLOCKING_WAIT = '30s';
/** A watch whose agent went away asks again at most this far apart. */
export const WATCH_BACKOFF_MAX_MS = 5000;

/** The promise, or a rejection once ms have passed (the client's own requests have no deadline). */
export function within<T>(ms: number, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the Consul agent did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
