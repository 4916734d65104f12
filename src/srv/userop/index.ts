// The userop srv: favourites, delivery addresses and messages over gRPC (CONTRACT §6), startable alone or
// in the dev stack. Its three services (UserFav, Address, Message) share one server, store and health.
import type { UseropSrvConfig } from '../../../global/config';
import type { Logger } from '../../../global/logger';
import { serviceDefinitions } from '../../../global/proto';
import type { Database } from '../database';
import type { RpcFaults } from '../grpc-server';
import { type RunningSrv, startSrv } from '../running-srv';
import { migrations, type UseropSchema } from './schema';
import { createUseropService } from './service';

export type { RunningSrv } from '../running-srv';

export interface UseropSrvOptions {
  logger: Logger;
  /** Tests only: injected RPC failures (see RpcFaults). */
  faults?: RpcFaults | undefined;
}

export function startUseropSrv(config: UseropSrvConfig, { logger, faults }: UseropSrvOptions): Promise<RunningSrv> {
  return startSrv({
    name: 'userop',
    storage: config,
    address: config.USEROP_SRV,
    logger,
    service: serviceDefinitions().userop.service,
    migrations,
    governance: config,
    handlers: ({ db }: Database<UseropSchema>) => createUseropService({ db }),
    faults,
  });
}
