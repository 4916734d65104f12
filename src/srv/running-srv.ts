// How every srv runs: open its store, bring the schema up to date, prepare (e.g. seed), serve over gRPC
// with grpc.health.v1 beside it, GET /metrics on METRICS_PORT when set, and register in Consul when an
// agent is configured. Stopping turns NOT_SERVING first, deregisters and gives clients about one check
// interval to stop sending work, then drains the server, releases what the srv holds and closes the store. Once.

import { setTimeout as delay } from 'node:timers/promises';
import type * as grpc from '@grpc/grpc-js';
import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';
import { consulAgentOf } from '../../global/consul';
import type { Logger } from '../../global/logger';
import { startDefaultMetrics, startMetricsServer } from '../../global/metrics';
import type { SrvName } from '../../global/wire';
import { type Database, migrate, openDatabase, type StorageConfig } from './database';
import { type AsyncHandlers, type RpcFaults, type RunningServer, startGrpcServer } from './grpc-server';
import { createSrvHealth, type SrvHealth, serviceNamesOf } from './health';
import { type Registration, registerInConsul } from './registration';

/** A started srv: where it listens, its health, and how to stop it. */
export interface RunningSrv {
  port: number;
  address: string;
  health: SrvHealth;
  /** Present when the srv registers in Consul. */
  registration: Registration | undefined;
  /** Where GET /metrics answers, when METRICS_PORT is set. */
  metricsPort: number | undefined;
  stop(): Promise<void>;
}

/** A srv's Consul settings (see global/config.ts); registration happens only with CONSUL_HTTP_ADDR. */
export interface GovernanceConfig {
  CONSUL_HTTP_ADDR?: string | undefined;
  CONSUL_HTTP_TOKEN?: string | undefined;
  CONSUL_HTTP_SSL?: boolean | undefined;
  CONSUL_CACERT?: string | undefined;
  SRV_NAME: string;
  ADVERTISE_ADDR?: string | undefined;
  HEALTH_CHECK_INTERVAL_SECONDS: number;
  DEREGISTER_CRITICAL_AFTER_SECONDS: number;
  METRICS_PORT?: number | undefined;
}

export interface SrvDefinition<Schema, D extends grpc.ServiceDefinition> {
  name: SrvName;
  storage: StorageConfig;
  address: string;
  logger: Logger;
  service: D;
  migrations: Record<string, Migration>;
  /** After migrations, before listening. */
  prepare?: (database: Database<Schema>) => Promise<void>;
  handlers: (database: Database<Schema>) => AsyncHandlers<D>;
  /** After the server drained, before the database closes (e.g. close client channels). */
  release?: () => void | Promise<void>;
  /** Tests only: injected RPC failures. */
  faults?: RpcFaults | undefined;
  /** What the srv does beyond the course's contract, said in every answer. */
  features?: readonly string[];
  governance: GovernanceConfig;
}

export async function startSrv<Schema, D extends grpc.ServiceDefinition>(def: SrvDefinition<Schema, D>): Promise<RunningSrv> {
  const database = openDatabase<Schema>(def.storage, `${def.name}.db`);
  const health = createSrvHealth(database.db as Kysely<unknown>, serviceNamesOf(def.service), def.logger);
  let server: RunningServer;
  try {
    await migrate(database, def.name, def.migrations);
    await def.prepare?.(database);
    await health.probe();
    server = await startGrpcServer({
      service: def.service,
      handlers: def.handlers(database),
      address: def.address,
      logger: def.logger,
      faults: def.faults,
      features: def.features,
      extend: (s) => health.addTo(s),
    });
  } catch (err) {
    health.stopServing();
    await def.release?.();
    await database.close();
    throw err;
  }
  const { governance } = def;
  startDefaultMetrics();
  const host = server.address.slice(0, server.address.lastIndexOf(':'));
  const metrics =
    governance.METRICS_PORT === undefined
      ? undefined
      : await startMetricsServer(host, governance.METRICS_PORT).catch(async (err: unknown) => {
          health.stopServing();
          await server.shutdown(0);
          await def.release?.();
          await database.close();
          throw err;
        });
  def.logger.info(
    { address: server.address, dialect: database.dialect, ...(metrics ? { metricsPort: metrics.port } : {}) },
    `${def.name} srv listening`,
  );
  const checkIntervalMs = governance.HEALTH_CHECK_INTERVAL_SECONDS * 1000;
  const agent = consulAgentOf(governance);
  const registration = agent
    ? registerInConsul({
        agent,
        name: governance.SRV_NAME,
        address: governance.ADVERTISE_ADDR ?? server.address,
        tags: [def.name, `dialect-${database.dialect}`],
        checkIntervalMs,
        deregisterCriticalAfterMs: governance.DEREGISTER_CRITICAL_AFTER_SECONDS * 1000,
        logger: def.logger,
      })
    : undefined;
  let stopping: Promise<void> | undefined;
  return {
    port: server.port,
    address: server.address,
    health,
    registration,
    metricsPort: metrics?.port,
    stop() {
      stopping ??= (async () => {
        health.stopServing();
        if (registration) {
          const wasRegistered = registration.registered();
          await registration.deregister();
          // Clients following the catalog, and any agent still checking, learn it is gone before it drains.
          if (wasRegistered) await delay(checkIntervalMs);
        }
        await server.shutdown();
        await metrics?.close();
        await def.release?.();
        await database.close();
      })();
      return stopping;
    },
  };
}
