// The goods srv: the catalogue read path over gRPC (CONTRACT §1), startable alone or in the dev stack.
import type { GoodsSrvConfig } from '../../../global/config';
import type { Logger } from '../../../global/logger';
import { serviceDefinitions } from '../../../global/proto';
import type { Database } from '../database';
import type { RpcFaults } from '../grpc-server';
import { type RunningSrv, startSrv } from '../running-srv';
import { type GoodsSchema, migrations } from './schema';
import { seedDemoGoods } from './seed';
import { createGoodsService } from './service';

export type { RunningSrv } from '../running-srv';
export { DEMO_BRAND, DEMO_CATEGORIES, DEMO_GOODS, type DemoGoods } from './seed';

export interface GoodsSrvOptions {
  logger: Logger;
  /** Insert the demo catalogue (goods 1..20) when the goods table is empty. */
  seedDemo?: boolean;
  /** Tests only: injected RPC failures (see RpcFaults). */
  faults?: RpcFaults | undefined;
}

export function startGoodsSrv(config: GoodsSrvConfig, { logger, seedDemo, faults }: GoodsSrvOptions): Promise<RunningSrv> {
  return startSrv({
    name: 'goods',
    storage: config,
    address: config.GOODS_SRV,
    logger,
    service: serviceDefinitions().goods.service,
    migrations,
    governance: config,
    async prepare({ db }: Database<GoodsSchema>) {
      if (!seedDemo) return;
      const seeded = await seedDemoGoods(db, Date.now());
      if (seeded > 0) logger.info({ goods: seeded }, 'seeded the demo catalogue');
    },
    handlers: ({ db }) => createGoodsService(db),
    faults,
  });
}
