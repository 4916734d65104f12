// The Consul agent a process talks to (CONSUL_HTTP_ADDR): one client per agent address, made on
// first use, never at import. Discovery, registration and settings all go through it.
import Consul from 'consul';

const clients = new Map<string, Consul>();

/** The client of the agent at host:port. */
export function consulAt(agentAddress: string): Consul {
  let client = clients.get(agentAddress);
  if (!client) {
    const cut = agentAddress.lastIndexOf(':');
    client = new Consul({ host: agentAddress.slice(0, cut), port: Number(agentAddress.slice(cut + 1)) });
    clients.set(agentAddress, client);
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
