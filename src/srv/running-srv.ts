// How every srv runs: open its store, bring the schema up to date, prepare (e.g. seed), serve over
// gRPC; stop drains the server, releases what the srv holds, then closes the store. Once.
import type * as grpc from '@grpc/grpc-js';
import type { Migration } from 'kysely';
import type { Logger } from '../../global/logger';
import type { SrvName } from '../../global/wire';
import { type Database, migrate, openDatabase, type StorageConfig } from './database';
import { type AsyncHandlers, type RpcFaults, type RunningServer, startGrpcServer } from './grpc-server';

/** A started srv: where it listens, and how to stop it (gRPC drain, then the database). */
export interface RunningSrv {
  port: number;
  address: string;
  stop(): Promise<void>;
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
}

export async function startSrv<Schema, D extends grpc.ServiceDefinition>(def: SrvDefinition<Schema, D>): Promise<RunningSrv> {
  const database = openDatabase<Schema>(def.storage, `${def.name}.db`);
  let server: RunningServer;
  try {
    await migrate(database, def.name, def.migrations);
    await def.prepare?.(database);
    server = await startGrpcServer({
      service: def.service,
      handlers: def.handlers(database),
      address: def.address,
      logger: def.logger,
      faults: def.faults,
    });
  } catch (err) {
    await def.release?.();
    await database.close();
    throw err;
  }
  def.logger.info({ address: server.address, dialect: database.dialect }, `${def.name} srv listening`);
  let stopping: Promise<void> | undefined;
  return {
    port: server.port,
    address: server.address,
    stop() {
      stopping ??= (async () => {
        await server.shutdown();
        await def.release?.();
        await database.close();
      })();
      return stopping;
    },
  };
}
