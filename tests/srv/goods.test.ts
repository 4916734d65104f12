// The goods srv over real gRPC on 127.0.0.1, on a fresh SQLite dir and (when reachable) a throwaway MariaDB database.
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import SQLite from 'better-sqlite3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type GoodsSrvConfig, goodsSrvSchema, parseConfig } from '../../global/config';
import { silentLogger } from '../../global/logger';
import { createSrvClient, type GoodsClient } from '../../global/srv-conn';
import { openDatabase } from '../../src/srv/database';
import { DEMO_GOODS, type DemoGoods, type RunningSrv, startGoodsSrv } from '../../src/srv/goods';
import type { GoodsSchema } from '../../src/srv/goods/schema';
import { createTestStore, rpcFailure, STORE_KINDS, type TestStore } from '../helpers/grpc';

const IMG = 'https://static.mxshop.dev';
const BRAND = { id: 1, name: '慕学生鲜', logo: `${IMG}/brands/mxshop.png` };

/** A demo goods as GoodsInfoResponse after the float32 round trip. */
function demoInfo(g: DemoGoods, addTime: number) {
  const nn = String(g.id).padStart(2, '0');
  return {
    id: g.id,
    categoryId: g.category.id,
    name: g.name,
    goodsSn: g.goodsSn,
    clickNum: 0,
    soldNum: 0,
    favNum: 0,
    stocks: 0,
    marketPrice: Math.fround(g.marketPriceCents / 100),
    shopPrice: Math.fround(g.shopPriceCents / 100),
    goodsBrief: g.brief,
    goodsDesc: `${g.name}：${g.brief}`,
    shipFree: true,
    images: [`${IMG}/goods/${nn}.jpg`, `${IMG}/goods/${nn}-2.jpg`],
    descImages: [`${IMG}/goods/${nn}-desc.jpg`],
    goodsFrontImage: `${IMG}/goods/${nn}.jpg`,
    isNew: g.isNew,
    isHot: g.isHot,
    onSale: true,
    addTime,
    category: { id: g.category.id, name: g.category.name },
    brand: BRAND,
  };
}

const demo = (id: number): DemoGoods => {
  const g = DEMO_GOODS.find((x) => x.id === id);
  if (!g) throw new Error(`no demo goods ${id}`);
  return g;
};

function configFor(store: TestStore): GoodsSrvConfig {
  return parseConfig(goodsSrvSchema, { ...store.env, GOODS_SRV: '127.0.0.1:0', LOG_LEVEL: 'silent' });
}

async function startWithClient(store: TestStore, seedDemo: boolean) {
  const srv = await startGoodsSrv(configFor(store), { logger: silentLogger, seedDemo });
  const client = createSrvClient('goods', srv.address, { deadlineMs: 2000 });
  return {
    srv,
    api: client.api,
    async stop() {
      client.close();
      await srv.stop();
    },
  };
}

/** What a test does to change a price: UPDATE goods.shop_price_cents in <DATA_DIR>/goods.db (or the MySQL table). */
async function setShopPriceCents(store: TestStore, goodsId: number, cents: number): Promise<void> {
  if (store.kind === 'sqlite') {
    const file = new SQLite(path.join(store.env.DATA_DIR, 'goods.db'));
    try {
      file.prepare('UPDATE goods SET shop_price_cents = ? WHERE id = ?').run(cents, goodsId);
    } finally {
      file.close();
    }
    return;
  }
  const database = openDatabase<GoodsSchema>(store.env, 'goods.db');
  try {
    await database.db.updateTable('goods').set({ shop_price_cents: cents }).where('id', '=', goodsId).execute();
  } finally {
    await database.close();
  }
}

const allIds = Array.from({ length: 40 }, (_, i) => i + 1);

describe('the demo catalogue data', () => {
  it('when exported then it is goods 1..20 with distinct names, cent prices and a higher market price', () => {
    expect(DEMO_GOODS.map((g) => g.id)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(new Set(DEMO_GOODS.map((g) => g.name)).size).toBe(20);
    for (const g of DEMO_GOODS) {
      expect(g.frontImage).toBe(`${IMG}/goods/${String(g.id).padStart(2, '0')}.jpg`);
      expect(g.marketPriceCents).toBeGreaterThan(g.shopPriceCents);
      expect(Number.isInteger(g.shopPriceCents) && g.shopPriceCents > 0).toBe(true);
    }
    // Prices with cents, so rounding bugs show: not every price is whole yuan, some are not even whole dimes.
    expect(DEMO_GOODS.filter((g) => g.shopPriceCents % 100 !== 0).length).toBeGreaterThan(10);
    expect(DEMO_GOODS.some((g) => g.shopPriceCents % 10 !== 0)).toBe(true);
  });
});

describe.each(STORE_KINDS)('goods srv on %s', (kind) => {
  let store: TestStore | undefined;
  let skipped: string | undefined;

  beforeAll(async () => {
    const created = await createTestStore(kind, 'goods');
    if ('skipped' in created) skipped = created.skipped;
    else store = created;
  });
  afterAll(async () => {
    await store?.cleanup();
  });
  beforeEach((ctx) => {
    if (skipped) ctx.skip(skipped);
  });

  describe('with the demo catalogue', () => {
    let running: Awaited<ReturnType<typeof startWithClient>> | undefined;
    let goods: GoodsClient;
    let startedAt = 0;
    let readyAt = 0;

    beforeAll(async () => {
      if (!store) return;
      startedAt = Math.floor(Date.now() / 1000);
      running = await startWithClient(store, true);
      readyAt = Math.ceil(Date.now() / 1000);
      goods = running.api;
    });
    afterAll(async () => {
      await running?.stop();
    });

    it('when seeded then BatchGetGoods over all ids answers exactly the 20 demo goods, fully filled', async () => {
      const answer = await goods.BatchGetGoods({ id: allIds });
      const addTime = answer.data[0]?.addTime ?? -1;
      expect(addTime).toBeGreaterThanOrEqual(startedAt);
      expect(addTime).toBeLessThanOrEqual(readyAt);
      expect(answer).toEqual({ total: 20, data: DEMO_GOODS.map((g) => demoInfo(g, addTime)) });
    });

    it('when GetGoodsDetail asks for an existing goods then every field comes from its row', async () => {
      const answer = await goods.GetGoodsDetail({ id: 2 });
      expect(answer).toEqual({
        id: 2,
        categoryId: 1,
        name: '丹东99草莓 500g',
        goodsSn: 'SX0002',
        clickNum: 0,
        soldNum: 0,
        favNum: 0,
        stocks: 0,
        marketPrice: Math.fround(58),
        shopPrice: Math.fround(45.9),
        goodsBrief: '奶香浓郁，当天采摘',
        goodsDesc: '丹东99草莓 500g：奶香浓郁，当天采摘',
        shipFree: true,
        images: [`${IMG}/goods/02.jpg`, `${IMG}/goods/02-2.jpg`],
        descImages: [`${IMG}/goods/02-desc.jpg`],
        goodsFrontImage: `${IMG}/goods/02.jpg`,
        isNew: false,
        isHot: false,
        onSale: true,
        addTime: answer.addTime,
        category: { id: 1, name: '新鲜水果' },
        brand: BRAND,
      });
      expect(answer.addTime).toBeGreaterThanOrEqual(startedAt);
    });

    it('when BatchGetGoods asks for missing and repeated ids then each existing goods comes once, in the order asked', async () => {
      const answer = await goods.BatchGetGoods({ id: [3, 999, 1, 3, 0, -5, 1] });
      const addTime = answer.data[0]?.addTime ?? -1;
      expect(answer).toEqual({ total: 2, data: [demoInfo(demo(3), addTime), demoInfo(demo(1), addTime)] });
    });

    it('when BatchGetGoods asks only for missing ids then total is 0 and data is empty', async () => {
      expect(await goods.BatchGetGoods({ id: [21, 999, 2147483647] })).toEqual({ total: 0, data: [] });
    });

    it('when BatchGetGoods gets an empty list then total is 0 and data is empty', async () => {
      expect(await goods.BatchGetGoods({ id: [] })).toEqual({ total: 0, data: [] });
    });

    it.each([[999], [21], [0], [-1]])('when GetGoodsDetail asks for goods %i then NOT_FOUND "记录不存在"', async (id) => {
      await expect(goods.GetGoodsDetail({ id })).rejects.toMatchObject(rpcFailure('goods', grpc.status.NOT_FOUND, '记录不存在'));
    });

    it.each(['/Goods/GoodsList', '/Goods/CreateGoods', '/Goods/GetAllCategorysList'])(
      'when a course RPC this srv does not implement is called (%s) then it answers UNIMPLEMENTED',
      async (rpcPath) => {
        const raw = new grpc.Client(running?.srv.address ?? '', grpc.credentials.createInsecure());
        try {
          const code = await new Promise<grpc.status>((resolve) => {
            raw.makeUnaryRequest(
              rpcPath,
              (arg: Buffer) => arg,
              (bytes: Buffer) => bytes,
              Buffer.alloc(0),
              { deadline: Date.now() + 2000 },
              (err) => resolve(err ? err.code : grpc.status.OK),
            );
          });
          expect(grpc.status[code]).toBe('UNIMPLEMENTED');
        } finally {
          raw.close();
        }
      },
    );
  });

  describe('restarted on the same store', () => {
    let restartStore: TestStore | undefined;
    beforeAll(async () => {
      const created = await createTestStore(kind, 'goods-restart');
      if (!('skipped' in created)) restartStore = created;
    });
    afterAll(async () => {
      await restartStore?.cleanup();
    });

    it('when started without seeding then the catalogue is empty; with seeding later then it is filled once and never reseeded', async () => {
      const s = restartStore!;

      const bare = await startWithClient(s, false);
      expect(await bare.api.BatchGetGoods({ id: allIds })).toEqual({ total: 0, data: [] });
      await bare.stop();

      const seeded = await startWithClient(s, true);
      expect((await seeded.api.BatchGetGoods({ id: allIds })).total).toBe(20);
      await seeded.stop();

      // A test changes a price in the store directly; a restart with seeding on must keep it.
      await setShopPriceCents(s, 5, 3333);

      const again = await startWithClient(s, true);
      try {
        const answer = await again.api.BatchGetGoods({ id: allIds });
        expect(answer.total).toBe(20);
        expect(answer.data.map((g) => g.id)).toEqual(DEMO_GOODS.map((g) => g.id));
        const five = await again.api.GetGoodsDetail({ id: 5 });
        expect(five).toEqual({ ...demoInfo(demo(5), five.addTime), shopPrice: Math.fround(33.33) });
      } finally {
        await again.stop();
      }
    });

    it('when stopped twice then the second stop is harmless', async () => {
      const running: RunningSrv = await startGoodsSrv(configFor(restartStore!), { logger: silentLogger });
      await running.stop();
      await expect(running.stop()).resolves.toBeUndefined();
    });
  });
});
