// The order srv: cart and orders over gRPC, calling the goods and inventory srvs.
import type { OrderSrvConfig } from '../../../global/config';
import type { Logger } from '../../../global/logger';
import { serviceDefinitions } from '../../../global/proto';
import { createSrvClient } from '../../../global/srv-conn';
import type { Database } from '../database';
import { startSrv, type RunningSrv } from '../running-srv';
import { createOrderSnGenerator } from './order-sn';
import { migrations, type OrderSchema } from './schema';
import { createOrderService } from './service';

export interface OrderSrvOptions {
  logger: Logger;
  /** 0..999, distinct per running instance; random when absent. */
  orderSnNode?: number | undefined;
}

export function startOrderSrv(config: OrderSrvConfig, { logger, orderSnNode }: OrderSrvOptions): Promise<RunningSrv> {
  const clientOptions = { deadlineMs: config.GRPC_DEADLINE_MS };
  const goods = createSrvClient('goods', config.GOODS_SRV, clientOptions);
  const inventory = createSrvClient('inventory', config.INVENTORY_SRV, clientOptions);
  return startSrv({
    name: 'order',
    storage: config,
    address: config.ORDER_SRV,
    logger,
    service: serviceDefinitions().order.service,
    migrations,
    handlers: ({ db }: Database<OrderSchema>) =>
      createOrderService({
        db,
        goods: goods.api,
        inventory: inventory.api,
        orderSn: createOrderSnGenerator(orderSnNode === undefined ? {} : { node: orderSnNode }),
        logger,
        deadlineMs: config.GRPC_DEADLINE_MS,
      }),
    release() {
      goods.close();
      inventory.close();
    },
  });
}
