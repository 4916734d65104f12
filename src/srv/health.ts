// grpc.health.v1 on every srv (Check and Watch, from grpc-health-check): overall ("") and per service
// name. A srv is SERVING while its store answers, NOT_SERVING when it does not, and NOT_SERVING for good
// once it starts to stop, so load balancers and Consul stop sending it work before it drains.
import type * as grpc from '@grpc/grpc-js';
import { HealthImplementation, type ServingStatus } from 'grpc-health-check';
import { type Kysely, sql } from 'kysely';
import type { Logger } from '../../global/logger';

/** How often the store is asked whether it answers. */
const PROBE_INTERVAL_MS = 2000;
const PROBE_TIMEOUT_MS = 1000;

export interface SrvHealth {
  addTo(server: grpc.Server): void;
  /** Asks the store now and sets the status from its answer. */
  probe(): Promise<ServingStatus>;
  /** NOT_SERVING from now on, whatever the store says: the srv is stopping. */
  stopServing(): void;
}

/** The full names of the services in a definition, as health checks name them ("Goods", "proto.Order"; userop's three). */
export function serviceNamesOf(definition: grpc.ServiceDefinition): string[] {
  const names = new Set(Object.values(definition).map((method) => method.path.slice(1, method.path.lastIndexOf('/'))));
  if (names.size === 0) throw new Error('a service definition without methods');
  return [...names];
}

export function createSrvHealth(db: Kysely<unknown>, serviceNames: readonly string[], logger: Logger): SrvHealth {
  const services = ['', ...serviceNames];
  const serviceName = serviceNames.join(', ');
  const health = new HealthImplementation(Object.fromEntries(services.map((name) => [name, 'NOT_SERVING' as const])));
  let current: ServingStatus = 'NOT_SERVING';
  let stopping = false;
  const set = (status: ServingStatus) => {
    if (stopping || status === current) return;
    if (current === 'SERVING' || status === 'SERVING') logger.info({ status }, `${serviceName} health: ${status}`);
    current = status;
    for (const name of services) health.setStatus(name, status);
  };

  async function probe(): Promise<ServingStatus> {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        sql`select 1`.execute(db),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error('the store did not answer in time')), PROBE_TIMEOUT_MS);
        }),
      ]);
      set('SERVING');
    } catch (err) {
      if (current === 'SERVING') logger.warn({ err }, 'the store does not answer: NOT_SERVING');
      set('NOT_SERVING');
    } finally {
      clearTimeout(timer);
    }
    return stopping ? 'NOT_SERVING' : current;
  }

  const timer = setInterval(() => void probe(), PROBE_INTERVAL_MS);
  timer.unref();
  return {
    addTo: (server) => health.addToServer(server),
    probe,
    stopServing() {
      clearInterval(timer);
      for (const name of services) health.setStatus(name, 'NOT_SERVING');
      current = 'NOT_SERVING';
      stopping = true;
    },
  };
}
