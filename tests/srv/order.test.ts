// The order srv over real gRPC on 127.0.0.1, wired by startAllSrvs to the real goods and inventory srvs, on a
// fresh SQLite dir and (when reachable) a throwaway MariaDB database. It proves, through the RPCs and what the
// stores hold afterwards:
//   - the cart keeps one row per (user, goods): adds merge (also when they race), updates follow the course's
//     rules, every call is scoped to its user and checked;
//   - CreateOrder buys exactly the checked cart rows at the goods srv's prices, takes their stock, writes the
//     order with its goods snapshot, and writes nothing when it fails; with an idempotency key it creates one
//     order per (user, key) and replays it, and refuses the key for a different request;
//   - UpdateOrderStatus only moves statuses forward (every from/to pair), a close returns stock once, a payment
//     for a closed order is recorded as late and leaves it closed, a payment of another amount changes nothing;
//   - OrderList pages newest first within bounds and filters by user; OrderDetail hides other users' orders;
//   - ReconcileOrders closes the expired unpaid orders it is asked about and, with Alipay, settles the paid ones.
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../global/logger';
import { createSrvConn, type InventoryClient, type OrderClient, SrvCallError, type SrvConn } from '../../global/srv-conn';
import { FEATURES_KEY, PAYMENT_OUTCOME_KEY, REPLAYED_KEY } from '../../global/wire';
import type { OrderInfoResponse__Output } from '../../proto/types/proto/OrderInfoResponse';
import { type AllSrvs, startAllSrvs } from '../../src/srv/all';
import { DEMO_GOODS } from '../../src/srv/goods';
import { type StandInAlipay, startStandInAlipay } from '../../src/stand-in-alipay/server';
import { createTestStore, rpcFailure, STORE_KINDS, type TestStore } from '../helpers/grpc';
import { ON_ANY_PORT, queryStore, TEST_APP_ID, testKeys } from '../helpers/stack';

const status = grpc.status;
const failure = (code: grpc.status, details: string) => rpcFailure('order', code, details);

const FORM = { address: '北京市朝阳区望京SOHO T1', name: '李雷', mobile: '13800138000', post: '请尽快发货' };
/** ORDER_TIMEOUT_SECONDS's default: how long after its creation an unpaid order expires. */
const ORDER_TIMEOUT_MS = 1800 * 1000;
const HOUR_MS = 3600 * 1000;

/** A goods of the demo catalogue the srvs are seeded with. */
function demoGoods(goodsId: number) {
  const g = DEMO_GOODS.find((x) => x.id === goodsId);
  if (!g) throw new Error(`no demo goods ${goodsId}`);
  return g;
}
/** Its shop price in cents. */
const priceCents = (goodsId: number) => demoGoods(goodsId).shopPriceCents;

/** Money as it arrives over the wire: a float32. */
const wireYuan = (cents: number) => Math.fround(cents / 100);

/** `YYYY-MM-DD HH:MM:SS` in local time, as addTime reads. */
function localTime(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** The outcome of a call as data: 'OK', or the status name and details (with the error reason when sent). */
async function outcome(call: Promise<unknown>): Promise<string> {
  try {
    await call;
    return 'OK';
  } catch (err) {
    if (err instanceof SrvCallError) return `${status[err.code]} ${err.details}${err.reason ? ` [${err.reason}]` : ''}`;
    throw err;
  }
}

interface OrderRow {
  id: number;
  user_id: number;
  order_sn: string;
  status: string;
  trade_no: string | null;
  pay_time: number | null;
  total_cents: number;
  expire_at: number;
  created_at: number;
}

interface LateRow {
  order_sn: string;
  trade_no: string;
  amount_cents: number;
  paid_at: number | null;
  refund_state: string;
  refunded_at: number | null;
}

const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));

/** One running system (goods, inventory, order srvs on one store) and what tests do with it. */
function harness(kind: TestStore['kind'], prefix: string, orderEnv: () => Record<string, string>) {
  const h = {
    store: undefined as TestStore | undefined,
    skipped: undefined as string | undefined,
    srvs: undefined as AllSrvs | undefined,
    conn: undefined as SrvConn | undefined,
    get order(): OrderClient {
      return h.conn!.order;
    },
    get inv(): InventoryClient {
      return h.conn!.inventory;
    },
    async start() {
      const created = await createTestStore(kind, prefix);
      if ('skipped' in created) {
        h.skipped = created.skipped;
        return;
      }
      h.store = created;
      h.srvs = await startAllSrvs({
        env: { ...created.env, ...ON_ANY_PORT, LOG_LEVEL: 'silent', GRPC_DEADLINE_MS: '2000' },
        orderEnv: orderEnv(),
        logger: silentLogger,
        seedDemo: true,
        // No relay timer: the tests deliver what they need themselves.
        order: { relayTimer: false },
      });
      h.conn = createSrvConn(h.srvs.targets, { deadlineMs: 2000 });
    },
    async stop() {
      h.conn?.close();
      await h.srvs?.stop();
      await h.store?.cleanup();
    },
    sql<Row = Record<string, unknown>>(srv: 'order' | 'goods', text: string, params: unknown[] = []): Promise<Row[]> {
      return queryStore<Row>(h.store!.env, srv, text, params);
    },
    async orderRow(orderSn: string): Promise<OrderRow> {
      const [row] = await h.sql<OrderRow>(
        'order',
        'SELECT id, user_id, order_sn, status, trade_no, pay_time, total_cents, expire_at, created_at FROM order_info WHERE order_sn = ?',
        [orderSn],
      );
      if (!row) throw new Error(`no order ${orderSn}`);
      return {
        ...row,
        id: Number(row.id),
        user_id: Number(row.user_id),
        pay_time: num(row.pay_time),
        total_cents: Number(row.total_cents),
        expire_at: Number(row.expire_at),
        created_at: Number(row.created_at),
      };
    },
    async statusOf(orderSn: string): Promise<string> {
      return (await h.orderRow(orderSn)).status;
    },
    /** The outbox topics still pending for an order. */
    async outboxOf(orderSn: string): Promise<string[]> {
      const rows = await h.sql<{ topic: string }>('order', 'SELECT topic FROM outbox WHERE order_sn = ? ORDER BY id', [orderSn]);
      return rows.map((r) => r.topic);
    },
    async lateOf(orderSn: string): Promise<LateRow | undefined> {
      const [row] = await h.sql<LateRow>(
        'order',
        'SELECT order_sn, trade_no, amount_cents, paid_at, refund_state, refunded_at FROM late_payment WHERE order_sn = ?',
        [orderSn],
      );
      return row && { ...row, amount_cents: Number(row.amount_cents), paid_at: num(row.paid_at), refunded_at: num(row.refunded_at) };
    },
    /** Moves an order's clock: created and/or expiring at the given epoch ms. */
    async backdate(orderSn: string, times: { createdAt?: number; expireAt?: number }) {
      const row = await h.orderRow(orderSn);
      await h.sql('order', 'UPDATE order_info SET created_at = ?, expire_at = ? WHERE order_sn = ?', [
        times.createdAt ?? row.created_at,
        times.expireAt ?? row.expire_at,
        orderSn,
      ]);
    },
    async stockOf(goodsId: number): Promise<number> {
      return (await h.inv.InvDetail({ goodsId })).num;
    },
    // Users are new in every test. Goods are the demo ones (1..20), taken in turn, their stock set by the test.
    lastUser: 10_000,
    lastGoods: 0,
    newUser(): number {
      h.lastUser += 1;
      return h.lastUser;
    },
    async newGoods(stock = 100): Promise<number> {
      const goodsId = (h.lastGoods % 20) + 1;
      h.lastGoods += 1;
      await h.inv.SetInv({ goodsId, num: stock });
      return goodsId;
    },
    /** Puts the lines into the user's cart (checked) and checks out. */
    async placeOrder(userId: number, lines: [goodsId: number, nums: number][]): Promise<OrderInfoResponse__Output> {
      for (const [goodsId, nums] of lines) await h.order.CreateCartItem({ userId, goodsId, nums });
      return h.order.CreateOrder({ userId, ...FORM });
    },
  };
  return h;
}

describe.each(STORE_KINDS)('order srv on %s', (kind) => {
  const h = harness(kind, 'order', () => ({}));

  beforeAll(() => h.start());
  afterAll(() => h.stop());
  beforeEach((ctx) => {
    if (h.skipped) ctx.skip(h.skipped);
  });

  const cart = (userId: number) => h.order.CartItemList({ id: userId });

  describe('cart', () => {
    it('when a goods is added to an empty cart then a checked row is created and answered', async () => {
      const userId = h.newUser();
      const row = await h.order.CreateCartItem({ userId, goodsId: 3, nums: 2 });
      expect(row).toEqual({ id: expect.any(Number), userId, goodsId: 3, nums: 2, checked: true });
      expect(await cart(userId)).toEqual({ total: 1, data: [row] });
    });

    it('when a goods already in the cart is added again then its row gets the sum and is answered', async () => {
      const userId = h.newUser();
      const first = await h.order.CreateCartItem({ userId, goodsId: 4, nums: 2 });
      const second = await h.order.CreateCartItem({ userId, goodsId: 4, nums: 3 });
      expect(second).toEqual({ id: first.id, userId, goodsId: 4, nums: 5, checked: true });
      expect(await cart(userId)).toEqual({ total: 1, data: [second] });
    });

    it('when an unchecked row is added to then it stays unchecked', async () => {
      const userId = h.newUser();
      const first = await h.order.CreateCartItem({ userId, goodsId: 5, nums: 1 });
      await h.order.UpdateCartItem({ userId, goodsId: 5, nums: 0, checked: false });
      const merged = await h.order.CreateCartItem({ userId, goodsId: 5, nums: 4, checked: true });
      expect(merged).toEqual({ id: first.id, userId, goodsId: 5, nums: 5, checked: false });
      expect(await cart(userId)).toEqual({ total: 1, data: [merged] });
    });

    it('when 10 adds of one goods for one user race then one row holds the sum', async () => {
      const userId = h.newUser();
      const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => h.order.CreateCartItem({ userId, goodsId: 6, nums: i + 1 })));
      const ids = new Set(answers.map((a) => a.id));
      expect(ids.size).toBe(1);
      expect(await cart(userId)).toEqual({ total: 1, data: [{ id: answers[0]!.id, userId, goodsId: 6, nums: 55, checked: true }] });
    });

    it('when UpdateCartItem sends nums 0 then the quantity stays and checked is written', async () => {
      const userId = h.newUser();
      const row = await h.order.CreateCartItem({ userId, goodsId: 7, nums: 4 });
      expect(await h.order.UpdateCartItem({ userId, goodsId: 7, nums: 0, checked: false })).toEqual({});
      expect(await cart(userId)).toEqual({ total: 1, data: [{ ...row, nums: 4, checked: false }] });
      expect(await h.order.UpdateCartItem({ userId, goodsId: 7, nums: 0, checked: true })).toEqual({});
      expect(await cart(userId)).toEqual({ total: 1, data: [{ ...row, nums: 4, checked: true }] });
    });

    it('when UpdateCartItem sends nums then the quantity is replaced, and checked is written even when left out', async () => {
      const userId = h.newUser();
      const row = await h.order.CreateCartItem({ userId, goodsId: 8, nums: 4 });
      await h.order.UpdateCartItem({ userId, goodsId: 8, nums: 9, checked: true });
      expect(await cart(userId)).toEqual({ total: 1, data: [{ ...row, nums: 9, checked: true }] });
      await h.order.UpdateCartItem({ userId, goodsId: 8, nums: 2 });
      expect(await cart(userId)).toEqual({ total: 1, data: [{ ...row, nums: 2, checked: false }] });
    });

    it('when UpdateCartItem names a goods not in the user\'s cart then NOT_FOUND "购物车记录不存在" and other users\' rows are untouched', async () => {
      const owner = h.newUser();
      const other = h.newUser();
      const row = await h.order.CreateCartItem({ userId: owner, goodsId: 9, nums: 3 });
      await expect(h.order.UpdateCartItem({ userId: other, goodsId: 9, nums: 1, checked: false })).rejects.toMatchObject(
        failure(status.NOT_FOUND, '购物车记录不存在'),
      );
      await expect(h.order.UpdateCartItem({ userId: owner, goodsId: 10, nums: 1, checked: false })).rejects.toMatchObject(
        failure(status.NOT_FOUND, '购物车记录不存在'),
      );
      expect(await cart(owner)).toEqual({ total: 1, data: [row] });
      expect(await cart(other)).toEqual({ total: 0, data: [] });
    });

    it('when DeleteCartItem removes a row then only that row goes, and deleting it again is NOT_FOUND "购物车记录不存在"', async () => {
      const userId = h.newUser();
      const other = h.newUser();
      await h.order.CreateCartItem({ userId, goodsId: 11, nums: 1 });
      const kept = await h.order.CreateCartItem({ userId, goodsId: 12, nums: 2 });
      const othersRow = await h.order.CreateCartItem({ userId: other, goodsId: 11, nums: 5 });
      expect(await h.order.DeleteCartItem({ userId, goodsId: 11 })).toEqual({});
      expect(await cart(userId)).toEqual({ total: 1, data: [kept] });
      expect(await cart(other)).toEqual({ total: 1, data: [othersRow] });
      await expect(h.order.DeleteCartItem({ userId, goodsId: 11 })).rejects.toMatchObject(failure(status.NOT_FOUND, '购物车记录不存在'));
    });

    it('when two users fill their carts then CartItemList answers each only their own rows, and an empty cart is empty', async () => {
      const a = h.newUser();
      const b = h.newUser();
      const a1 = await h.order.CreateCartItem({ userId: a, goodsId: 13, nums: 1 });
      const b1 = await h.order.CreateCartItem({ userId: b, goodsId: 13, nums: 2 });
      const a2 = await h.order.CreateCartItem({ userId: a, goodsId: 14, nums: 3 });
      expect(await cart(a)).toEqual({ total: 2, data: [a1, a2] });
      expect(await cart(b)).toEqual({ total: 1, data: [b1] });
      expect(await cart(h.newUser())).toEqual({ total: 0, data: [] });
    });

    it('when an add would take a row past the largest int32 quantity then it is refused as over stock and the row keeps its quantity', async () => {
      const userId = h.newUser();
      const goodsId = await h.newGoods(2 ** 31 - 1);
      const row = await h.order.CreateCartItem({ userId, goodsId, nums: 2_000_000_000 });
      await expect(h.order.CreateCartItem({ userId, goodsId, nums: 2_000_000_000 })).rejects.toMatchObject({
        ...failure(status.RESOURCE_EXHAUSTED, '库存不足'),
        reason: 'CART_OVER_STOCK',
      });
      expect(await cart(userId)).toEqual({ total: 1, data: [row] });
    });

    it('when an add or an update would put more in the cart than in stock then RESOURCE_EXHAUSTED CART_OVER_STOCK and nothing changes', async () => {
      const userId = h.newUser();
      const goodsId = await h.newGoods(5);
      const overStock = { ...failure(status.RESOURCE_EXHAUSTED, '库存不足'), reason: 'CART_OVER_STOCK' };
      await expect(h.order.CreateCartItem({ userId, goodsId, nums: 6 })).rejects.toMatchObject(overStock);
      const row = await h.order.CreateCartItem({ userId, goodsId, nums: 3 });
      await expect(h.order.CreateCartItem({ userId, goodsId, nums: 3 })).rejects.toMatchObject(overStock);
      await expect(h.order.UpdateCartItem({ userId, goodsId, nums: 6, checked: true })).rejects.toMatchObject(overStock);
      expect(await cart(userId)).toEqual({ total: 1, data: [row] });
      await h.order.UpdateCartItem({ userId, goodsId, nums: 5, checked: true });
      expect((await cart(userId)).data).toMatchObject([{ goodsId, nums: 5 }]);
    });

    it('when a goods is unknown to the goods srv then adding it is NOT_FOUND "记录不存在" and nothing is written', async () => {
      const userId = h.newUser();
      await expect(h.order.CreateCartItem({ userId, goodsId: 999, nums: 1 })).rejects.toMatchObject(
        failure(status.NOT_FOUND, '记录不存在'),
      );
      expect(await cart(userId)).toEqual({ total: 0, data: [] });
    });

    it('when 50 adds of 5 race against a stock of 100 then the row holds exactly 100 and every other add is refused as over stock', async () => {
      const userId = h.newUser();
      const goodsId = await h.newGoods(100);
      const outcomes = await Promise.all(Array.from({ length: 50 }, () => outcome(h.order.CreateCartItem({ userId, goodsId, nums: 5 }))));
      expect(outcomes.filter((o) => o === 'OK')).toHaveLength(20);
      expect(outcomes.filter((o) => o !== 'OK')).toEqual(Array(30).fill('RESOURCE_EXHAUSTED 库存不足 [CART_OVER_STOCK]'));
      expect((await cart(userId)).data).toMatchObject([{ goodsId, nums: 100 }]);
    });

    it('when UpdateCartItem says keepChecked then checked stays as it is, whatever checked says', async () => {
      const userId = h.newUser();
      const goodsId = await h.newGoods(10);
      await h.order.CreateCartItem({ userId, goodsId, nums: 1 });
      await h.order.UpdateCartItem({ userId, goodsId, nums: 2, checked: false });
      await h.order.UpdateCartItem({ userId, goodsId, nums: 3, checked: true, keepChecked: true });
      expect((await cart(userId)).data).toMatchObject([{ goodsId, nums: 3, checked: false }]);
    });

    it('when any RPC answers then its metadata says what the srv does beyond the course (srv-features)', async () => {
      const userId = h.newUser();
      const goodsId = await h.newGoods(10);
      const rules: string[] = [];
      const call = { onResponseMetadata: (md: grpc.Metadata) => void rules.push(String(md.get(FEATURES_KEY)[0])) };
      await h.order.CreateCartItem({ userId, goodsId, nums: 1 }, call);
      await h.order.CartItemList({ id: userId }, call);
      await h.order.UpdateCartItem({ userId, goodsId, nums: 2, checked: true }, call);
      await h.order.DeleteCartItem({ userId, goodsId }, call);
      await h.order.OrderList({ userId }, call);
      expect(rules).toEqual(Array(5).fill('stock-cap keep-checked idempotency-key'));
    });

    it.each([
      ['CartItemList for user 0', (o: OrderClient) => o.CartItemList({ id: 0 }), 'userId 必须是正整数'],
      ['CreateCartItem for user 0', (o: OrderClient) => o.CreateCartItem({ userId: 0, goodsId: 1, nums: 1 }), 'userId 必须是正整数'],
      [
        'CreateCartItem of goods 0',
        (o: OrderClient, u: number) => o.CreateCartItem({ userId: u, goodsId: 0, nums: 1 }),
        'goodsId 必须是正整数',
      ],
      [
        'CreateCartItem of nums 0',
        (o: OrderClient, u: number) => o.CreateCartItem({ userId: u, goodsId: 1, nums: 0 }),
        'nums 必须是正整数',
      ],
      [
        'CreateCartItem of nums -2',
        (o: OrderClient, u: number) => o.CreateCartItem({ userId: u, goodsId: 1, nums: -2 }),
        'nums 必须是正整数',
      ],
      ['UpdateCartItem for user -1', (o: OrderClient) => o.UpdateCartItem({ userId: -1, goodsId: 1, nums: 1 }), 'userId 必须是正整数'],
      [
        'UpdateCartItem of goods 0',
        (o: OrderClient, u: number) => o.UpdateCartItem({ userId: u, goodsId: 0, nums: 1 }),
        'goodsId 必须是正整数',
      ],
      [
        'UpdateCartItem of nums -1',
        (o: OrderClient, u: number) => o.UpdateCartItem({ userId: u, goodsId: 1, nums: -1 }),
        'nums 必须是正整数',
      ],
      ['DeleteCartItem for user 0', (o: OrderClient) => o.DeleteCartItem({ userId: 0, goodsId: 1 }), 'userId 必须是正整数'],
      ['DeleteCartItem of goods -3', (o: OrderClient, u: number) => o.DeleteCartItem({ userId: u, goodsId: -3 }), 'goodsId 必须是正整数'],
    ])('when %s is asked then INVALID_ARGUMENT naming the field and the cart is unchanged', async (_label, call, details) => {
      const userId = h.newUser();
      const row = await h.order.CreateCartItem({ userId, goodsId: 1, nums: 2 });
      await expect(call(h.order, userId)).rejects.toMatchObject(failure(status.INVALID_ARGUMENT, details));
      expect(await cart(userId)).toEqual({ total: 1, data: [row] });
    });
  });

  describe('CreateOrder', () => {
    it('when a user checks out then the checked rows are bought at the goods srv prices, stock taken, the order and its snapshot written, and the unchecked row stays', async () => {
      const userId = h.newUser();
      const [a, b, c] = [await h.newGoods(50), await h.newGoods(50), await h.newGoods(50)];
      await h.order.CreateCartItem({ userId, goodsId: a, nums: 2 });
      await h.order.CreateCartItem({ userId, goodsId: b, nums: 3 });
      const unchecked = await h.order.CreateCartItem({ userId, goodsId: c, nums: 1 });
      await h.order.UpdateCartItem({ userId, goodsId: c, nums: 0, checked: false });

      const created = await h.order.CreateOrder({ userId, ...FORM });

      const totalCents = priceCents(a) * 2 + priceCents(b) * 3;
      const row = await h.orderRow(created.orderSn);
      expect(created).toEqual({
        id: row.id,
        userId,
        orderSn: row.order_sn,
        payType: 'alipay',
        status: 'paying',
        post: FORM.post,
        total: wireYuan(totalCents),
        address: FORM.address,
        name: FORM.name,
        mobile: FORM.mobile,
        addTime: localTime(row.created_at),
        expireAt: Math.floor(row.expire_at / 1000),
      });
      expect(created.orderSn).toMatch(/^\d{24}$/);
      expect(row).toMatchObject({ user_id: userId, status: 'paying', total_cents: totalCents, trade_no: null, pay_time: null });
      expect(row.expire_at - row.created_at).toBe(ORDER_TIMEOUT_MS);

      const snapshot = await h.sql<{ goods_id: number; goods_name: string; goods_image: string; goods_price_cents: number; nums: number }>(
        'order',
        'SELECT goods_id, goods_name, goods_image, goods_price_cents, nums FROM order_goods WHERE order_id = ? ORDER BY goods_id',
        [row.id],
      );
      const bought = new Map([
        [a, 2],
        [b, 3],
      ]);
      expect(
        snapshot.map((s) => ({ ...s, goods_id: Number(s.goods_id), goods_price_cents: Number(s.goods_price_cents), nums: Number(s.nums) })),
      ).toEqual(
        [a, b]
          .sort((x, y) => x - y)
          .map((goodsId) => ({
            goods_id: goodsId,
            goods_name: demoGoods(goodsId).name,
            goods_image: demoGoods(goodsId).frontImage,
            goods_price_cents: priceCents(goodsId),
            nums: bought.get(goodsId),
          })),
      );
      expect([await h.stockOf(a), await h.stockOf(b), await h.stockOf(c)]).toEqual([48, 47, 50]);
      expect(await cart(userId)).toEqual({ total: 1, data: [{ ...unchecked, checked: false }] });
      expect(await h.outboxOf(created.orderSn)).toEqual(['order.close']);
      expect(await h.sql('order', 'SELECT order_sn FROM order_attempt WHERE user_id = ?', [userId])).toEqual([]);
    });

    it('when a checked-out order is read back then OrderDetail answers it with its goods snapshot', async () => {
      const userId = h.newUser();
      const [a, b] = [await h.newGoods(), await h.newGoods()];
      const created = await h.placeOrder(userId, [
        [b, 1],
        [a, 4],
      ]);
      const itemIds = await h.sql<{ id: number }>('order', 'SELECT id FROM order_goods WHERE order_id = ? ORDER BY id', [created.id]);
      const nums = new Map([
        [a, 4],
        [b, 1],
      ]);
      // The snapshot lists the goods in goods id order.
      const goodsIds = [a, b].sort((x, y) => x - y);
      expect(itemIds).toHaveLength(2);
      expect(await h.order.OrderDetail({ id: created.id, userId })).toEqual({
        orderInfo: created,
        data: goodsIds.map((goodsId, i) => ({
          id: Number(itemIds[i]!.id),
          orderId: created.id,
          goodsId,
          goodsName: demoGoods(goodsId).name,
          goodsImage: demoGoods(goodsId).frontImage,
          goodsPrice: wireYuan(priceCents(goodsId)),
          nums: nums.get(goodsId),
        })),
      });
    });

    it("when the catalogue price changes before checkout then the order is priced at the goods srv's current price, and keeps it after a later change", async () => {
      const userId = h.newUser();
      const goodsId = await h.newGoods();
      const setPrice = (cents: number) => h.sql('goods', 'UPDATE goods SET shop_price_cents = ? WHERE id = ?', [cents, goodsId]);
      await setPrice(1234);
      try {
        const created = await h.placeOrder(userId, [[goodsId, 3]]);
        expect(created.total).toBe(wireYuan(3702));
        await setPrice(9999);
        const detail = await h.order.OrderDetail({ id: created.id, userId });
        expect(detail.orderInfo).toEqual(created);
        expect(detail.data.map((d) => [d.goodsId, d.goodsPrice, d.nums])).toEqual([[goodsId, wireYuan(1234), 3]]);
      } finally {
        await setPrice(priceCents(goodsId));
      }
    });

    it.each([
      ['only unchecked rows', true],
      ['an empty cart', false],
    ])('when a user with %s checks out then NOT_FOUND "没有选中结算的商品" and nothing is written', async (_label, withUnchecked) => {
      const userId = h.newUser();
      const goodsId = await h.newGoods(10);
      if (withUnchecked) {
        await h.order.CreateCartItem({ userId, goodsId, nums: 2 });
        await h.order.UpdateCartItem({ userId, goodsId, nums: 0, checked: false });
      }
      const before = await cart(userId);
      await expect(h.order.CreateOrder({ userId, ...FORM })).rejects.toMatchObject(failure(status.NOT_FOUND, '没有选中结算的商品'));
      expect(await cart(userId)).toEqual(before);
      expect(await h.stockOf(goodsId)).toBe(10);
      expect(await h.order.OrderList({ userId })).toEqual({ total: 0, data: [] });
      expect(await h.sql('order', 'SELECT order_sn FROM order_attempt WHERE user_id = ?', [userId])).toEqual([]);
    });

    it('when one checked goods is out of stock then RESOURCE_EXHAUSTED "库存不足", no stock moves, no order is written and the cart stays for a later checkout', async () => {
      const userId = h.newUser();
      const plenty = await h.newGoods(10);
      const scarce = await h.newGoods(5);
      await h.order.CreateCartItem({ userId, goodsId: plenty, nums: 2 });
      await h.order.CreateCartItem({ userId, goodsId: scarce, nums: 5 });
      await h.inv.SetInv({ goodsId: scarce, num: 4 }); // sold elsewhere meanwhile
      const before = await cart(userId);

      await expect(h.order.CreateOrder({ userId, ...FORM })).rejects.toMatchObject(failure(status.RESOURCE_EXHAUSTED, '库存不足'));
      expect([await h.stockOf(plenty), await h.stockOf(scarce)]).toEqual([10, 4]);
      expect(await cart(userId)).toEqual(before);
      expect(await h.order.OrderList({ userId })).toEqual({ total: 0, data: [] });
      expect(await h.sql('order', 'SELECT order_sn FROM order_attempt WHERE user_id = ?', [userId])).toEqual([]);
      expect(await h.sql('order', 'SELECT id FROM shopping_cart WHERE user_id = ? AND attempt_sn IS NOT NULL', [userId])).toEqual([]);

      await h.inv.SetInv({ goodsId: scarce, num: 5 });
      const created = await h.order.CreateOrder({ userId, ...FORM });
      expect(created.total).toBe(wireYuan(priceCents(plenty) * 2 + priceCents(scarce) * 5));
      expect([await h.stockOf(plenty), await h.stockOf(scarce)]).toEqual([8, 0]);
      expect(await cart(userId)).toEqual({ total: 0, data: [] });
    });

    it('when a checked goods is unknown to the goods srv then NOT_FOUND naming it, no stock moves and the cart stays', async () => {
      const userId = h.newUser();
      const goodsId = await h.newGoods(10);
      await h.order.CreateCartItem({ userId, goodsId, nums: 1 });
      // A goods the catalogue dropped after it went into the cart.
      await h.sql(
        'order',
        'INSERT INTO shopping_cart (user_id, goods_id, nums, checked, created_at, updated_at) VALUES (?, 999, 1, 1, 0, 0)',
        [userId],
      );
      const before = await cart(userId);
      await expect(h.order.CreateOrder({ userId, ...FORM })).rejects.toMatchObject(failure(status.NOT_FOUND, '商品不存在: 999'));
      expect(await h.stockOf(goodsId)).toBe(10);
      expect(await cart(userId)).toEqual(before);
      expect(await h.order.OrderList({ userId })).toEqual({ total: 0, data: [] });
    });

    it.each([
      ['user 0', { userId: 0 }, 'userId 必须是正整数'],
      ['a blank address', { address: '  ' }, 'address 不能为空'],
      ['no name', { name: '' }, 'name 不能为空'],
      ['no mobile', { mobile: '' }, 'mobile 不能为空'],
      ['no post', { post: '' }, 'post 不能为空'],
    ])('when CreateOrder gets %s then INVALID_ARGUMENT and the cart is not bought', async (_label, change, details) => {
      const userId = h.newUser();
      const goodsId = await h.newGoods(10);
      const row = await h.order.CreateCartItem({ userId, goodsId, nums: 1 });
      await expect(h.order.CreateOrder({ userId, ...FORM, ...change })).rejects.toMatchObject(failure(status.INVALID_ARGUMENT, details));
      expect(await cart(userId)).toEqual({ total: 1, data: [row] });
      expect(await h.stockOf(goodsId)).toBe(10);
    });
  });

  describe('CreateOrder with an idempotency key', () => {
    /** Calls CreateOrder with the key; the answer and whether it says it is a replay. */
    async function createWithKey(userId: number, idempotencyKey: string, form = FORM) {
      let replayed: unknown[] = [];
      const answer = await h.order.CreateOrder(
        { userId, ...form },
        {
          idempotencyKey,
          onResponseMetadata: (md) => {
            replayed = md.get(REPLAYED_KEY);
          },
        },
      );
      return { answer, replayed };
    }

    it('when the same request is sent again with its key then the same order is answered, marked replayed, and nothing is bought twice', async () => {
      const userId = h.newUser();
      const goodsId = await h.newGoods(10);
      await h.order.CreateCartItem({ userId, goodsId, nums: 2 });
      const first = await createWithKey(userId, 'checkout-1');
      expect(first.replayed).toEqual([]);

      // Something new in the cart must not be bought by the replay.
      const other = await h.newGoods(10);
      const waiting = await h.order.CreateCartItem({ userId, goodsId: other, nums: 1 });
      const again = await createWithKey(userId, 'checkout-1');
      expect(again).toEqual({ answer: first.answer, replayed: ['true'] });
      expect(await h.order.OrderList({ userId })).toEqual({ total: 1, data: [first.answer] });
      expect([await h.stockOf(goodsId), await h.stockOf(other)]).toEqual([8, 10]);
      expect(await cart(userId)).toEqual({ total: 1, data: [waiting] });
    });

    it('when the key is reused with a different order form then FAILED_PRECONDITION with reason IDEMPOTENCY_KEY_REUSED and nothing is bought', async () => {
      const userId = h.newUser();
      const goodsId = await h.newGoods(10);
      await h.order.CreateCartItem({ userId, goodsId, nums: 1 });
      const first = await createWithKey(userId, 'checkout-2');
      const waiting = await h.order.CreateCartItem({ userId, goodsId, nums: 3 });

      const call = createWithKey(userId, 'checkout-2', { ...FORM, address: '上海市浦东新区' });
      await expect(call).rejects.toMatchObject({
        ...failure(status.FAILED_PRECONDITION, '该幂等键已用于内容不同的请求'),
        reason: 'IDEMPOTENCY_KEY_REUSED',
      });
      expect(await h.order.OrderList({ userId })).toEqual({ total: 1, data: [first.answer] });
      expect(await cart(userId)).toEqual({ total: 1, data: [waiting] });
      expect(await h.stockOf(goodsId)).toBe(9);
    });

    it('when a second checkout uses the first key in other letter case then it is another key: a new order, nothing replayed', async () => {
      const userId = h.newUser();
      const first = await h.newGoods(10);
      await h.order.CreateCartItem({ userId, goodsId: first, nums: 1 });
      const upper = await createWithKey(userId, 'Order-AbC');
      const second = await h.newGoods(10);
      await h.order.CreateCartItem({ userId, goodsId: second, nums: 2 });
      const lower = await createWithKey(userId, 'order-abc');
      expect(lower.replayed).toEqual([]);
      expect(lower.answer.id).not.toBe(upper.answer.id);
      expect(lower.answer.total).toBe(wireYuan(priceCents(second) * 2));
      expect((await h.order.OrderList({ userId })).total).toBe(2);
      expect(await cart(userId)).toEqual({ total: 0, data: [] });
      expect([await h.stockOf(first), await h.stockOf(second)]).toEqual([9, 8]);
      // Each key still replays its own order.
      expect((await createWithKey(userId, 'Order-AbC')).answer).toEqual(upper.answer);
    });

    it('when another user sends the same key then that user gets an order of their own', async () => {
      const a = h.newUser();
      const b = h.newUser();
      const goodsId = await h.newGoods(10);
      await h.order.CreateCartItem({ userId: a, goodsId, nums: 1 });
      await h.order.CreateCartItem({ userId: b, goodsId, nums: 2 });
      const forA = await createWithKey(a, 'shared-key');
      const forB = await createWithKey(b, 'shared-key');
      expect(forB.replayed).toEqual([]);
      expect(forB.answer.id).not.toBe(forA.answer.id);
      expect(forB.answer).toMatchObject({ userId: b, total: wireYuan(priceCents(goodsId) * 2) });
      expect(await h.order.OrderList({ userId: a })).toEqual({ total: 1, data: [forA.answer] });
      expect(await h.order.OrderList({ userId: b })).toEqual({ total: 1, data: [forB.answer] });
      expect(await h.stockOf(goodsId)).toBe(7);
    });

    it.each([
      ['is 129 characters long', 'k'.repeat(129)],
      ['contains a space', 'two words'],
    ])('when the key %s then INVALID_ARGUMENT and the cart is not bought', async (_label, key) => {
      const userId = h.newUser();
      const goodsId = await h.newGoods(10);
      const row = await h.order.CreateCartItem({ userId, goodsId, nums: 1 });
      await expect(createWithKey(userId, key)).rejects.toMatchObject(
        failure(status.INVALID_ARGUMENT, 'Idempotency-Key 必须是1到128个可见字符'),
      );
      expect(await cart(userId)).toEqual({ total: 1, data: [row] });
      expect(await h.stockOf(goodsId)).toBe(10);
      expect(await h.order.OrderList({ userId })).toEqual({ total: 0, data: [] });
    });
  });

  describe('UpdateOrderStatus', () => {
    const FIRST_PAY = { tradeNo: 'T-first', payTime: 1_700_000_100 };
    const NEXT_PAY = { tradeNo: 'T-next', payTime: 1_700_000_200 };
    const UNKNOWN = 'TRADE_REFUNDED';

    /** A real order of 2 units of a goods with stock 100, then put into `from`. */
    async function orderIn(from: string) {
      const userId = h.newUser();
      const goodsId = await h.newGoods(100);
      const created = await h.placeOrder(userId, [[goodsId, 2]]);
      const orderSn = created.orderSn;
      // New orders are `paying`; WAIT_BUYER_PAY (Alipay's word for unpaid) is set as an older srv might have.
      if (from === 'WAIT_BUYER_PAY') await h.sql('order', 'UPDATE order_info SET status = ? WHERE order_sn = ?', [from, orderSn]);
      else if (from !== 'paying') await h.order.UpdateOrderStatus({ orderSn, status: from, ...(from === 'TRADE_CLOSED' ? {} : FIRST_PAY) });
      await h.srvs?.order.relay.tick(); // a close's stock return goes out after its answer, in the relay's order
      expect(await h.statusOf(orderSn)).toBe(from);
      return { userId, goodsId, orderSn, totalCents: priceCents(goodsId) * 2 };
    }

    /** UpdateOrderStatus's answer as data, with its payment-outcome metadata. */
    async function update(request: Parameters<OrderClient['UpdateOrderStatus']>[0]) {
      let paymentOutcome: unknown;
      const answer = await outcome(
        h.order.UpdateOrderStatus(request, {
          onResponseMetadata: (md) => {
            paymentOutcome = md.get(PAYMENT_OUTCOME_KEY)[0];
          },
        }),
      );
      return { answer, paymentOutcome };
    }

    const invalidStatus = (s: string) => `INVALID_ARGUMENT 未知的订单状态: ${s}`;
    const cannot = (from: string, to: string) => `FAILED_PRECONDITION 订单状态不能从 ${from} 变为 ${to}`;

    interface Expected {
      answer: string;
      paymentOutcome?: 'paid' | 'already' | 'late';
      status: string;
      /** Whether the 2 units are back in stock afterwards (once: stock 100), or still sold (98). */
      stock: 'sold' | 'returned';
      late?: boolean;
    }

    // Every from/to pair. Unpaid is `paying` (new orders) or WAIT_BUYER_PAY; statuses only move forward:
    // unpaid → TRADE_SUCCESS → TRADE_FINISHED, unpaid → TRADE_CLOSED. WAIT_BUYER_PAY is never a target.
    const table: [from: string, to: string, expected: Expected][] = [
      ['WAIT_BUYER_PAY', 'TRADE_SUCCESS', { answer: 'OK', paymentOutcome: 'paid', status: 'TRADE_SUCCESS', stock: 'sold' }],
      ['WAIT_BUYER_PAY', 'TRADE_FINISHED', { answer: 'OK', paymentOutcome: 'paid', status: 'TRADE_FINISHED', stock: 'sold' }],
      ['WAIT_BUYER_PAY', 'TRADE_CLOSED', { answer: 'OK', status: 'TRADE_CLOSED', stock: 'returned' }],
      ['WAIT_BUYER_PAY', 'WAIT_BUYER_PAY', { answer: invalidStatus('WAIT_BUYER_PAY'), status: 'WAIT_BUYER_PAY', stock: 'sold' }],
      ['WAIT_BUYER_PAY', UNKNOWN, { answer: invalidStatus(UNKNOWN), status: 'WAIT_BUYER_PAY', stock: 'sold' }],

      ['paying', 'TRADE_SUCCESS', { answer: 'OK', paymentOutcome: 'paid', status: 'TRADE_SUCCESS', stock: 'sold' }],
      ['paying', 'TRADE_FINISHED', { answer: 'OK', paymentOutcome: 'paid', status: 'TRADE_FINISHED', stock: 'sold' }],
      ['paying', 'TRADE_CLOSED', { answer: 'OK', status: 'TRADE_CLOSED', stock: 'returned' }],
      ['paying', 'WAIT_BUYER_PAY', { answer: invalidStatus('WAIT_BUYER_PAY'), status: 'paying', stock: 'sold' }],
      ['paying', UNKNOWN, { answer: invalidStatus(UNKNOWN), status: 'paying', stock: 'sold' }],

      ['TRADE_SUCCESS', 'TRADE_SUCCESS', { answer: 'OK', paymentOutcome: 'already', status: 'TRADE_SUCCESS', stock: 'sold' }],
      ['TRADE_SUCCESS', 'TRADE_FINISHED', { answer: 'OK', paymentOutcome: 'paid', status: 'TRADE_FINISHED', stock: 'sold' }],
      ['TRADE_SUCCESS', 'TRADE_CLOSED', { answer: cannot('TRADE_SUCCESS', 'TRADE_CLOSED'), status: 'TRADE_SUCCESS', stock: 'sold' }],
      ['TRADE_SUCCESS', 'WAIT_BUYER_PAY', { answer: invalidStatus('WAIT_BUYER_PAY'), status: 'TRADE_SUCCESS', stock: 'sold' }],
      ['TRADE_SUCCESS', UNKNOWN, { answer: invalidStatus(UNKNOWN), status: 'TRADE_SUCCESS', stock: 'sold' }],

      ['TRADE_FINISHED', 'TRADE_SUCCESS', { answer: 'OK', paymentOutcome: 'already', status: 'TRADE_FINISHED', stock: 'sold' }],
      ['TRADE_FINISHED', 'TRADE_FINISHED', { answer: 'OK', paymentOutcome: 'already', status: 'TRADE_FINISHED', stock: 'sold' }],
      ['TRADE_FINISHED', 'TRADE_CLOSED', { answer: cannot('TRADE_FINISHED', 'TRADE_CLOSED'), status: 'TRADE_FINISHED', stock: 'sold' }],
      ['TRADE_FINISHED', 'WAIT_BUYER_PAY', { answer: invalidStatus('WAIT_BUYER_PAY'), status: 'TRADE_FINISHED', stock: 'sold' }],
      ['TRADE_FINISHED', UNKNOWN, { answer: invalidStatus(UNKNOWN), status: 'TRADE_FINISHED', stock: 'sold' }],

      ['TRADE_CLOSED', 'TRADE_SUCCESS', { answer: 'OK', paymentOutcome: 'late', status: 'TRADE_CLOSED', stock: 'returned', late: true }],
      ['TRADE_CLOSED', 'TRADE_FINISHED', { answer: 'OK', paymentOutcome: 'late', status: 'TRADE_CLOSED', stock: 'returned', late: true }],
      ['TRADE_CLOSED', 'TRADE_CLOSED', { answer: 'OK', status: 'TRADE_CLOSED', stock: 'returned' }],
      ['TRADE_CLOSED', 'WAIT_BUYER_PAY', { answer: invalidStatus('WAIT_BUYER_PAY'), status: 'TRADE_CLOSED', stock: 'returned' }],
      ['TRADE_CLOSED', UNKNOWN, { answer: invalidStatus(UNKNOWN), status: 'TRADE_CLOSED', stock: 'returned' }],
    ];

    /** What the test name says happens, e.g. "OK (late), stays TRADE_CLOSED, stock returned, late payment recorded". */
    const summary = (from: string, e: Expected) =>
      [
        e.paymentOutcome ? `${e.answer} (${e.paymentOutcome})` : e.answer,
        e.status === from ? `stays ${from}` : `becomes ${e.status}`,
        `stock ${e.stock}`,
        ...(e.late ? ['late payment recorded'] : []),
      ].join(', ');

    it.each(table.map(([from, to, expected]) => [from, to, summary(from, expected), expected] as const))(
      'when an order in %s is set to %s then %s',
      async (from, to, _summary, expected) => {
        const o = await orderIn(from);
        const result = await update({ orderSn: o.orderSn, status: to, ...NEXT_PAY });
        await h.srvs?.order.relay.tick();

        expect(result).toEqual({ answer: expected.answer, paymentOutcome: expected.paymentOutcome });
        const paidBefore = from === 'TRADE_SUCCESS' || from === 'TRADE_FINISHED';
        const payment = expected.paymentOutcome === 'paid' ? NEXT_PAY : paidBefore ? FIRST_PAY : { tradeNo: null, payTime: null };
        const row = await h.orderRow(o.orderSn);
        expect({ status: row.status, trade_no: row.trade_no, pay_time: row.pay_time }).toEqual({
          status: expected.status,
          trade_no: payment.tradeNo,
          pay_time: payment.payTime,
        });
        expect(await h.stockOf(o.goodsId)).toBe(expected.stock === 'sold' ? 98 : 100);
        expect(await h.lateOf(o.orderSn)).toEqual(
          expected.late
            ? {
                order_sn: o.orderSn,
                trade_no: NEXT_PAY.tradeNo,
                amount_cents: o.totalCents,
                paid_at: NEXT_PAY.payTime,
                refund_state: 'manual',
                refunded_at: null,
              }
            : undefined,
        );
        // Only a still unpaid order has anything left to do: its close at expiry.
        const unpaid = expected.status === 'WAIT_BUYER_PAY' || expected.status === 'paying';
        expect(await h.outboxOf(o.orderSn)).toEqual(unpaid ? ['order.close'] : []);
      },
    );

    it('when a late payment is reported again then it is answered "already" and recorded once', async () => {
      const o = await orderIn('TRADE_CLOSED');
      expect(await update({ orderSn: o.orderSn, status: 'TRADE_SUCCESS', ...NEXT_PAY })).toEqual({ answer: 'OK', paymentOutcome: 'late' });
      expect(await update({ orderSn: o.orderSn, status: 'TRADE_SUCCESS', ...NEXT_PAY })).toEqual({
        answer: 'OK',
        paymentOutcome: 'already',
      });
      expect(await h.sql('order', 'SELECT order_sn FROM late_payment WHERE order_sn = ?', [o.orderSn])).toHaveLength(1);
      expect(await h.statusOf(o.orderSn)).toBe('TRADE_CLOSED');
      expect(await h.stockOf(o.goodsId)).toBe(100);
    });

    it.each(['TRADE_SUCCESS', 'TRADE_FINISHED', 'TRADE_CLOSED'])(
      'when the orderSn is unknown and the status is %s then NOT_FOUND "订单记录不存在"',
      async (to) => {
        expect(await update({ orderSn: '209901010000000009990000', status: to })).toEqual({
          answer: 'NOT_FOUND 订单记录不存在',
          paymentOutcome: undefined,
        });
      },
    );

    it('when a payment names an amount other than the order total then FAILED_PRECONDITION with reason AMOUNT_MISMATCH and nothing changes', async () => {
      const o = await orderIn('WAIT_BUYER_PAY');
      const off = ((o.totalCents - 1) / 100).toFixed(2);
      expect(await update({ orderSn: o.orderSn, status: 'TRADE_SUCCESS', ...NEXT_PAY, totalAmount: off })).toEqual({
        answer: 'FAILED_PRECONDITION 支付金额与订单金额不符 [AMOUNT_MISMATCH]',
        paymentOutcome: undefined,
      });
      const row = await h.orderRow(o.orderSn);
      expect({ status: row.status, trade_no: row.trade_no, pay_time: row.pay_time }).toEqual({
        status: 'WAIT_BUYER_PAY',
        trade_no: null,
        pay_time: null,
      });
      expect(await h.outboxOf(o.orderSn)).toEqual(['order.close']);
      expect(await h.stockOf(o.goodsId)).toBe(98);
    });

    it('when a late payment names an amount other than the order total then AMOUNT_MISMATCH and no late payment is recorded', async () => {
      const o = await orderIn('TRADE_CLOSED');
      const off = ((o.totalCents + 100) / 100).toFixed(2);
      expect(await update({ orderSn: o.orderSn, status: 'TRADE_SUCCESS', ...NEXT_PAY, totalAmount: off })).toEqual({
        answer: 'FAILED_PRECONDITION 支付金额与订单金额不符 [AMOUNT_MISMATCH]',
        paymentOutcome: undefined,
      });
      expect(await h.lateOf(o.orderSn)).toBeUndefined();
      expect(await h.statusOf(o.orderSn)).toBe('TRADE_CLOSED');
    });

    it('when a payment names exactly the order total then it is paid', async () => {
      const o = await orderIn('WAIT_BUYER_PAY');
      const exact = (o.totalCents / 100).toFixed(2);
      expect(await update({ orderSn: o.orderSn, status: 'TRADE_SUCCESS', ...NEXT_PAY, totalAmount: exact })).toEqual({
        answer: 'OK',
        paymentOutcome: 'paid',
      });
      expect(await h.statusOf(o.orderSn)).toBe('TRADE_SUCCESS');
    });

    it.each([
      ['a blank orderSn', { orderSn: ' ', status: 'TRADE_SUCCESS' }, 'INVALID_ARGUMENT orderSn 不能为空'],
      [
        'an amount that is not money',
        { status: 'TRADE_SUCCESS', totalAmount: '12.345' },
        'INVALID_ARGUMENT totalAmount 不是合法金额: 12.345',
      ],
    ])('when UpdateOrderStatus gets %s then INVALID_ARGUMENT and nothing changes', async (_label, change, answer) => {
      const o = await orderIn('WAIT_BUYER_PAY');
      expect(await update({ orderSn: o.orderSn, ...change })).toEqual({ answer, paymentOutcome: undefined });
      expect(await h.statusOf(o.orderSn)).toBe('WAIT_BUYER_PAY');
    });
  });

  describe('OrderList', () => {
    it('when a user has 3 orders then pages list them newest first with the right total, and a page past the end is empty', async () => {
      const userId = h.newUser();
      const goodsId = await h.newGoods();
      const o1 = await h.placeOrder(userId, [[goodsId, 1]]);
      const o2 = await h.placeOrder(userId, [[goodsId, 2]]);
      const o3 = await h.placeOrder(userId, [[goodsId, 3]]);
      expect(await h.order.OrderList({ userId, pages: 1, pagePerNums: 2 })).toEqual({ total: 3, data: [o3, o2] });
      expect(await h.order.OrderList({ userId, pages: 2, pagePerNums: 2 })).toEqual({ total: 3, data: [o1] });
      expect(await h.order.OrderList({ userId, pages: 3, pagePerNums: 2 })).toEqual({ total: 3, data: [] });
      expect(await h.order.OrderList({ userId })).toEqual({ total: 3, data: [o3, o2, o1] });
    });

    it('when a user has 105 orders then a page holds at most 100, 10 by default, page 0 is page 1, and the last page has the rest', async () => {
      const userId = h.newUser();
      const now = Date.now();
      const values = Array.from(
        { length: 105 },
        () => "(?, ?, 'alipay', 'TRADE_FINISHED', 100, 'a', 'n', '13800138000', 'p', ?, '', ?, ?)",
      );
      const params = Array.from({ length: 105 }, (_, i) => [userId, `bulk-${userId}-${i}`, now + ORDER_TIMEOUT_MS, now, now]).flat();
      await h.sql(
        'order',
        `INSERT INTO order_info (user_id, order_sn, pay_type, status, total_cents, address, signer_name, signer_mobile, post, expire_at, request_hash, created_at, updated_at) VALUES ${values.join(', ')}`,
        params,
      );
      const ids = (await h.sql<{ id: number }>('order', 'SELECT id FROM order_info WHERE user_id = ? ORDER BY id DESC', [userId])).map(
        (r) => Number(r.id),
      );
      expect(ids).toHaveLength(105);
      const page = async (pages: number, pagePerNums: number) => {
        const res = await h.order.OrderList({ userId, pages, pagePerNums });
        return { total: res.total, ids: res.data.map((d) => d.id) };
      };
      expect(await page(1, 1000)).toEqual({ total: 105, ids: ids.slice(0, 100) });
      expect(await page(2, 100)).toEqual({ total: 105, ids: ids.slice(100) });
      expect(await page(1, 0)).toEqual({ total: 105, ids: ids.slice(0, 10) });
      expect(await page(0, 0)).toEqual({ total: 105, ids: ids.slice(0, 10) });
      expect(await page(11, 0)).toEqual({ total: 105, ids: ids.slice(100) });
      expect(await page(12, 0)).toEqual({ total: 105, ids: [] });
      const [newest] = (await h.order.OrderList({ userId, pages: 1, pagePerNums: 1 })).data;
      expect(newest).toEqual({
        id: ids[0],
        userId,
        orderSn: `bulk-${userId}-104`,
        payType: 'alipay',
        status: 'TRADE_FINISHED',
        post: 'p',
        total: 1,
        address: 'a',
        name: 'n',
        mobile: '13800138000',
        addTime: localTime(now),
        expireAt: Math.floor((now + ORDER_TIMEOUT_MS) / 1000),
      });
    });

    it("when two users have orders then each lists only their own, and user 0 lists every user's", async () => {
      const a = h.newUser();
      const b = h.newUser();
      const goodsId = await h.newGoods();
      const a1 = await h.placeOrder(a, [[goodsId, 1]]);
      const a2 = await h.placeOrder(a, [[goodsId, 1]]);
      const b1 = await h.placeOrder(b, [[goodsId, 1]]);
      expect(await h.order.OrderList({ userId: a })).toEqual({ total: 2, data: [a2, a1] });
      expect(await h.order.OrderList({ userId: b })).toEqual({ total: 1, data: [b1] });
      const [count] = await h.sql<{ n: number }>('order', 'SELECT COUNT(*) AS n FROM order_info');
      expect(await h.order.OrderList({ userId: 0, pages: 1, pagePerNums: 3 })).toEqual({ total: Number(count!.n), data: [b1, a2, a1] });
    });

    it('when OrderList gets a negative userId then INVALID_ARGUMENT', async () => {
      await expect(h.order.OrderList({ userId: -1 })).rejects.toMatchObject(failure(status.INVALID_ARGUMENT, 'userId 必须是非负整数'));
    });
  });

  describe('OrderDetail', () => {
    async function twoOrders() {
      const owner = h.newUser();
      const stranger = h.newUser();
      const goodsId = await h.newGoods();
      const created = await h.placeOrder(owner, [[goodsId, 2]]);
      const detail = await h.order.OrderDetail({ id: created.id, userId: owner });
      return { owner, stranger, created, detail };
    }

    it('when the owner or user 0 reads an order by id then both get it, and another user\'s read is NOT_FOUND "订单记录不存在"', async () => {
      const { owner, stranger, created, detail } = await twoOrders();
      expect(detail.orderInfo).toEqual(created);
      expect(detail.data).toHaveLength(1);
      expect(await h.order.OrderDetail({ id: created.id, userId: 0 })).toEqual(detail);
      await expect(h.order.OrderDetail({ id: created.id, userId: stranger })).rejects.toMatchObject(
        failure(status.NOT_FOUND, '订单记录不存在'),
      );
      expect(await h.order.OrderDetail({ id: created.id, userId: owner })).toEqual(detail);
    });

    it('when an order is read by orderSn with id 0 then it is found for its owner and user 0 only', async () => {
      const { owner, stranger, created, detail } = await twoOrders();
      expect(await h.order.OrderDetail({ id: 0, orderSn: created.orderSn, userId: owner })).toEqual(detail);
      expect(await h.order.OrderDetail({ id: 0, orderSn: created.orderSn, userId: 0 })).toEqual(detail);
      await expect(h.order.OrderDetail({ id: 0, orderSn: created.orderSn, userId: stranger })).rejects.toMatchObject(
        failure(status.NOT_FOUND, '订单记录不存在'),
      );
    });

    it('when no order has the id or orderSn then NOT_FOUND "订单记录不存在"', async () => {
      await expect(h.order.OrderDetail({ id: 987_654_321, userId: 0 })).rejects.toMatchObject(failure(status.NOT_FOUND, '订单记录不存在'));
      await expect(h.order.OrderDetail({ id: 0, orderSn: 'no-such-order', userId: 0 })).rejects.toMatchObject(
        failure(status.NOT_FOUND, '订单记录不存在'),
      );
    });

    it('when neither an id nor an orderSn is given then INVALID_ARGUMENT', async () => {
      await expect(h.order.OrderDetail({ id: 0, userId: 0 })).rejects.toMatchObject(failure(status.INVALID_ARGUMENT, 'id 必须是正整数'));
      await expect(h.order.OrderDetail({ id: -4, userId: 0 })).rejects.toMatchObject(failure(status.INVALID_ARGUMENT, 'id 必须是正整数'));
    });

    it("when OrderDetail gets a negative userId then INVALID_ARGUMENT, as OrderList answers, and no one's order is read", async () => {
      // Only user 0 reads every order; any other userId reads only that user's own.
      const { created } = await twoOrders();
      await expect(h.order.OrderDetail({ id: created.id, userId: -1 })).rejects.toMatchObject(
        failure(status.INVALID_ARGUMENT, 'userId 必须是非负整数'),
      );
      await expect(h.order.OrderDetail({ id: 0, orderSn: created.orderSn, userId: -1 })).rejects.toMatchObject(
        failure(status.INVALID_ARGUMENT, 'userId 必须是非负整数'),
      );
    });
  });

  describe('ReconcileOrders without Alipay', () => {
    it('when unpaid orders are old and expired then they close and their stock returns; young, unexpired and paid ones are left', async () => {
      const now = Date.now();
      const old = now - 2 * HOUR_MS;
      const place = async (setup: (orderSn: string) => Promise<unknown>) => {
        const goodsId = await h.newGoods(100);
        const { orderSn } = await h.placeOrder(h.newUser(), [[goodsId, 2]]);
        await setup(orderSn);
        return { goodsId, orderSn };
      };
      const oldExpired = await place((sn) => h.backdate(sn, { createdAt: old, expireAt: now - 1000 }));
      const oldExpiredPaying = await place(async (sn) => {
        await h.backdate(sn, { createdAt: old, expireAt: now - 1000 });
        await h.sql('order', 'UPDATE order_info SET status = ? WHERE order_sn = ?', ['paying', sn]);
      });
      const oldUnexpired = await place((sn) => h.backdate(sn, { createdAt: old }));
      const youngExpired = await place((sn) => h.backdate(sn, { expireAt: now - 1000 }));
      const oldExpiredPaid = await place(async (sn) => {
        await h.order.UpdateOrderStatus({ orderSn: sn, status: 'TRADE_SUCCESS' });
        await h.backdate(sn, { createdAt: old, expireAt: now - 1000 });
      });
      const all = [oldExpired, oldExpiredPaying, oldUnexpired, youngExpired, oldExpiredPaid];

      expect(await h.order.ReconcileOrders({ olderThanSeconds: 3600 })).toEqual({
        checked: 3,
        paid: 0,
        closed: 2,
        unchanged: 1,
        failed: 0,
      });
      expect(await Promise.all(all.map((o) => h.statusOf(o.orderSn)))).toEqual([
        'TRADE_CLOSED',
        'TRADE_CLOSED',
        'paying',
        'paying',
        'TRADE_SUCCESS',
      ]);
      expect(await Promise.all(all.map((o) => h.stockOf(o.goodsId)))).toEqual([100, 100, 98, 98, 98]);
      expect(await Promise.all(all.map((o) => h.outboxOf(o.orderSn)))).toEqual([[], [], ['order.close'], ['order.close'], []]);

      // Asked again, only the old unexpired one is still unpaid, and it stays so.
      expect(await h.order.ReconcileOrders({ olderThanSeconds: 3600 })).toEqual({
        checked: 1,
        paid: 0,
        closed: 0,
        unchanged: 1,
        failed: 0,
      });
      expect(await h.stockOf(oldExpired.goodsId)).toBe(100);
    });

    it('when no unpaid order is as old as asked then nothing is checked', async () => {
      const goodsId = await h.newGoods(100);
      const { orderSn } = await h.placeOrder(h.newUser(), [[goodsId, 1]]);
      await h.backdate(orderSn, { createdAt: Date.now() - 2 * HOUR_MS, expireAt: Date.now() - 1000 });
      expect(await h.order.ReconcileOrders({ olderThanSeconds: 30 * 24 * 3600 })).toEqual({
        checked: 0,
        paid: 0,
        closed: 0,
        unchanged: 0,
        failed: 0,
      });
      expect(await h.statusOf(orderSn)).toBe('paying');
      expect(await h.stockOf(goodsId)).toBe(99);
    });

    it('when olderThanSeconds is negative then INVALID_ARGUMENT', async () => {
      await expect(h.order.ReconcileOrders({ olderThanSeconds: -1 })).rejects.toMatchObject(
        failure(status.INVALID_ARGUMENT, 'olderThanSeconds 必须是非负整数'),
      );
    });
  });

  describe('ReconcileOrders with Alipay', () => {
    let standIn: StandInAlipay | undefined;
    const w = harness(kind, 'order-alipay', () => {
      const keys = testKeys();
      return {
        ALIPAY_APP_ID: TEST_APP_ID,
        ALIPAY_PRIVATE_KEY: keys.app.privateKey,
        ALIPAY_PUBLIC_KEY: keys.alipay.publicKey,
        ALIPAY_GATEWAY: standIn!.url,
        ALIPAY_TIMEOUT_MS: '2000',
      };
    });

    beforeAll(async () => {
      const keys = testKeys();
      standIn = await startStandInAlipay({
        appPublicKey: keys.app.publicKey,
        alipayPrivateKey: keys.alipay.privateKey,
        appId: TEST_APP_ID,
      });
      await w.start();
    });
    afterAll(async () => {
      await w.stop();
      await standIn?.close();
    });

    /** An order created 2 hours ago whose time ran out. */
    async function expiredOrder() {
      const goodsId = await w.newGoods(100);
      const created = await w.placeOrder(w.newUser(), [[goodsId, 2]]);
      await w.backdate(created.orderSn, { createdAt: Date.now() - 2 * HOUR_MS, expireAt: Date.now() - 1000 });
      return { goodsId, orderSn: created.orderSn, amount: ((priceCents(goodsId) * 2) / 100).toFixed(2) };
    }

    it('when an expired order was paid at Alipay without a notify then it is settled as paid, not closed, and its stock stays sold', async () => {
      const o = await expiredOrder();
      standIn!.createTrade(o.orderSn, o.amount);
      const trade = standIn!.pay(o.orderSn);

      expect(await w.order.ReconcileOrders({ olderThanSeconds: 3600 })).toEqual({
        checked: 1,
        paid: 1,
        closed: 0,
        unchanged: 0,
        failed: 0,
      });
      const row = await w.orderRow(o.orderSn);
      expect({ status: row.status, trade_no: row.trade_no, pay_time: row.pay_time }).toEqual({
        status: 'TRADE_SUCCESS',
        trade_no: trade.tradeNo,
        pay_time: Math.floor(trade.paidAt! / 1000),
      });
      expect(await w.stockOf(o.goodsId)).toBe(98);
      expect(await w.outboxOf(o.orderSn)).toEqual([]);
      expect(await w.lateOf(o.orderSn)).toBeUndefined();
      expect(standIn!.trades.get(o.orderSn)?.status).toBe('TRADE_SUCCESS');
    });

    it('when an expired order was opened at Alipay but not paid then it is closed at Alipay and here, and its stock returns', async () => {
      const o = await expiredOrder();
      standIn!.createTrade(o.orderSn, o.amount);

      expect(await w.order.ReconcileOrders({ olderThanSeconds: 3600 })).toEqual({
        checked: 1,
        paid: 0,
        closed: 1,
        unchanged: 0,
        failed: 0,
      });
      expect(await w.statusOf(o.orderSn)).toBe('TRADE_CLOSED');
      expect(standIn!.trades.get(o.orderSn)?.status).toBe('TRADE_CLOSED');
      expect(await w.stockOf(o.goodsId)).toBe(100);
      expect(await w.outboxOf(o.orderSn)).toEqual([]);
    });
  });
});
