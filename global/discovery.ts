// Discovery: a dial target `consul://<service-name>` resolves, through the process's Consul agent, to the
// service's *passing* instances, follows changes with blocking queries (index/wait, not polling), and
// hands them to grpc-js, whose round_robin spreads calls over them. Clients never know how targets are
// found: this is a grpc-js resolver, the one seam.
//
// If the agent goes away, the last instances it named are kept (and the loss logged) until it answers
// again. An empty set of passing instances is reported as UNAVAILABLE, so calls fail at once.
import { type ChannelOptions, experimental, status } from '@grpc/grpc-js';
import { BLOCKING_WAIT, type ConsulAgent, consulAt, WATCH_BACKOFF_MAX_MS } from './consul';
import type { Logger } from './logger';

interface Discovery {
  agent: ConsulAgent;
  logger: Logger | undefined;
}

let discovery: Discovery | undefined;

/** Makes consul:// targets resolve through the agent at host:port. Idempotent; the last agent named wins. */
export function useConsulDiscovery(agent: ConsulAgent, logger?: Logger): void {
  if (!discovery) experimental.registerResolver('consul', ConsulResolver);
  discovery = { agent, logger };
}

/** Each srv as found through Consul under its default SRV_NAME. */
export const CONSUL_TARGETS = {
  goods: 'consul://goods-srv',
  inventory: 'consul://inventory-srv',
  order: 'consul://order-srv',
  userop: 'consul://userop-srv',
} as const;

export function isConsulTarget(target: string): boolean {
  return target.startsWith('consul://');
}

/** One entry of Consul's /health/service answer, as far as we read it. */
interface HealthEntry {
  Node?: { Address?: string };
  Service?: { Address?: string; Port?: number };
}

/** host:port of each instance: the service's own address, else its node's (as Consul's DNS answers). */
export function instancesOf(entries: readonly HealthEntry[]): experimental.Endpoint[] {
  const endpoints: experimental.Endpoint[] = [];
  for (const entry of entries) {
    const host = entry.Service?.Address || entry.Node?.Address;
    const port = entry.Service?.Port;
    if (host && port) endpoints.push({ addresses: [{ host, port }] });
  }
  return endpoints;
}

class ConsulResolver implements experimental.Resolver {
  private readonly service: string;
  private watch: ReturnType<ReturnType<typeof consulAt>['watch']> | undefined;
  /** The last answer from the agent: what calls go to while it cannot be asked. */
  private known: experimental.Endpoint[] | undefined;
  private agentLost = false;

  constructor(
    target: experimental.GrpcUri,
    private readonly listener: experimental.ResolverListener,
    _options: ChannelOptions,
  ) {
    this.service = ConsulResolver.getDefaultAuthority(target);
  }

  static getDefaultAuthority(target: experimental.GrpcUri): string {
    const service = target.authority || target.path.replace(/^\/+/, '');
    if (!service) throw new Error(`a consul target names its service: consul://<service-name>, not ${JSON.stringify(target)}`);
    return service;
  }

  updateResolution(): void {
    if (!this.watch) {
      this.startWatching();
      return;
    }
    // Asked again (a connection failed): say again what is known; the watch reports changes by itself.
    if (this.known) setImmediate(() => this.report(this.known ?? []));
  }

  destroy(): void {
    this.watch?.end();
    this.watch = undefined;
  }

  private startWatching(): void {
    if (!discovery) throw new Error('consul:// target without useConsulDiscovery()');
    const { agent, logger } = discovery;
    const consul = consulAt(agent);
    const watch = consul.watch({
      method: consul.health.service,
      options: { service: this.service, passing: 'true', wait: BLOCKING_WAIT },
      backoffMax: WATCH_BACKOFF_MAX_MS,
    });
    watch.on('change', (entries: HealthEntry[]) => {
      if (this.agentLost) logger?.info({ service: this.service, agent: agent.address }, 'Consul agent answers again');
      this.agentLost = false;
      this.known = instancesOf(entries ?? []);
      this.report(this.known);
    });
    watch.on('error', (err: Error) => {
      if (!this.agentLost) {
        logger?.warn(
          { service: this.service, agent: agent.address, err: err.message, keeping: this.known?.length ?? 0 },
          'Consul agent lost; keeping the last known instances',
        );
      }
      this.agentLost = true;
      if (!this.known) this.report([]); // nothing known yet: nothing to call
    });
    this.watch = watch;
  }

  private report(endpoints: experimental.Endpoint[]): void {
    if (endpoints.length === 0) {
      this.listener(
        experimental.statusOrFromError({ code: status.UNAVAILABLE, details: `no passing instance of ${this.service} in Consul` }),
        {},
        null,
        '',
      );
      return;
    }
    this.listener(experimental.statusOrFromValue(endpoints), {}, null, '');
  }
}
