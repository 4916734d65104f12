// The inventory srv over real gRPC on 127.0.0.1, on a fresh SQLite dir and (when reachable) a throwaway MariaDB
// database: stock moves only through Sell/Reback keyed by orderSn, all or nothing, once, never below zero.
import crypto from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type InventorySrvConfig, inventorySrvSchema, parseConfig } from '../../global/config';
import { silentLogger } from '../../global/logger';
import { createSrvClient, type InventoryClient, SrvCallError } from '../../global/srv-conn';
import { type Database, openDatabase } from '../../src/srv/database';
import { DEMO_INVENTORY, type RunningSrv, startInventorySrv } from '../../src/srv/inventory';
import type { InventorySchema } from '../../src/srv/inventory/schema';
import { createTestStore, rpcFailure, STORE_KINDS, type TestStore } from '../helpers/grpc';

const status = grpc.status;
const failure = (code: grpc.status, details: string) => rpcFailure('inventory', code, details);

function configFor(store: TestStore): InventorySrvConfig {
  return parseConfig(inventorySrvSchema, { ...store.env, INVENTORY_SRV: '127.0.0.1:0', LOG_LEVEL: 'silent' });
}

/** The outcome of a call as data, so concurrent results can be counted and compared whole. */
async function outcome(call: Promise<unknown>): Promise<string> {
  try {
    await call;
    return 'OK';
  } catch (err) {
    if (err instanceof SrvCallError) return `${status[err.code]} ${err.details}`;
    throw err;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(STORE_KINDS)('inventory srv on %s', (kind) => {
  let store: TestStore | undefined;
  let skipped: string | undefined;
  let srv: RunningSrv | undefined;
  let close = () => {};
  let inv: InventoryClient;
  let ledgerDb: Database<InventorySchema> | undefined;

  // Each test works on goods and order numbers of its own, so tests share one srv without sharing state.
  let lastGoodsId = 1000;
  const newGoods = async (stock: number) => {
    const goodsId = ++lastGoodsId;
    await inv.SetInv({ goodsId, num: stock });
    return goodsId;
  };
  const newSn = () => `SN-${kind}-${crypto.randomBytes(6).toString('hex')}`;
  const stockOf = async (goodsId: number) => (await inv.InvDetail({ goodsId })).num;
  const stocksOf = (ids: number[]) => Promise.all(ids.map(stockOf));
  const ledger = async (orderSn: string) => {
    const row = await ledgerDb!.db
      .selectFrom('inventory_sell')
      .select(['order_sn', 'status', 'detail'])
      .where('order_sn', '=', orderSn)
      .executeTakeFirst();
    return row ? { orderSn: row.order_sn, status: row.status, detail: JSON.parse(row.detail) as unknown } : undefined;
  };

  beforeAll(async () => {
    const created = await createTestStore(kind, 'inventory');
    if ('skipped' in created) {
      skipped = created.skipped;
      return;
    }
    store = created;
    srv = await startInventorySrv(configFor(store), { logger: silentLogger });
    const client = createSrvClient('inventory', srv.address, { deadlineMs: 2000 });
    inv = client.api;
    close = () => client.close();
    ledgerDb = openDatabase<InventorySchema>(store.env, 'inventory.db');
  });
  afterAll(async () => {
    close();
    await srv?.stop();
    await ledgerDb?.close();
    await store?.cleanup();
  });
  beforeEach((ctx) => {
    if (skipped) ctx.skip(skipped);
  });

  describe('SetInv and InvDetail', () => {
    it('when SetInv is called then InvDetail answers that stock, and a second SetInv replaces it (not additive)', async () => {
      const goodsId = await newGoods(7);
      expect(await inv.InvDetail({ goodsId })).toEqual({ goodsId, num: 7 });
      expect(await inv.SetInv({ goodsId, num: 3 })).toEqual({});
      expect(await inv.InvDetail({ goodsId })).toEqual({ goodsId, num: 3 });
      await inv.SetInv({ goodsId, num: 0 });
      expect(await inv.InvDetail({ goodsId })).toEqual({ goodsId, num: 0 });
    });

    it('when InvDetail asks for goods without a stock row then NOT_FOUND "没有库存记录"', async () => {
      await expect(inv.InvDetail({ goodsId: 999_999 })).rejects.toMatchObject(failure(status.NOT_FOUND, '没有库存记录'));
    });

    it.each([
      ['a negative stock', { goodsId: 5000, num: -1 }, '库存数量不能为负数'],
      ['goods id 0', { goodsId: 0, num: 5 }, '商品id不合法'],
      ['a negative goods id', { goodsId: -3, num: 5 }, '商品id不合法'],
    ])('when SetInv gets %s then INVALID_ARGUMENT and nothing is stored', async (_label, request, details) => {
      await expect(inv.SetInv(request)).rejects.toMatchObject(failure(status.INVALID_ARGUMENT, details));
      await expect(inv.InvDetail({ goodsId: request.goodsId })).rejects.toMatchObject(failure(status.NOT_FOUND, '没有库存记录'));
    });
  });

  describe('Sell', () => {
    it('when every goods has enough stock then each stock drops and the ledger records the sell', async () => {
      const a = await newGoods(10);
      const b = await newGoods(5);
      const orderSn = newSn();
      expect(
        await inv.Sell({
          orderSn,
          goodsInfo: [
            { goodsId: b, num: 5 },
            { goodsId: a, num: 2 },
          ],
        }),
      ).toEqual({});
      expect(await stocksOf([a, b])).toEqual([8, 0]);
      expect(await ledger(orderSn)).toEqual({
        orderSn,
        status: 'sold',
        detail: [
          { goodsId: a, num: 2 },
          { goodsId: b, num: 5 },
        ],
      });
    });

    it('when the same goods appears twice in one Sell then its quantities are merged', async () => {
      const a = await newGoods(10);
      const orderSn = newSn();
      await inv.Sell({
        orderSn,
        goodsInfo: [
          { goodsId: a, num: 1 },
          { goodsId: a, num: 2 },
        ],
      });
      expect(await stockOf(a)).toBe(7);
      expect(await ledger(orderSn)).toEqual({ orderSn, status: 'sold', detail: [{ goodsId: a, num: 3 }] });
    });

    it('when one item is short then RESOURCE_EXHAUSTED "库存不足" and nothing changes (all or nothing)', async () => {
      const a = await newGoods(10);
      const b = await newGoods(1);
      const orderSn = newSn();
      await expect(
        inv.Sell({
          orderSn,
          goodsInfo: [
            { goodsId: a, num: 3 },
            { goodsId: b, num: 2 },
          ],
        }),
      ).rejects.toMatchObject({ ...failure(status.RESOURCE_EXHAUSTED, '库存不足'), reason: 'OUT_OF_STOCK' });
      expect(await stocksOf([a, b])).toEqual([10, 1]);
      expect(await ledger(orderSn)).toBeUndefined();

      // Nothing was recorded, so the same order may sell once stock allows.
      await inv.SetInv({ goodsId: b, num: 2 });
      await inv.Sell({
        orderSn,
        goodsInfo: [
          { goodsId: a, num: 3 },
          { goodsId: b, num: 2 },
        ],
      });
      expect(await stocksOf([a, b])).toEqual([7, 0]);
    });

    it('when a goods has no stock row then NOT_FOUND "没有库存记录" and nothing changes', async () => {
      const a = await newGoods(10);
      const orderSn = newSn();
      await expect(
        inv.Sell({
          orderSn,
          goodsInfo: [
            { goodsId: a, num: 1 },
            { goodsId: 999_998, num: 1 },
          ],
        }),
      ).rejects.toMatchObject(failure(status.NOT_FOUND, '没有库存记录'));
      expect(await stockOf(a)).toBe(10);
      expect(await ledger(orderSn)).toBeUndefined();
    });

    it('when the same Sell is repeated then the stock moves once and the retry succeeds', async () => {
      const a = await newGoods(10);
      const orderSn = newSn();
      const request = { orderSn, goodsInfo: [{ goodsId: a, num: 4 }] };
      expect(await inv.Sell(request)).toEqual({});
      expect(await inv.Sell(request)).toEqual({});
      // Same goods listed differently (split lines) is still the same sell.
      expect(
        await inv.Sell({
          orderSn,
          goodsInfo: [
            { goodsId: a, num: 1 },
            { goodsId: a, num: 3 },
          ],
        }),
      ).toEqual({});
      expect(await stockOf(a)).toBe(6);
    });

    it('when a Sell reuses an orderSn with different goods then ALREADY_EXISTS and stock stays as the first sell left it', async () => {
      const a = await newGoods(10);
      const b = await newGoods(10);
      const orderSn = newSn();
      await inv.Sell({ orderSn, goodsInfo: [{ goodsId: a, num: 2 }] });
      for (const goodsInfo of [
        [{ goodsId: a, num: 3 }],
        [{ goodsId: b, num: 2 }],
        [
          { goodsId: a, num: 2 },
          { goodsId: b, num: 1 },
        ],
      ]) {
        await expect(inv.Sell({ orderSn, goodsInfo })).rejects.toMatchObject(failure(status.ALREADY_EXISTS, '订单号已扣减过其他商品库存'));
      }
      expect(await stocksOf([a, b])).toEqual([8, 10]);
      expect(await ledger(orderSn)).toEqual({ orderSn, status: 'sold', detail: [{ goodsId: a, num: 2 }] });
    });

    it.each([
      ['an empty orderSn', { orderSn: '', goodsInfo: [{ goodsId: 1, num: 1 }] }, '订单号不能为空'],
      ['a blank orderSn', { orderSn: '   ', goodsInfo: [{ goodsId: 1, num: 1 }] }, '订单号不能为空'],
      ['an orderSn over 64 characters', { orderSn: 'x'.repeat(65), goodsInfo: [{ goodsId: 1, num: 1 }] }, '订单号不能超过64个字符'],
      ['an empty goods list', { orderSn: 'SN-v1', goodsInfo: [] }, '商品列表不能为空'],
      ['num 0', { orderSn: 'SN-v2', goodsInfo: [{ goodsId: 1, num: 0 }] }, '商品数量必须大于0'],
      ['a negative num', { orderSn: 'SN-v3', goodsInfo: [{ goodsId: 1, num: -2 }] }, '商品数量必须大于0'],
      ['goods id 0', { orderSn: 'SN-v4', goodsInfo: [{ goodsId: 0, num: 1 }] }, '商品id不合法'],
    ])('when Sell gets %s then INVALID_ARGUMENT and nothing is recorded', async (_label, request, details) => {
      await expect(inv.Sell(request)).rejects.toMatchObject(failure(status.INVALID_ARGUMENT, details));
      expect(await ledger(request.orderSn)).toBeUndefined();
    });
  });

  describe('Reback', () => {
    it('when an order is given back twice then its stock returns exactly once', async () => {
      const a = await newGoods(10);
      const b = await newGoods(10);
      const orderSn = newSn();
      const goodsInfo = [
        { goodsId: a, num: 2 },
        { goodsId: b, num: 5 },
      ];
      await inv.Sell({ orderSn, goodsInfo });
      expect(await stocksOf([a, b])).toEqual([8, 5]);
      expect(await inv.Reback({ orderSn, goodsInfo })).toEqual({});
      expect(await stocksOf([a, b])).toEqual([10, 10]);
      expect(await inv.Reback({ orderSn, goodsInfo })).toEqual({});
      expect(await stocksOf([a, b])).toEqual([10, 10]);
      expect(await ledger(orderSn)).toEqual({ orderSn, status: 'reback', detail: goodsInfo });
    });

    it('when Reback carries a different goods list then the ledger decides what comes back', async () => {
      const a = await newGoods(10);
      const b = await newGoods(10);
      const orderSn = newSn();
      await inv.Sell({ orderSn, goodsInfo: [{ goodsId: a, num: 2 }] });
      await inv.Reback({
        orderSn,
        goodsInfo: [
          { goodsId: a, num: 9 },
          { goodsId: b, num: 4 },
        ],
      });
      expect(await stocksOf([a, b])).toEqual([10, 10]);
    });

    it('when Reback comes before its Sell then a tombstone refuses the late Sell with FAILED_PRECONDITION and stock unchanged', async () => {
      const a = await newGoods(10);
      const orderSn = newSn();
      expect(await inv.Reback({ orderSn, goodsInfo: [{ goodsId: a, num: 3 }] })).toEqual({});
      expect(await ledger(orderSn)).toEqual({ orderSn, status: 'reback', detail: [] });
      await expect(inv.Sell({ orderSn, goodsInfo: [{ goodsId: a, num: 3 }] })).rejects.toMatchObject(
        failure(status.FAILED_PRECONDITION, '订单库存已归还'),
      );
      expect(await stockOf(a)).toBe(10);
      expect(await ledger(orderSn)).toEqual({ orderSn, status: 'reback', detail: [] });
    });

    it('when a sold order is given back then a later Sell of it is refused too', async () => {
      const a = await newGoods(10);
      const orderSn = newSn();
      await inv.Sell({ orderSn, goodsInfo: [{ goodsId: a, num: 3 }] });
      await inv.Reback({ orderSn, goodsInfo: [] });
      await expect(inv.Sell({ orderSn, goodsInfo: [{ goodsId: a, num: 3 }] })).rejects.toMatchObject(
        failure(status.FAILED_PRECONDITION, '订单库存已归还'),
      );
      expect(await stockOf(a)).toBe(10);
    });

    it('when an unknown orderSn is given back twice then both succeed and one tombstone is left', async () => {
      const orderSn = newSn();
      expect(await inv.Reback({ orderSn, goodsInfo: [] })).toEqual({});
      expect(await inv.Reback({ orderSn, goodsInfo: [{ goodsId: 999_997, num: 1 }] })).toEqual({});
      expect(await ledger(orderSn)).toEqual({ orderSn, status: 'reback', detail: [] });
      await expect(inv.InvDetail({ goodsId: 999_997 })).rejects.toMatchObject(failure(status.NOT_FOUND, '没有库存记录'));
    });

    it.each([
      ['an empty orderSn', ''],
      ['a blank orderSn', ' '],
    ])('when Reback gets %s then INVALID_ARGUMENT "订单号不能为空"', async (_label, orderSn) => {
      await expect(inv.Reback({ orderSn, goodsInfo: [{ goodsId: 1, num: 1 }] })).rejects.toMatchObject(
        failure(status.INVALID_ARGUMENT, '订单号不能为空'),
      );
    });
  });

  describe('under concurrency', () => {
    it('when 30 orders race for 10 units then exactly 10 sell, the rest are out of stock, and stock ends at 0', async () => {
      const a = await newGoods(10);
      const sns = Array.from({ length: 30 }, newSn);
      const results = await Promise.all(sns.map((orderSn) => outcome(inv.Sell({ orderSn, goodsInfo: [{ goodsId: a, num: 1 }] }))));
      expect(results.filter((r) => r === 'OK')).toHaveLength(10);
      expect(results.filter((r) => r === 'RESOURCE_EXHAUSTED 库存不足')).toHaveLength(20);
      expect(await stockOf(a)).toBe(0);
      const sold = await Promise.all(sns.map(ledger));
      expect(sold.filter((r) => r?.status === 'sold')).toHaveLength(10);
      expect(sold.filter((r) => r === undefined)).toHaveLength(20);
    });

    it('when orders of two goods in opposite list order race then all or nothing holds for each and no stock goes negative', async () => {
      const a = await newGoods(6);
      const b = await newGoods(6);
      const sns = Array.from({ length: 20 }, newSn);
      const results = await Promise.all(
        sns.map((orderSn, i) =>
          outcome(
            inv.Sell({
              orderSn,
              goodsInfo:
                i % 2
                  ? [
                      { goodsId: a, num: 1 },
                      { goodsId: b, num: 2 },
                    ]
                  : [
                      { goodsId: b, num: 1 },
                      { goodsId: a, num: 2 },
                    ],
            }),
          ),
        ),
      );
      expect(results.every((r) => r === 'OK' || r === 'RESOURCE_EXHAUSTED 库存不足')).toBe(true);
      const [stockA, stockB] = await stocksOf([a, b]);
      expect(stockA).toBeGreaterThanOrEqual(0);
      expect(stockB).toBeGreaterThanOrEqual(0);
      // Every unit that left is held by exactly one 'sold' ledger row.
      const rows = (await Promise.all(sns.map(ledger))).filter((r) => r !== undefined);
      expect(rows).toHaveLength(results.filter((r) => r === 'OK').length);
      const held = (goodsId: number) =>
        rows
          .flatMap((r) => r.detail as { goodsId: number; num: number }[])
          .filter((d) => d.goodsId === goodsId)
          .reduce((n, d) => n + d.num, 0);
      expect([stockA! + held(a), stockB! + held(b)]).toEqual([6, 6]);
    });

    it('when the same Sell is sent 10 times at once then all succeed and the stock moves once', async () => {
      const a = await newGoods(10);
      const orderSn = newSn();
      const request = { orderSn, goodsInfo: [{ goodsId: a, num: 3 }] };
      const results = await Promise.all(Array.from({ length: 10 }, () => outcome(inv.Sell(request))));
      expect(results).toEqual(Array(10).fill('OK'));
      expect(await stockOf(a)).toBe(7);
      expect(await ledger(orderSn)).toEqual({ orderSn, status: 'sold', detail: [{ goodsId: a, num: 3 }] });
    });

    it('when Sell and Reback of the same order race in random order then the stock always ends untouched and the ledger says reback', async () => {
      // Fewer units than rounds, so a sell may also meet an empty shelf while others hold stock briefly.
      const a = await newGoods(10);
      const rounds = Array.from({ length: 25 }, () => ({ orderSn: newSn(), rebackFirst: Math.random() < 0.5 }));
      const results = await Promise.all(
        rounds.map(async ({ orderSn, rebackFirst }) => {
          const sell = async () => {
            await sleep(Math.random() * 3);
            return outcome(inv.Sell({ orderSn, goodsInfo: [{ goodsId: a, num: 1 }] }));
          };
          const reback = async () => {
            await sleep(Math.random() * 3);
            return outcome(inv.Reback({ orderSn, goodsInfo: [{ goodsId: a, num: 1 }] }));
          };
          const [sold, givenBack] = rebackFirst
            ? await Promise.all([reback(), sell()]).then(([r, s]) => [s, r])
            : await Promise.all([sell(), reback()]);
          return { orderSn, sold, givenBack };
        }),
      );
      for (const { orderSn, sold, givenBack } of results) {
        expect(givenBack).toBe('OK');
        // Either the sell came first (and was given back), or the tombstone refused it, or it found no stock left.
        expect(['OK', 'FAILED_PRECONDITION 订单库存已归还', 'RESOURCE_EXHAUSTED 库存不足']).toContain(sold);
        expect(await ledger(orderSn)).toEqual({
          orderSn,
          status: 'reback',
          detail: sold === 'OK' ? [{ goodsId: a, num: 1 }] : [],
        });
      }
      expect(await stockOf(a)).toBe(10);
    });

    it('when sells, repeated sells and rebacks of many orders interleave then stock left plus units held by sold orders is the initial stock', async () => {
      const a = await newGoods(15);
      const b = await newGoods(15);
      const orders = Array.from({ length: 20 }, (_, i) => ({
        orderSn: newSn(),
        goodsInfo: [
          { goodsId: a, num: 1 + (i % 3) },
          { goodsId: b, num: 1 + (i % 2) },
        ],
        giveBack: i % 3 === 0,
      }));
      const calls = orders.flatMap((o) => [
        () => inv.Sell(o),
        () => inv.Sell(o),
        ...(o.giveBack ? [() => inv.Reback({ orderSn: o.orderSn, goodsInfo: [] })] : []),
      ]);
      calls.sort(() => Math.random() - 0.5);
      const results = await Promise.all(calls.map((call) => outcome(call())));
      expect(results.every((r) => ['OK', 'RESOURCE_EXHAUSTED 库存不足', 'FAILED_PRECONDITION 订单库存已归还'].includes(r))).toBe(true);
      const rows = (await Promise.all(orders.map((o) => ledger(o.orderSn)))).filter((r) => r !== undefined);
      for (const o of orders.filter((x) => x.giveBack)) {
        expect(rows.find((r) => r.orderSn === o.orderSn)?.status).toBe('reback');
      }
      const held = (goodsId: number) =>
        rows
          .filter((r) => r.status === 'sold')
          .flatMap((r) => r.detail as { goodsId: number; num: number }[])
          .filter((d) => d.goodsId === goodsId)
          .reduce((n, d) => n + d.num, 0);
      const [stockA, stockB] = await stocksOf([a, b]);
      expect([stockA! + held(a), stockB! + held(b)]).toEqual([15, 15]);
    });
  });

  describe('the demo stock', () => {
    it('when started with seeding on an empty store then goods 1..20 have 100 each; a restart does not reseed', async () => {
      const created = await createTestStore(kind, 'inventory-seed');
      if ('skipped' in created) return;
      try {
        const config = configFor(created);
        const first = await startInventorySrv(config, { logger: silentLogger, seedDemo: true });
        const c1 = createSrvClient('inventory', first.address, { deadlineMs: 2000 });
        const all = await Promise.all(DEMO_INVENTORY.map(({ goodsId }) => c1.api.InvDetail({ goodsId })));
        expect(all).toEqual(Array.from({ length: 20 }, (_, i) => ({ goodsId: i + 1, num: 100 })));
        await expect(c1.api.InvDetail({ goodsId: 21 })).rejects.toMatchObject(failure(status.NOT_FOUND, '没有库存记录'));
        await c1.api.Sell({ orderSn: 'SN-seed-1', goodsInfo: [{ goodsId: 1, num: 4 }] });
        c1.close();
        await first.stop();

        const second = await startInventorySrv(config, { logger: silentLogger, seedDemo: true });
        const c2 = createSrvClient('inventory', second.address, { deadlineMs: 2000 });
        try {
          expect(await c2.api.InvDetail({ goodsId: 1 })).toEqual({ goodsId: 1, num: 96 });
          // The ledger survives the restart too: the retry is still a no-op.
          await c2.api.Sell({ orderSn: 'SN-seed-1', goodsInfo: [{ goodsId: 1, num: 4 }] });
          expect(await c2.api.InvDetail({ goodsId: 1 })).toEqual({ goodsId: 1, num: 96 });
        } finally {
          c2.close();
          await second.stop();
        }
      } finally {
        await created.cleanup();
      }
    });
  });
});
