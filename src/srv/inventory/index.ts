// The inventory srv: stock and its ledger over gRPC (CONTRACT §1, DESIGN §4), startable alone or in the dev stack.
// With MESSAGE_BROKER_URL it also consumes the order system's stock returns from RabbitMQ (CONTRACT §7),
// as one of any number of competing inventory srvs.
import type { InventorySrvConfig } from '../../../global/config';
import type { Logger } from '../../../global/logger';
import { serviceDefinitions } from '../../../global/proto';
import { type Broker, connectBroker } from '../broker';
import type { Database } from '../database';
import type { RpcFaults } from '../grpc-server';
import { type RunningSrv, startSrv } from '../running-srv';
import { type InventorySchema, migrations } from './schema';
import { DEMO_STOCK, seedDemoInventory } from './seed';
import { applyStockReturn, createInventoryService } from './service';

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
  let broker: Broker | undefined;
  return startSrv({
    name: 'inventory',
    storage: config,
    address: config.INVENTORY_SRV,
    logger,
    service: serviceDefinitions().inventory.service,
    migrations,
    governance: config,
    async prepare({ db }: Database<InventorySchema>) {
      if (seedDemo) {
        const seeded = await seedDemoInventory(db, Date.now());
        if (seeded > 0) logger.info({ goods: seeded, stock: DEMO_STOCK }, 'seeded the demo stock');
      }
      if (config.MESSAGE_BROKER_URL) {
        broker = connectBroker({ ...config, MESSAGE_BROKER_URL: config.MESSAGE_BROKER_URL }, logger);
        broker.consume('stockReturn', async ({ messageId, body }) => {
          const orderSn = (body as { order_sn?: unknown } | null)?.order_sn;
          if (typeof orderSn !== 'string' || !messageId) throw new Error('stock.return without order_sn or message id');
          const outcome = await applyStockReturn({ db }, messageId, orderSn);
          if (config.INVENTORY_SRV_CRASH_AT === 'stock-return-committed') process.kill(process.pid, 'SIGKILL');
          logger.debug({ orderSn, messageId, outcome }, 'stock return consumed');
        });
      }
    },
    handlers: ({ db, dialect }) => createInventoryService({ db, dialect, logger }),
    faults,
    async release() {
      await broker?.close();
    },
  });
}
