// The inventory srv: stock and its ledger over gRPC (CONTRACT §1, DESIGN §4), startable alone or in the dev stack.
import type { InventorySrvConfig } from '../../../global/config';
import type { Logger } from '../../../global/logger';
import { serviceDefinitions } from '../../../global/proto';
import type { Database } from '../database';
import type { RpcFaults } from '../grpc-server';
import { type RunningSrv, startSrv } from '../running-srv';
import { type InventorySchema, migrations } from './schema';
import { DEMO_STOCK, seedDemoInventory } from './seed';
import { createInventoryService } from './service';

export type { RunningSrv } from '../running-srv';
export { DEMO_INVENTORY, DEMO_STOCK } from './seed';

export interface InventorySrvOptions {
  logger: Logger;
  /** Insert the demo stock (goods 1..20, 100 each) when the inventory table is empty. */
  seedDemo?: boolean;
  /** Tests only: injected RPC failures (see RpcFaults). */
  faults?: RpcFaults | undefined;
}

export function startInventorySrv(config: InventorySrvConfig, { logger, seedDemo, faults }: InventorySrvOptions): Promise<RunningSrv> {
  return startSrv({
    name: 'inventory',
    storage: config,
    address: config.INVENTORY_SRV,
    logger,
    service: serviceDefinitions().inventory.service,
    migrations,
    governance: config,
    async prepare({ db }: Database<InventorySchema>) {
      if (!seedDemo) return;
      const seeded = await seedDemoInventory(db, Date.now());
      if (seeded > 0) logger.info({ goods: seeded, stock: DEMO_STOCK }, 'seeded the demo stock');
    },
    handlers: ({ db, dialect }) => createInventoryService({ db, dialect, logger }),
    faults,
  });
}
