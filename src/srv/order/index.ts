// The order srv: cart and orders over gRPC, calling the goods and inventory srvs.
import type { OrderSrvConfig } from '../../../global/config';
import type { Logger } from '../../../global/logger';
import { serviceDefinitions } from '../../../global/proto';
import { createSrvClient } from '../../../global/srv-conn';
import { migrate, openDatabase } from '../database';
import { startGrpcServer } from '../grpc-server';
import type { RunningSrv } from '../running-srv';
import { createOrderSnGenerator } from './order-sn';
import { migrations, type OrderSchema } from './schema';
import { createOrderService } from './service';

export interface OrderSrvOptions {
  logger: Logger;
  /** 0..999, distinct per running instance; random when absent. */
  orderSnNode?: number | undefined;
}

export async function startOrderSrv(config: OrderSrvConfig, options: OrderSrvOptions): Promise<RunningSrv> {
  const logger = options.logger;
  const database = openDatabase<OrderSchema>(config, 'order.db');
  try {
    await migrate(database, 'order', migrations);
  } catch (err) {
    await database.close();
    throw err;
  }
  const clientOptions = { deadlineMs: config.GRPC_DEADLINE_MS };
  const goods = createSrvClient('goods', config.GOODS_SRV, clientOptions);
  const inventory = createSrvClient('inventory', config.INVENTORY_SRV, clientOptions);
  const service = createOrderService({
    db: database.db,
    goods: goods.api,
    inventory: inventory.api,
    orderSn: createOrderSnGenerator(options.orderSnNode === undefined ? {} : { node: options.orderSnNode }),
    logger,
    deadlineMs: config.GRPC_DEADLINE_MS,
  });
  const server = await startGrpcServer({
    service: serviceDefinitions().order.service,
    handlers: service,
    address: config.ORDER_SRV,
    logger,
  });
  logger.info({ address: server.address, dialect: database.dialect }, 'order srv listening');
  return {
    port: server.port,
    address: server.address,
    async stop() {
      await server.shutdown();
      goods.close();
      inventory.close();
      await database.close();
    },
  };
}
