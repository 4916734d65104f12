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

/** The full service name of a definition, as health checks name it ("Goods", "proto.Order"). */
export function serviceNameOf(definition: grpc.ServiceDefinition): string {
  const first = Object.values(definition)[0];
  if (!first) throw new Error('a service definition without methods');
  return first.path.slice(1, first.path.lastIndexOf('/'));
}

export function createSrvHealth(db: Kysely<unknown>, serviceName: string, logger: Logger): SrvHealth {
  const health = new HealthImplementation({ '': 'NOT_SERVING', [serviceName]: 'NOT_SERVING' });
  let current: ServingStatus = 'NOT_SERVING';
  let stopping = false;
  const set = (status: ServingStatus) => {
    if (stopping || status === current) return;
    if (current === 'SERVING' || status === 'SERVING') logger.info({ status }, `${serviceName} health: ${status}`);
    current = status;
    health.setStatus('', status);
    health.setStatus(serviceName, status);
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
      health.setStatus('', 'NOT_SERVING');
      health.setStatus(serviceName, 'NOT_SERVING');
      current = 'NOT_SERVING';
      stopping = true;
    },
  };
}
