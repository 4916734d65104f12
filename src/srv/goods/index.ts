// The goods srv: the catalogue read path over gRPC (CONTRACT §1), startable alone or in the dev stack.
import type { GoodsSrvConfig } from '../../../global/config';
import type { Logger } from '../../../global/logger';
import { serviceDefinitions } from '../../../global/proto';
import { migrate, openDatabase } from '../database';
import { startGrpcServer, type RunningServer } from '../grpc-server';
import type { RunningSrv } from '../running-srv';
import { migrations, type GoodsSchema } from './schema';
import { seedDemoGoods } from './seed';
import { createGoodsService } from './service';

export type { RunningSrv } from '../running-srv';
export { DEMO_GOODS, DEMO_BRAND, DEMO_CATEGORIES, type DemoGoods } from './seed';

export interface GoodsSrvOptions {
  logger: Logger;
  /** Insert the demo catalogue (goods 1..20) when the goods table is empty. */
  seedDemo?: boolean;
}

export async function startGoodsSrv(config: GoodsSrvConfig, options: GoodsSrvOptions): Promise<RunningSrv> {
  const { logger } = options;
  const database = openDatabase<GoodsSchema>(config, 'goods.db');
  let server: RunningServer;
  try {
    await migrate(database, 'goods', migrations);
    if (options.seedDemo) {
      const seeded = await seedDemoGoods(database.db, Date.now());
      if (seeded > 0) logger.info({ goods: seeded }, 'seeded the demo catalogue');
    }
    server = await startGrpcServer({
      service: serviceDefinitions().goods.service,
      handlers: createGoodsService(database.db),
      address: config.GOODS_SRV,
      logger,
    });
  } catch (err) {
    await database.close();
    throw err;
  }
  logger.info({ address: server.address, dialect: database.dialect }, 'goods srv listening');
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
