// The four srvs together, wired to each other: what the dev stack, the benchmark and the tests run.
// The order srv dials the goods and inventory srvs wherever they actually bound (port 0 works).
import { type Env, goodsSrvSchema, inventorySrvSchema, orderSrvSchema, parseConfig, useropSrvSchema } from '../../global/config';
import type { Logger } from '../../global/logger';
import type { SrvTargets } from '../../global/srv-conn';
import type { SrvName } from '../../global/wire';
import { startGoodsSrv } from './goods';
import type { RpcFaults } from './grpc-server';
import { startInventorySrv } from './inventory';
import { type OrderSrvOptions, type RunningOrderSrv, startOrderSrv } from './order';
import type { RunningSrv } from './running-srv';
import { startUseropSrv } from './userop';

export interface AllSrvs {
  goods: RunningSrv;
  inventory: RunningSrv;
  order: RunningOrderSrv;
  userop: RunningSrv;
  /** Where each one listens, as the gateway dials them. */
  targets: SrvTargets;
  /** The order srv first (it calls the others), then goods, inventory and userop. */
  stop(): Promise<void>;
}

export interface AllSrvsOptions {
  /** Settings every srv reads (DATA_DIR or DATABASE_URL, GOODS_SRV, USEROP_SRV, …). */
  env: Env;
  /** Settings only the order srv gets, over env. */
  orderEnv?: Env;
  logger: Logger;
  seedDemo?: boolean;
  faults?: Partial<Record<SrvName, RpcFaults>>;
  /** The order srv's business clock and whether its relay runs on a timer (see OrderSrvOptions). */
  order?: Pick<OrderSrvOptions, 'now' | 'relayTimer'>;
}

/** Settings that name one srv: several srvs started from one environment cannot share them. */
const PER_SRV = ['SRV_NAME', 'ADVERTISE_ADDR'];

export async function startAllSrvs({
  env,
  orderEnv = {},
  logger,
  seedDemo = false,
  faults = {},
  order: orderOptions = {},
}: AllSrvsOptions): Promise<AllSrvs> {
  env = Object.fromEntries(Object.entries(env).filter(([key]) => !PER_SRV.includes(key)));
  const goods = await startGoodsSrv(parseConfig(goodsSrvSchema, env), {
    logger: logger.child({ srv: 'goods' }),
    seedDemo,
    faults: faults.goods,
  });
  const inventory = await startInventorySrv(parseConfig(inventorySrvSchema, env), {
    logger: logger.child({ srv: 'inventory' }),
    seedDemo,
    faults: faults.inventory,
  }).catch(async (err: unknown) => {
    await goods.stop();
    throw err;
  });
  const order = await startOrderSrv(
    parseConfig(orderSrvSchema, { ...env, GOODS_SRV: goods.address, INVENTORY_SRV: inventory.address, ...orderEnv }),
    { logger: logger.child({ srv: 'order' }), faults: faults.order, ...orderOptions },
  ).catch(async (err: unknown) => {
    await Promise.all([goods.stop(), inventory.stop()]);
    throw err;
  });
  const userop = await startUseropSrv(parseConfig(useropSrvSchema, env), {
    logger: logger.child({ srv: 'userop' }),
    faults: faults.userop,
  }).catch(async (err: unknown) => {
    await order.stop();
    await Promise.all([goods.stop(), inventory.stop()]);
    throw err;
  });
  return {
    goods,
    inventory,
    order,
    userop,
    targets: { goods: goods.address, inventory: inventory.address, order: order.address, userop: userop.address },
    async stop() {
      await order.stop();
      await Promise.all([goods.stop(), inventory.stop(), userop.stop()]);
    },
  };
}
