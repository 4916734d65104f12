// The inventory srv: stock and its ledger over gRPC (CONTRACT §1, DESIGN §4), startable alone or in the dev stack.
import type { InventorySrvConfig } from '../../../global/config';
import type { Logger } from '../../../global/logger';
import { serviceDefinitions } from '../../../global/proto';
import { migrate, openDatabase } from '../database';
import { startGrpcServer, type RunningServer } from '../grpc-server';
import type { RunningSrv } from '../running-srv';
import { migrations, type InventorySchema } from './schema';
import { DEMO_STOCK, seedDemoInventory } from './seed';
import { createInventoryService } from './service';

export type { RunningSrv } from '../running-srv';
export { DEMO_INVENTORY, DEMO_STOCK } from './seed';

export interface InventorySrvOptions {
  logger: Logger;
  /** Insert the demo stock (goods 1..20, 100 each) when the inventory table is empty. */
  seedDemo?: boolean;
}

export async function startInventorySrv(config: InventorySrvConfig, options: InventorySrvOptions): Promise<RunningSrv> {
  const { logger } = options;
  const database = openDatabase<InventorySchema>(config, 'inventory.db');
  let server: RunningServer;
  try {
    await migrate(database, 'inventory', migrations);
    if (options.seedDemo) {
      const seeded = await seedDemoInventory(database.db, Date.now());
      if (seeded > 0) logger.info({ goods: seeded, stock: DEMO_STOCK }, 'seeded the demo stock');
    }
    server = await startGrpcServer({
      service: serviceDefinitions().inventory.service,
      handlers: createInventoryService({ db: database.db, dialect: database.dialect, logger }),
      address: config.INVENTORY_SRV,
      logger,
    });
  } catch (err) {
    await database.close();
    throw err;
  }
  logger.info({ address: server.address, dialect: database.dialect }, 'inventory srv listening');
  const running = server;
  let stopping: Promise<void> | undefined;
  return {
    port: running.port,
    address: running.address,
    stop() {
      stopping ??= (async () => {
        await running.shutdown();
        await database.close();
      })();
      return stopping;
    },
  };
}
