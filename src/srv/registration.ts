// Registration in Consul (only when CONSUL_HTTP_ADDR is set): a srv (or the gateway) registers under its
// service name with an id unique per instance, the address others should dial, tags, and a health check
// the agent runs on the registered interval (gRPC for a srv, HTTP for the gateway); it deregisters when it stops. An agent that cannot be reached
// at start is asked again with backoff, and every failure is logged.
import { type ConsulAgent, consulAt, within } from '../../global/consul';
import type { Logger } from '../../global/logger';

export interface RegistrationSpec {
  agent: ConsulAgent;
  /** The service name others discover (SRV_NAME). */
  name: string;
  /** host:port others dial (ADVERTISE_ADDR, or the listen address). */
  address: string;
  tags: string[];
  /** What the agent checks: the gRPC health service at `address` (default), or an HTTP GET of this URL (2xx passes). */
  httpCheck?: string;
  checkIntervalMs: number;
  deregisterCriticalAfterMs: number;
  logger: Logger;
}

export interface Registration {
  readonly id: string;
  /** Whether the agent has accepted the registration. */
  registered(): boolean;
  /** Stops trying, and deregisters if registered. Never throws: a stopping srv logs and goes on. */
  deregister(): Promise<void>;
}

const RETRY_BASE_MS = 500;
const RETRY_MAX_MS = 30_000;
const AGENT_TIMEOUT_MS = 5000;

const seconds = (ms: number) => `${Math.max(1, Math.round(ms / 1000))}s`;

export function registerInConsul(spec: RegistrationSpec): Registration {
  const consul = consulAt(spec.agent);
  const cut = spec.address.lastIndexOf(':');
  const host = spec.address.slice(0, cut);
  const port = Number(spec.address.slice(cut + 1));
  const id = `${spec.name}-${host}-${port}`;
  const definition = {
    id,
    name: spec.name,
    address: host,
    port,
    tags: spec.tags,
    check: {
      ...(spec.httpCheck
        ? { name: `${spec.name} HTTP readiness`, http: spec.httpCheck, method: 'GET' }
        : { name: `${spec.name} gRPC health`, grpc: spec.address, grpcusetls: false }),
      interval: seconds(spec.checkIntervalMs),
      timeout: seconds(Math.min(spec.checkIntervalMs, 5000)),
      deregistercriticalserviceafter: seconds(spec.deregisterCriticalAfterMs),
    },
  };
  let registered = false;
  let stopped = false;
  let retry: NodeJS.Timeout | undefined;
  /** The attempt under way: a stop waits for it, or an answer arriving after the stop would leave us registered. */
  let underWay: Promise<void> | undefined;

  async function attempt(tries: number): Promise<void> {
    if (stopped) return;
    try {
      await within(AGENT_TIMEOUT_MS, consul.agent.service.register(definition));
      registered = true;
      spec.logger.info({ id, agent: spec.agent.address, address: spec.address }, 'registered in Consul');
    } catch (err) {
      const waitMs = Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** tries);
      spec.logger.warn(
        { err: (err as Error).message, agent: spec.agent.address, retryInMs: waitMs },
        'could not register in Consul; will try again',
      );
      retry = setTimeout(() => {
        underWay = attempt(tries + 1);
      }, waitMs);
      retry.unref();
    }
  }
  underWay = attempt(0);

  return {
    id,
    registered: () => registered,
    async deregister() {
      stopped = true;
      clearTimeout(retry);
      await underWay;
      if (!registered) return;
      try {
        await within(AGENT_TIMEOUT_MS, consul.agent.service.deregister(id));
        registered = false;
        spec.logger.info({ id }, 'deregistered from Consul');
      } catch (err) {
        spec.logger.warn({ err: (err as Error).message, id }, 'could not deregister from Consul; its check will turn critical');
      }
    },
  };
}
