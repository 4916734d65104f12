// Settling orders with Alipay, end to end against a stand-in Alipay OpenAPI on loopback: the page-pay
// URL's time_expire and the pay window it ends, asking Alipay before the timeout closes an order (and
// asking again after a backoff when Alipay cannot be asked or refuses the close), payments that arrive
// after the close and their refunds, payments racing the timeout, reconciliation through the admin
// route, and the synchronous return page. (The notify's own checks are in pay-notify.test.ts.)
//
// Time is the stack's clock, moved by the tests, and the order srv's relay runs only when a test ticks
// it: "a moment before the close", "at expiry" and "once the backoff is over" are exact instants, and
// nothing waits for real time. The stand-in Alipay stamps its trades (payment times) with that clock.
//
// Two stacks, each with its own stand-in Alipay, both with the default timeout (30 min) and margin (60 s):
//   shop   — late payments are refunded through Alipay; the default, hash-routed result page;
//   manual — late payments are left to an operator; a result page with a query of its own. No test
//            leaves an order unpaid here, so reconciliation meets only the orders its test places.
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatChinaTime } from '../../global/china-time';
import type { Env } from '../../global/config';
import { formatYuan } from '../../global/money';
import { notifyFields, returnFields, STAND_IN_SELLER_ID, signAlipayNotify } from '../../src/alipay/notify-form';
import { type StandInAlipay, type StandInTrade, startStandInAlipay } from '../../src/stand-in-alipay/server';
import { createTestClock } from '../helpers/clock';
import { api, verifyPagePayUrl } from '../helpers/http';
import { type Stack, startStack, TEST_APP_ID, testKeys, unitsHeld } from '../helpers/stack';

/** ORDER_TIMEOUT_SECONDS's default, the seed's 30 minutes. */
const ORDER_TIMEOUT_MS = 30 * 60_000;
/** ALIPAY_EXPIRE_MARGIN_SECONDS's default: Alipay stops taking money a minute before the close here. */
const EXPIRE_MARGIN_MS = 60_000;
/** The relay's first retry comes after 0.5 s and the second after 1 s, each ±20 % (backoffMs in relay.ts). */
const FIRST_BACKOFF = { min: 400, max: 600 };
const SECOND_BACKOFF = { min: 800, max: 1200 };

interface World {
  stack: Stack;
  standIn: StandInAlipay;
  nextUser: number;
}

interface PlacedOrder {
  userId: number;
  token: string;
  id: number;
  orderSn: string;
  totalCents: number;
  /** order_info.expire_at: epoch ms when the timeout closes it. */
  expireAt: number;
  /** The create response's alipay_url. */
  alipayUrl: string | null;
}

interface OrderRow {
  status: string;
  trade_no: string | null;
  pay_time: number | null;
  total_cents: number;
  expire_at: number;
  updated_at: number;
}

interface LateRow {
  order_sn: string;
  trade_no: string;
  amount_cents: number;
  paid_at: number | null;
  refund_state: string;
  refunded_at: number | null;
}

interface OutboxRow {
  topic: string;
  attempts: number;
  available_at: number;
  lease_until: number | null;
  last_error: string | null;
}

const DEFAULT_RESULT_URL = 'http://127.0.0.1:8080/#/app/home/member/order';
const CUSTOM_RESULT_URL = 'https://shop.example.com/pay/result?from=alipay';
const form = { address: '杭州市余杭区', name: '钱八', mobile: '13900139000', post: '前台代收' };

let shop: World;
let manual: World;

async function startWorld(settings: { order?: Env; gateway?: Env } = {}): Promise<World> {
  const keys = testKeys();
  const clock = createTestClock();
  const standIn = await startStandInAlipay({
    appPublicKey: keys.app.publicKey,
    alipayPrivateKey: keys.alipay.privateKey,
    appId: TEST_APP_ID,
    now: clock.now,
  });
  const stack = await startStack({
    clock,
    gateway: { ALIPAY_GATEWAY: standIn.url, ALIPAY_SELLER_ID: STAND_IN_SELLER_ID, ...settings.gateway },
    order: {
      ALIPAY_APP_ID: TEST_APP_ID,
      ALIPAY_PRIVATE_KEY: keys.app.privateKey,
      ALIPAY_PUBLIC_KEY: keys.alipay.publicKey,
      ALIPAY_GATEWAY: standIn.url,
      ALIPAY_TIMEOUT_MS: '2000',
      ...settings.order,
    },
  });
  return { stack, standIn, nextUser: 40_000 };
}

beforeAll(async () => {
  [shop, manual] = await Promise.all([
    startWorld(),
    startWorld({ order: { ALIPAY_REFUND_LATE_PAYMENTS: 'false' }, gateway: { PAY_RESULT_URL: CUSTOM_RESULT_URL } }),
  ]);
});
afterAll(async () => {
  for (const w of [shop, manual]) {
    await w?.stack.stop();
    await w?.standIn.close();
  }
});

/** Moves the world's clock forward to `at` (epoch ms). */
function moveClockTo(w: World, at: number): void {
  w.stack.clock.advance(at - w.stack.clock.now());
}

/** Moves the clock forward to `at`, then runs one relay pass: what reaching that instant would have done. */
async function passUntil(w: World, at: number): Promise<void> {
  moveClockTo(w, at);
  await w.stack.tick();
}

/** A user with `nums` of goodsId in the cart places an order; its expiry and total as the store has them. */
async function placeOrder(w: World, goodsId: number, nums = 1): Promise<PlacedOrder> {
  const userId = w.nextUser++;
  const token = w.stack.token(userId);
  await api(w.stack.app, token).post('/o/v1/shopcarts').send({ goods: goodsId, nums }).expect(200);
  const { body } = await api(w.stack.app, token).post('/o/v1/orders').send(form).expect(200);
  const row = await orderRow(w, body.order_sn as string);
  return {
    userId,
    token,
    id: body.id as number,
    orderSn: body.order_sn as string,
    totalCents: row.total_cents,
    expireAt: row.expire_at,
    alipayUrl: body.alipay_url as string | null,
  };
}

async function orderRow(w: World, orderSn: string): Promise<OrderRow> {
  const [row] = await w.stack.query<OrderRow>(
    'order',
    'SELECT status, trade_no, pay_time, total_cents, expire_at, updated_at FROM order_info WHERE order_sn = ?',
    [orderSn],
  );
  if (!row) throw new Error(`no order ${orderSn}`);
  return {
    ...row,
    pay_time: row.pay_time === null ? null : Number(row.pay_time),
    total_cents: Number(row.total_cents),
    expire_at: Number(row.expire_at),
    updated_at: Number(row.updated_at),
  };
}

async function lateRows(w: World, orderSn: string): Promise<LateRow[]> {
  const rows = await w.stack.query<LateRow>(
    'order',
    'SELECT order_sn, trade_no, amount_cents, paid_at, refund_state, refunded_at FROM late_payment WHERE order_sn = ?',
    [orderSn],
  );
  return rows.map((r) => ({
    ...r,
    amount_cents: Number(r.amount_cents),
    paid_at: r.paid_at === null ? null : Number(r.paid_at),
    refunded_at: r.refunded_at === null ? null : Number(r.refunded_at),
  }));
}

async function outboxOf(w: World, orderSn: string): Promise<OutboxRow[]> {
  const rows = await w.stack.query<OutboxRow>(
    'order',
    'SELECT topic, attempts, available_at, lease_until, last_error FROM outbox WHERE order_sn = ? ORDER BY id',
    [orderSn],
  );
  return rows.map((r) => ({
    ...r,
    attempts: Number(r.attempts),
    available_at: Number(r.available_at),
    lease_until: r.lease_until === null ? null : Number(r.lease_until),
  }));
}

/**
 * The relay has nothing to do, now or later: no order waiting to expire, no stock or refund owed. A test
 * that injects an Alipay failure starts here, so the failure can only meet its own order's calls.
 */
async function expectRelayIdle(w: World): Promise<void> {
  const [row] = await w.stack.query<{ n: number }>('order', 'SELECT COUNT(*) AS n FROM outbox');
  expect(Number(row?.n)).toBe(0);
}

const stockOf = async (w: World, goodsId: number) => (await w.stack.srv.inventory.InvDetail({ goodsId })).num;

const held = (w: World, goodsId: number) => unitsHeld(w.stack.storage, goodsId);

/** What the stand-in Alipay was asked about this order, in order: method and the code it answered (none for HTTP 500). */
function callsFor(w: World, orderSn: string): { method: string; code: string | undefined }[] {
  return w.standIn.calls.filter((c) => c.bizContent?.out_trade_no === orderSn).map((c) => ({ method: c.method, code: c.answered?.code }));
}

const refundCallsFor = (w: World, orderSn: string) => callsFor(w, orderSn).filter((c) => c.method === 'alipay.trade.refund');

const detailOf = async (w: World, o: PlacedOrder) => (await api(w.stack.app, o.token).get(`/o/v1/orders/${o.id}`).expect(200)).body;

/** The async notify Alipay sends for this paid stand-in trade, signed with the stand-in Alipay key. */
function paidNotify(o: { orderSn: string; totalCents: number }, trade: { tradeNo: string; paidAt?: number }): Record<string, string> {
  return signAlipayNotify(
    notifyFields({
      orderSn: o.orderSn,
      totalCents: o.totalCents,
      appId: TEST_APP_ID,
      tradeNo: trade.tradeNo,
      ...(trade.paidAt ? { paidAt: trade.paidAt } : {}),
    }),
    testKeys().alipay.privateKey,
  );
}

const postNotify = (w: World, fields: Record<string, string>) =>
  request(w.stack.app).post('/o/v1/pay/alipay/notify').type('form').send(new URLSearchParams(fields).toString());

/** The buyer pays at Alipay, now by the world's clock (the trade is created first when the buyer had not reached the cashier yet). */
function payAtAlipay(w: World, o: PlacedOrder): StandInTrade {
  if (!w.standIn.trades.has(o.orderSn)) w.standIn.createTrade(o.orderSn, formatYuan(o.totalCents));
  return w.standIn.pay(o.orderSn);
}

describe('time_expire on the page-pay URL (shop stack)', () => {
  it('when an order is created then time_expire is its close time minus the margin in China time, the URL is gone once that passes while the order is still open, and stays gone after the close', async () => {
    const w = shop;
    const stockBefore = await stockOf(w, 2);
    const o = await placeOrder(w, 2, 1);
    expect(o.alipayUrl).toEqual(expect.any(String));
    const url = new URL(o.alipayUrl ?? '');
    expect(verifyPagePayUrl(url.toString(), testKeys().app.publicKey)).toBe(true); // time_expire is under the signature
    const biz = JSON.parse(url.searchParams.get('biz_content') ?? '{}') as Record<string, string>;
    expect(biz).toMatchObject({
      out_trade_no: o.orderSn,
      total_amount: formatYuan(o.totalCents),
      time_expire: formatChinaTime(o.expireAt - EXPIRE_MARGIN_MS),
    });
    expect(process.env.TZ).toBe('America/Los_Angeles'); // China time although this process runs elsewhere
    // The instant time_expire names: whole seconds, as Alipay reads it.
    const payUntil = Math.floor(o.expireAt / 1000) * 1000 - EXPIRE_MARGIN_MS;
    expect(formatChinaTime(payUntil)).toBe(biz.time_expire);
    const timeExpireOf = (detail: { alipay_url: string }) =>
      (JSON.parse(new URL(detail.alipay_url).searchParams.get('biz_content') ?? '{}') as Record<string, string>).time_expire;

    // Still payable, up to a millisecond before time_expire: the detail offers the same deadline.
    const early = await detailOf(w, o);
    expect(early.status).toBe('paying');
    expect(timeExpireOf(early)).toBe(biz.time_expire);
    moveClockTo(w, payUntil - 1);
    const last = await detailOf(w, o);
    expect(last.status).toBe('paying');
    expect(timeExpireOf(last)).toBe(biz.time_expire);

    // At time_expire the URL is gone, a minute before the close here: nothing is left to pay.
    moveClockTo(w, payUntil);
    expect(await detailOf(w, o)).toMatchObject({ status: 'paying', alipay_url: null });
    // A relay pass a millisecond before the close asks nobody and closes nothing.
    await passUntil(w, o.expireAt - 1);
    expect(await detailOf(w, o)).toMatchObject({ status: 'paying', alipay_url: null });
    expect(callsFor(w, o.orderSn)).toEqual([]);
    expect(await stockOf(w, 2)).toBe(stockBefore - 1);

    // The pass at the close asks Alipay (no trade there) and closes it here; there is still no URL.
    await passUntil(w, o.expireAt);
    expect(await orderRow(w, o.orderSn)).toMatchObject({ status: 'TRADE_CLOSED', updated_at: o.expireAt });
    expect(await detailOf(w, o)).toMatchObject({ status: 'TRADE_CLOSED', alipay_url: null });
    expect(await stockOf(w, 2)).toBe(stockBefore);
    expect(callsFor(w, o.orderSn)).toEqual([{ method: 'alipay.trade.query', code: '40004' }]);
    expect(await outboxOf(w, o.orderSn)).toEqual([]);
  });
});

describe('asking Alipay before the timeout closes an order (shop stack)', () => {
  const GOODS_PAID = 3;
  const GOODS_WAITING = 4;
  const GOODS_UNKNOWN = 5;
  let paid: { order: PlacedOrder; trade: StandInTrade; stockAfterOrder: number };
  let waiting: { order: PlacedOrder; stockBefore: number };
  let unknown: { order: PlacedOrder; stockBefore: number };
  /** Each order's status and Alipay calls after a relay pass a millisecond before their time was up. */
  const beforeExpiry = new Map<string, { status: string; calls: ReturnType<typeof callsFor> }>();

  // Placed at one instant of the stopped clock, the three orders expire together: a pass a moment
  // before asks nobody, and the pass at their expiry settles all three. Each case below checks its own.
  beforeAll(async () => {
    const w = shop;
    const waitingStock = await stockOf(w, GOODS_WAITING);
    const unknownStock = await stockOf(w, GOODS_UNKNOWN);
    const [p, q, u] = await Promise.all([placeOrder(w, GOODS_PAID, 2), placeOrder(w, GOODS_WAITING, 3), placeOrder(w, GOODS_UNKNOWN, 1)]);
    expect(new Set([p.expireAt, q.expireAt, u.expireAt]).size).toBe(1);
    w.standIn.createTrade(p.orderSn, formatYuan(p.totalCents));
    const trade = w.standIn.pay(p.orderSn); // paid, and the notify never came
    w.standIn.createTrade(q.orderSn, formatYuan(q.totalCents)); // the buyer opened the cashier, did not pay
    paid = { order: p, trade, stockAfterOrder: await stockOf(w, GOODS_PAID) };
    waiting = { order: q, stockBefore: waitingStock };
    unknown = { order: u, stockBefore: unknownStock };

    await passUntil(w, p.expireAt - 1);
    for (const o of [p, q, u])
      beforeExpiry.set(o.orderSn, { status: (await orderRow(w, o.orderSn)).status, calls: callsFor(w, o.orderSn) });
    await passUntil(w, p.expireAt);
  });

  it('when the trade was paid at Alipay but no notify came then at expiry the order is settled as paid with its trade number, and its stock is kept', async () => {
    const w = shop;
    const { order: o, trade } = paid;
    expect(beforeExpiry.get(o.orderSn)).toEqual({ status: 'paying', calls: [] });
    const row = await orderRow(w, o.orderSn);
    expect(row).toMatchObject({ status: 'TRADE_SUCCESS', trade_no: trade.tradeNo, pay_time: Math.floor((trade.paidAt ?? 0) / 1000) });
    expect(row.updated_at).toBe(o.expireAt); // settled by the timeout's query, not before
    expect(await detailOf(w, o)).toMatchObject({ status: 'TRADE_SUCCESS', alipay_url: null });
    expect(callsFor(w, o.orderSn)).toEqual([{ method: 'alipay.trade.query', code: '10000' }]);
    expect(w.standIn.trades.get(o.orderSn)).toMatchObject({ status: 'TRADE_SUCCESS', refunds: new Map() });
    await w.stack.passTime(60_000); // more relay passes: nothing gives the stock back, nobody is asked again
    await w.stack.passTime(60_000);
    expect(await stockOf(w, GOODS_PAID)).toBe(paid.stockAfterOrder);
    expect(callsFor(w, o.orderSn)).toHaveLength(1);
    expect(await outboxOf(w, o.orderSn)).toEqual([]);
    expect(await lateRows(w, o.orderSn)).toEqual([]);
  });

  it('when the trade exists at Alipay but is unpaid then it is closed at Alipay first, then here, and the stock comes back', async () => {
    const w = shop;
    const o = waiting.order;
    expect(beforeExpiry.get(o.orderSn)).toEqual({ status: 'paying', calls: [] });
    expect(await orderRow(w, o.orderSn)).toMatchObject({ status: 'TRADE_CLOSED', updated_at: o.expireAt });
    expect(await detailOf(w, o)).toMatchObject({ status: 'TRADE_CLOSED', alipay_url: null });
    expect(callsFor(w, o.orderSn)).toEqual([
      { method: 'alipay.trade.query', code: '10000' },
      { method: 'alipay.trade.close', code: '10000' },
    ]);
    expect(w.standIn.trades.get(o.orderSn)?.status).toBe('TRADE_CLOSED');
    expect(await stockOf(w, GOODS_WAITING)).toBe(waiting.stockBefore); // given back in the same pass
    expect(await outboxOf(w, o.orderSn)).toEqual([]);
  });

  it('when Alipay knows no such trade then it is closed here without a close call, and the stock comes back', async () => {
    const w = shop;
    const o = unknown.order;
    expect(beforeExpiry.get(o.orderSn)).toEqual({ status: 'paying', calls: [] });
    expect(await orderRow(w, o.orderSn)).toMatchObject({ status: 'TRADE_CLOSED', updated_at: o.expireAt });
    expect(callsFor(w, o.orderSn)).toEqual([{ method: 'alipay.trade.query', code: '40004' }]);
    expect(w.standIn.trades.has(o.orderSn)).toBe(false);
    expect(await stockOf(w, GOODS_UNKNOWN)).toBe(unknown.stockBefore);
    expect(await outboxOf(w, o.orderSn)).toEqual([]);
  });

  it("when the buyer pays between the timeout's query and its close then Alipay refuses the close and the next try settles the order as paid", async () => {
    const w = shop;
    await expectRelayIdle(w);
    const o = await placeOrder(w, 18, 1);
    const stockAfterOrder = await stockOf(w, 18);
    const trade = w.standIn.createTrade(o.orderSn, formatYuan(o.totalCents));
    // The stand-in records each request before acting on it: pay the moment the close for this order arrives.
    const calls = w.standIn.calls;
    const record = calls.push.bind(calls);
    calls.push = (...items) => {
      if (items.some((c) => c.method === 'alipay.trade.close' && c.bizContent?.out_trade_no === o.orderSn)) w.standIn.pay(o.orderSn);
      return record(...items);
    };
    try {
      await passUntil(w, o.expireAt);
    } finally {
      calls.push = record;
    }
    expect(callsFor(w, o.orderSn)).toEqual([
      { method: 'alipay.trade.query', code: '10000' },
      { method: 'alipay.trade.close', code: '40004' }, // ACQ.TRADE_STATUS_ERROR: paid meanwhile
    ]);
    // Not closed: still unpaid here, and the timeout asks again after a backoff, with the reason.
    expect((await orderRow(w, o.orderSn)).status).toBe('paying');
    const [retry] = await outboxOf(w, o.orderSn);
    expect(retry).toMatchObject({
      topic: 'order.close',
      attempts: 1,
      lease_until: null,
      last_error: expect.stringMatching(/would not close/),
    });
    const backoff = (retry?.available_at ?? 0) - o.expireAt;
    expect(backoff).toBeGreaterThanOrEqual(FIRST_BACKOFF.min);
    expect(backoff).toBeLessThanOrEqual(FIRST_BACKOFF.max);

    await passUntil(w, (retry?.available_at ?? 0) - 1); // the backoff is not over: Alipay is not asked
    expect(callsFor(w, o.orderSn)).toHaveLength(2);
    await passUntil(w, retry?.available_at ?? 0);
    expect(await orderRow(w, o.orderSn)).toMatchObject({
      status: 'TRADE_SUCCESS',
      trade_no: trade.tradeNo,
      updated_at: retry?.available_at,
    });
    expect(callsFor(w, o.orderSn)).toEqual([
      { method: 'alipay.trade.query', code: '10000' },
      { method: 'alipay.trade.close', code: '40004' },
      { method: 'alipay.trade.query', code: '10000' },
    ]);
    expect(trade).toMatchObject({ status: 'TRADE_SUCCESS', refunds: new Map() });
    await w.stack.passTime(60_000);
    expect(callsFor(w, o.orderSn)).toHaveLength(3);
    expect(await stockOf(w, 18)).toBe(stockAfterOrder);
    expect(await outboxOf(w, o.orderSn)).toEqual([]);
    expect(await lateRows(w, o.orderSn)).toEqual([]);
  });

  it('when the query answers HTTP 500 twice then nothing closes, the relay asks again with backoff, and the paid trade is settled as paid', async () => {
    const w = shop;
    await expectRelayIdle(w);
    const o = await placeOrder(w, 6, 1);
    const stockAfterOrder = await stockOf(w, 6);
    w.standIn.createTrade(o.orderSn, formatYuan(o.totalCents));
    const trade = w.standIn.pay(o.orderSn);
    w.standIn.failNext('alipay.trade.query', 'http500');
    w.standIn.failNext('alipay.trade.query', 'http500');

    // The first failure: still unpaid, the close rescheduled 0.5 s (±20 %) later, with the reason.
    await passUntil(w, o.expireAt);
    expect(callsFor(w, o.orderSn)).toEqual([{ method: 'alipay.trade.query', code: undefined }]);
    expect((await orderRow(w, o.orderSn)).status).toBe('paying');
    const [first] = await outboxOf(w, o.orderSn);
    expect(first).toMatchObject({
      topic: 'order.close',
      attempts: 1,
      lease_until: null,
      last_error: expect.stringMatching(/alipay\.trade\.query.*HTTP error \(500\)/),
    });
    const firstAt = first?.available_at ?? 0;
    expect(firstAt - o.expireAt).toBeGreaterThanOrEqual(FIRST_BACKOFF.min);
    expect(firstAt - o.expireAt).toBeLessThanOrEqual(FIRST_BACKOFF.max);
    await passUntil(w, firstAt - 1);
    expect(callsFor(w, o.orderSn)).toHaveLength(1);

    // The second failure, once that backoff is over: rescheduled 1 s (±20 %) later.
    await passUntil(w, firstAt);
    expect(callsFor(w, o.orderSn)).toEqual([
      { method: 'alipay.trade.query', code: undefined },
      { method: 'alipay.trade.query', code: undefined },
    ]);
    expect((await orderRow(w, o.orderSn)).status).toBe('paying');
    const [second] = await outboxOf(w, o.orderSn);
    expect(second).toMatchObject({
      topic: 'order.close',
      attempts: 2,
      lease_until: null,
      last_error: expect.stringMatching(/HTTP error \(500\)/),
    });
    const secondAt = second?.available_at ?? 0;
    expect(secondAt - firstAt).toBeGreaterThanOrEqual(SECOND_BACKOFF.min);
    expect(secondAt - firstAt).toBeLessThanOrEqual(SECOND_BACKOFF.max);
    await passUntil(w, secondAt - 1);
    expect(callsFor(w, o.orderSn)).toHaveLength(2);

    // The third query is answered: the payment is found and settled.
    await passUntil(w, secondAt);
    expect(await orderRow(w, o.orderSn)).toMatchObject({ status: 'TRADE_SUCCESS', trade_no: trade.tradeNo, updated_at: secondAt });
    expect(callsFor(w, o.orderSn)).toEqual([
      { method: 'alipay.trade.query', code: undefined },
      { method: 'alipay.trade.query', code: undefined },
      { method: 'alipay.trade.query', code: '10000' },
    ]);
    await w.stack.passTime(60_000);
    expect(callsFor(w, o.orderSn)).toHaveLength(3);
    expect(await stockOf(w, 6)).toBe(stockAfterOrder);
    expect(await outboxOf(w, o.orderSn)).toEqual([]);
  });

  it('when the query answer carries a bad signature and then the close answers HTTP 500 then the relay retries until the trade is closed at Alipay and here', async () => {
    const w = shop;
    await expectRelayIdle(w);
    const stockBefore = await stockOf(w, 7);
    const o = await placeOrder(w, 7, 2);
    w.standIn.createTrade(o.orderSn, formatYuan(o.totalCents));
    w.standIn.failNext('alipay.trade.query', 'bad-sign');
    w.standIn.failNext('alipay.trade.close', 'http500');

    // The unverifiable answer is not believed: no close follows it, the order stays open.
    await passUntil(w, o.expireAt);
    expect(callsFor(w, o.orderSn)).toEqual([{ method: 'alipay.trade.query', code: '10000' }]); // answered, signature corrupted
    const [first] = await outboxOf(w, o.orderSn);
    expect(first).toMatchObject({ attempts: 1, lease_until: null, last_error: expect.stringMatching(/does not verify/) });
    expect((await orderRow(w, o.orderSn)).status).toBe('paying');

    // Once the backoff is over: asked again, then the close fails: nothing is closed at Alipay or here.
    await passUntil(w, first?.available_at ?? 0);
    expect(callsFor(w, o.orderSn)).toEqual([
      { method: 'alipay.trade.query', code: '10000' },
      { method: 'alipay.trade.query', code: '10000' },
      { method: 'alipay.trade.close', code: undefined }, // HTTP 500
    ]);
    const [second] = await outboxOf(w, o.orderSn);
    expect(second).toMatchObject({
      attempts: 2,
      lease_until: null,
      last_error: expect.stringMatching(/alipay\.trade\.close.*HTTP error \(500\)/),
    });
    expect((second?.available_at ?? 0) - (first?.available_at ?? 0)).toBeGreaterThanOrEqual(SECOND_BACKOFF.min);
    expect((second?.available_at ?? 0) - (first?.available_at ?? 0)).toBeLessThanOrEqual(SECOND_BACKOFF.max);
    expect(w.standIn.trades.get(o.orderSn)?.status).toBe('WAIT_BUYER_PAY');
    expect((await orderRow(w, o.orderSn)).status).toBe('paying');
    expect(await stockOf(w, 7)).toBe(stockBefore - 2);

    // The third try closes it at Alipay, then here, and gives the stock back in the same pass.
    await passUntil(w, second?.available_at ?? 0);
    expect(await orderRow(w, o.orderSn)).toMatchObject({ status: 'TRADE_CLOSED', updated_at: second?.available_at });
    expect(callsFor(w, o.orderSn)).toEqual([
      { method: 'alipay.trade.query', code: '10000' },
      { method: 'alipay.trade.query', code: '10000' },
      { method: 'alipay.trade.close', code: undefined },
      { method: 'alipay.trade.query', code: '10000' },
      { method: 'alipay.trade.close', code: '10000' },
    ]);
    expect(w.standIn.trades.get(o.orderSn)?.status).toBe('TRADE_CLOSED');
    expect(await stockOf(w, 7)).toBe(stockBefore);
    expect(await outboxOf(w, o.orderSn)).toEqual([]);
  });
});

describe('late payments (the shop stack refunds them through Alipay, the manual stack leaves them to an operator)', () => {
  it('when a cancelled order is paid at Alipay then the notify is acknowledged, recorded once, the order stays closed, the stock untouched, and the full amount refunded once', async () => {
    const w = shop;
    const o = await placeOrder(w, 8, 2);
    await api(w.stack.app, o.token).delete(`/o/v1/orders/${o.id}`).expect(200);
    await w.stack.tick(); // the stock return goes out after the answer, in the relay's order
    const stockAfterCancel = await stockOf(w, 8); // the cancel gave it back before answering
    const counted = w.stack.srvs.order.counters.latePayments;
    const trade = payAtAlipay(w, o); // an old cashier page, say
    const notify = paidNotify(o, trade);

    const first = await postNotify(w, notify);
    expect([first.status, first.text]).toEqual([200, 'success']);
    expect(await detailOf(w, o)).toMatchObject({ status: 'TRADE_CLOSED', alipay_url: null });
    // Recorded with the refund promised in the same transaction; the relay's next pass makes it.
    const recordedAt = w.stack.clock.now();
    const expected = {
      order_sn: o.orderSn,
      trade_no: trade.tradeNo,
      amount_cents: o.totalCents,
      paid_at: Math.floor((trade.paidAt ?? 0) / 1000),
    };
    expect(await lateRows(w, o.orderSn)).toEqual([{ ...expected, refund_state: 'pending', refunded_at: null }]);
    expect(await outboxOf(w, o.orderSn)).toEqual([
      { topic: 'payment.refund', attempts: 0, available_at: recordedAt, lease_until: null, last_error: null },
    ]);
    expect(refundCallsFor(w, o.orderSn)).toEqual([]);

    await w.stack.tick();
    expect(await lateRows(w, o.orderSn)).toEqual([{ ...expected, refund_state: 'refunded', refunded_at: recordedAt }]);
    const refunds = w.standIn.calls.filter((c) => c.method === 'alipay.trade.refund' && c.bizContent?.out_trade_no === o.orderSn);
    expect(refunds.map((c) => c.bizContent)).toEqual([
      {
        out_trade_no: o.orderSn,
        refund_amount: formatYuan(o.totalCents),
        out_request_no: `${o.orderSn}-late`,
        refund_reason: expect.any(String),
      },
    ]);
    expect(refundCallsFor(w, o.orderSn)).toEqual([{ method: 'alipay.trade.refund', code: '10000' }]);
    expect([...trade.refunds]).toEqual([[`${o.orderSn}-late`, formatYuan(o.totalCents)]]);
    expect(trade.status).toBe('TRADE_CLOSED'); // fully refunded at Alipay

    // Alipay re-sends: the same answer, no second record, no second refund however long the relay runs.
    for (let i = 0; i < 2; i++) expect((await postNotify(w, notify)).text).toBe('success');
    await w.stack.passTime(60_000);
    await w.stack.passTime(60_000);
    expect(refundCallsFor(w, o.orderSn)).toHaveLength(1);
    expect(await lateRows(w, o.orderSn)).toHaveLength(1);
    expect(w.stack.srvs.order.counters.latePayments).toBe(counted + 1);
    expect(await stockOf(w, 8)).toBe(stockAfterCancel);
    expect(await orderRow(w, o.orderSn)).toMatchObject({ status: 'TRADE_CLOSED', trade_no: null, pay_time: null });
    expect(await outboxOf(w, o.orderSn)).toEqual([]);
  });

  it('when the same late notify arrives several times at once then every answer is success and it is recorded and refunded once', async () => {
    const w = shop;
    const o = await placeOrder(w, 8, 1);
    await api(w.stack.app, o.token).delete(`/o/v1/orders/${o.id}`).expect(200);
    await w.stack.tick(); // the stock return goes out after the answer, in the relay's order
    const counted = w.stack.srvs.order.counters.latePayments;
    const notify = paidNotify(o, payAtAlipay(w, o));
    const answers = await Promise.all(Array.from({ length: 6 }, () => postNotify(w, notify)));
    // Whichever arrives first records it; the others find it recorded. One record, one refund owed.
    expect(answers.map((r) => `${r.status} ${r.text}`)).toEqual(Array(6).fill('200 success'));
    expect((await lateRows(w, o.orderSn)).map((r) => r.refund_state)).toEqual(['pending']);
    expect((await outboxOf(w, o.orderSn)).map((r) => r.topic)).toEqual(['payment.refund']);
    expect(w.stack.srvs.order.counters.latePayments).toBe(counted + 1);

    await w.stack.tick();
    await w.stack.passTime(60_000);
    expect((await lateRows(w, o.orderSn)).map((r) => r.refund_state)).toEqual(['refunded']);
    expect(refundCallsFor(w, o.orderSn)).toEqual([{ method: 'alipay.trade.refund', code: '10000' }]);
    expect([...(w.standIn.trades.get(o.orderSn)?.refunds ?? [])]).toEqual([[`${o.orderSn}-late`, formatYuan(o.totalCents)]]);
    expect(await outboxOf(w, o.orderSn)).toEqual([]);
  });

  it('when an order that expired unknown to Alipay is paid afterwards then it stays closed and the payment is refunded in full', async () => {
    const w = shop;
    const stockBefore = await stockOf(w, 9);
    const o = await placeOrder(w, 9, 1);
    await passUntil(w, o.expireAt);
    expect((await orderRow(w, o.orderSn)).status).toBe('TRADE_CLOSED');
    expect(callsFor(w, o.orderSn)).toEqual([{ method: 'alipay.trade.query', code: '40004' }]);
    expect(await stockOf(w, 9)).toBe(stockBefore);
    const counted = w.stack.srvs.order.counters.latePayments;

    const trade = payAtAlipay(w, o);
    expect((await postNotify(w, paidNotify(o, trade))).text).toBe('success');
    expect((await lateRows(w, o.orderSn)).map((r) => r.refund_state)).toEqual(['pending']);
    await w.stack.tick();
    const [late] = await lateRows(w, o.orderSn);
    expect(late).toMatchObject({ trade_no: trade.tradeNo, amount_cents: o.totalCents, refund_state: 'refunded' });
    expect(callsFor(w, o.orderSn)).toEqual([
      { method: 'alipay.trade.query', code: '40004' },
      { method: 'alipay.trade.refund', code: '10000' },
    ]);
    expect([...trade.refunds]).toEqual([[`${o.orderSn}-late`, formatYuan(o.totalCents)]]);
    expect(await detailOf(w, o)).toMatchObject({ status: 'TRADE_CLOSED', alipay_url: null });
    expect(await stockOf(w, 9)).toBe(stockBefore);
    expect(w.stack.srvs.order.counters.latePayments).toBe(counted + 1);
    expect(await outboxOf(w, o.orderSn)).toEqual([]);
  });

  it('when late payments are not refunded automatically then the payment is recorded as manual and Alipay is not asked to refund', async () => {
    const w = manual; // ALIPAY_REFUND_LATE_PAYMENTS=false
    const o = await placeOrder(w, 10, 1);
    await api(w.stack.app, o.token).delete(`/o/v1/orders/${o.id}`).expect(200);
    await w.stack.tick(); // the stock return goes out after the answer, in the relay's order
    const stockAfterCancel = await stockOf(w, 10);
    const counted = w.stack.srvs.order.counters.latePayments;
    const trade = payAtAlipay(w, o);
    expect((await postNotify(w, paidNotify(o, trade))).text).toBe('success');
    expect((await postNotify(w, paidNotify(o, trade))).text).toBe('success');
    expect(await outboxOf(w, o.orderSn)).toEqual([]); // no refund is promised
    await w.stack.tick(); // several relay passes, however far apart
    await w.stack.passTime(60_000);
    await w.stack.passTime(ORDER_TIMEOUT_MS);
    expect(await lateRows(w, o.orderSn)).toEqual([
      {
        order_sn: o.orderSn,
        trade_no: trade.tradeNo,
        amount_cents: o.totalCents,
        paid_at: Math.floor((trade.paidAt ?? 0) / 1000),
        refund_state: 'manual',
        refunded_at: null,
      },
    ]);
    expect(callsFor(w, o.orderSn)).toEqual([]);
    expect(trade).toMatchObject({ status: 'TRADE_SUCCESS', refunds: new Map() });
    expect(await outboxOf(w, o.orderSn)).toEqual([]);
    expect(await detailOf(w, o)).toMatchObject({ status: 'TRADE_CLOSED' });
    expect(await stockOf(w, 10)).toBe(stockAfterCancel);
    expect(w.stack.srvs.order.counters.latePayments).toBe(counted + 1);
  });
});

describe('a payment racing the timeout (shop stack)', () => {
  type Pays = 'before' | 'during' | 'after' | 'never';
  /**
   * Per order: whether the buyer reached Alipay's cashier in time (a trade waits at Alipay) and when
   * the buyer pays — a millisecond before the time is up (its notify arriving during the relay's pass),
   * at expiry while the relay's pass runs, a minute after that pass, or never.
   */
  const PLAN: { cashier: boolean; pays: Pays }[] = [
    { cashier: true, pays: 'before' },
    { cashier: true, pays: 'never' },
    { cashier: true, pays: 'during' },
    { cashier: true, pays: 'never' },
    { cashier: false, pays: 'during' },
    { cashier: false, pays: 'never' },
    { cashier: true, pays: 'during' },
    { cashier: true, pays: 'never' },
    { cashier: true, pays: 'after' },
    { cashier: true, pays: 'never' },
    { cashier: false, pays: 'after' },
    { cashier: false, pays: 'never' },
  ];

  it('when half of 12 orders are paid at Alipay around their expiry then each ends paid with its stock or closed with its stock back, and no money is kept for a closed order', async () => {
    const w = shop;
    const GOODS = 11;
    const INITIAL = 50;
    await w.stack.srv.inventory.SetInv({ goodsId: GOODS, num: INITIAL });
    const counted = w.stack.srvs.order.counters.latePayments;
    // Placed at one instant of the stopped clock: all twelve expire together.
    const orders = await Promise.all(PLAN.map(() => placeOrder(w, GOODS, 1)));
    const expireAt = orders[0]!.expireAt;
    expect(orders.every((o) => o.expireAt === expireAt)).toBe(true);
    const buyers = orders.map((o, i) => ({
      o,
      ...PLAN[i]!,
      trade: undefined as { tradeNo: string; paidAt: number } | undefined,
      answer: undefined as string | undefined,
    }));
    for (const b of buyers) if (b.cashier) w.standIn.createTrade(b.o.orderSn, formatYuan(b.o.totalCents));
    type Buyer = (typeof buyers)[number];

    /** The buyer pays at Alipay (which refuses a trade it already closed); false when refused. */
    const pay = (b: Buyer): boolean => {
      try {
        const trade = payAtAlipay(w, b.o);
        b.trade = { tradeNo: trade.tradeNo, paidAt: trade.paidAt ?? 0 };
        return true;
      } catch {
        return false;
      }
    };
    const notify = async (b: Buyer) => {
      const res = await postNotify(w, paidNotify(b.o, b.trade!));
      b.answer = `${res.status} ${res.text}`;
    };
    const pays = (when: Pays) => buyers.filter((b) => b.pays === when);

    // A millisecond before the time is up: the early buyers pay, and a relay pass asks nobody yet.
    await passUntil(w, expireAt - 1);
    for (const b of pays('before')) expect(pay(b)).toBe(true);
    for (const b of buyers) expect(callsFor(w, b.o.orderSn)).toEqual([]);

    // At expiry the relay's pass runs while the early payments' notifies arrive and the other buyers
    // pay: each after opening the order page a different number of times, so their payments land at
    // different points of the pass. Any of them may come before or after the relay asks about its order.
    moveClockTo(w, expireAt);
    await Promise.all([
      w.stack.tick(),
      ...pays('before').map(notify),
      ...pays('during').map(async (b, k) => {
        for (let look = 0; look <= 2 * k; look++) await detailOf(w, b.o);
        if (pay(b)) await notify(b);
      }),
    ]);

    // A minute later the last buyers pay on the cashier page they had left open; then one relay pass
    // asks again about any close Alipay refused and refunds every payment that came too late.
    w.stack.clock.advance(60_000);
    for (const b of pays('after')) if (pay(b)) await notify(b);
    await w.stack.tick();

    let late = 0;
    for (const b of buyers) {
      const { o, trade } = b;
      const row = await orderRow(w, o.orderSn);
      const lateRow = await lateRows(w, o.orderSn);
      const atAlipay = w.standIn.trades.get(o.orderSn);
      expect(['TRADE_SUCCESS', 'TRADE_CLOSED']).toContain(row.status);
      expect(await outboxOf(w, o.orderSn)).toEqual([]); // nothing left for the relay to do
      if (trade) {
        expect(b.answer).toBe('200 success');
        // Paid before its time was up: the timeout's query sees the payment, so it cannot be closed.
        if (trade.paidAt < expireAt) expect(row.status).toBe('TRADE_SUCCESS');
        if (row.status === 'TRADE_SUCCESS') {
          // Paid and kept: the money stays, nothing is refunded.
          expect(row.trade_no).toBe(trade.tradeNo);
          expect(lateRow).toEqual([]);
          expect(atAlipay).toMatchObject({ status: 'TRADE_SUCCESS', refunds: new Map() });
          expect(refundCallsFor(w, o.orderSn)).toEqual([]);
        } else {
          // Closed here: the whole payment went back, once.
          late += 1;
          expect(lateRow).toEqual([
            expect.objectContaining({ trade_no: trade.tradeNo, amount_cents: o.totalCents, refund_state: 'refunded' }),
          ]);
          expect([...(atAlipay?.refunds ?? [])]).toEqual([[`${o.orderSn}-late`, formatYuan(o.totalCents)]]);
          expect(atAlipay?.status).toBe('TRADE_CLOSED');
          expect(refundCallsFor(w, o.orderSn)).toEqual([{ method: 'alipay.trade.refund', code: '10000' }]);
        }
      } else {
        // Never paid (or Alipay refused the payment): closed here, and closed at Alipay too when Alipay had a trade.
        expect(row.status).toBe('TRADE_CLOSED');
        expect(lateRow).toEqual([]);
        if (atAlipay) expect(atAlipay.status).toBe('TRADE_CLOSED');
        expect(refundCallsFor(w, o.orderSn)).toEqual([]);
      }
    }

    // Whatever the race did, the ends of the plan are certain. The early payment is kept. An order
    // nobody pays is asked about once, and closed at Alipay when Alipay had its trade. A minute after
    // the close, Alipay refuses to take money for a trade it closed, and takes it for one it never had:
    // that order stays closed and the money goes back.
    for (const b of pays('before')) expect((await orderRow(w, b.o.orderSn)).status).toBe('TRADE_SUCCESS');
    const queriedAndClosed = [
      { method: 'alipay.trade.query', code: '10000' },
      { method: 'alipay.trade.close', code: '10000' },
    ];
    for (const b of pays('never')) {
      expect(callsFor(w, b.o.orderSn)).toEqual(b.cashier ? queriedAndClosed : [{ method: 'alipay.trade.query', code: '40004' }]);
    }
    for (const b of pays('after')) {
      if (b.cashier) {
        expect(b.trade).toBeUndefined();
        expect(callsFor(w, b.o.orderSn)).toEqual(queriedAndClosed);
      } else {
        expect((await lateRows(w, b.o.orderSn)).map((r) => r.refund_state)).toEqual(['refunded']);
        expect(callsFor(w, b.o.orderSn)).toEqual([
          { method: 'alipay.trade.query', code: '40004' },
          { method: 'alipay.trade.refund', code: '10000' },
        ]);
      }
    }
    expect(late).toBeGreaterThanOrEqual(1);
    expect(w.stack.srvs.order.counters.latePayments).toBe(counted + late);
    const kept = (await Promise.all(orders.map((o) => orderRow(w, o.orderSn)))).filter((r) => r.status === 'TRADE_SUCCESS').length;
    expect(kept).toBeGreaterThanOrEqual(pays('before').length);
    expect(await stockOf(w, GOODS)).toBe(INITIAL - kept);
    expect(INITIAL).toBe((await stockOf(w, GOODS)) + (await held(w, GOODS)));
  });
});

describe('POST /o/v1/admin/reconcile (manual stack)', () => {
  const admin = () => manual.stack.token(1, { admin: true });
  const reconcile = (token: string | undefined, query = '?older_than_seconds=0') =>
    api(manual.stack.app, token).post(`/o/v1/admin/reconcile${query}`);

  it('when the caller has no token then 401, and when the caller is not an admin then 403; Alipay is not asked', async () => {
    const calls = manual.standIn.calls.length;
    const anonymous = await reconcile(undefined);
    expect(anonymous.status).toBe(401);
    expect(anonymous.body).toEqual({ msg: '请登录', code: 'UNAUTHENTICATED', requestId: anonymous.headers['x-request-id'] });
    const user = await reconcile(manual.stack.token(2));
    expect(user.status).toBe(403);
    expect(user.body).toEqual({ msg: '无权限', code: 'PERMISSION_DENIED', requestId: user.headers['x-request-id'] });
    expect(manual.standIn.calls.length).toBe(calls);
  });

  it.each(['?older_than_seconds=-1', '?older_than_seconds=abc', '?older_than_seconds=1.5'])(
    'when the query is %s then 400 naming the field, and Alipay is not asked',
    async (query) => {
      const calls = manual.standIn.calls.length;
      const res = await reconcile(admin(), query);
      expect(res.status).toBe(400);
      expect(res.body).toEqual({
        msg: '参数错误',
        code: 'INVALID_ARGUMENT',
        error: { older_than_seconds: expect.any(String) },
        requestId: res.headers['x-request-id'],
      });
      expect(manual.standIn.calls.length).toBe(calls);
    },
  );

  it('when an admin reconciles a mix of unpaid orders then each is asked about once and the counts say exactly what happened', async () => {
    const w = manual;
    const noUnpaid = await reconcile(admin());
    expect(noUnpaid.status).toBe(200);
    expect(noUnpaid.body).toEqual({ checked: 0, paid: 0, closed: 0, unchanged: 0, failed: 0 });

    // Three orders placed half an hour before the others, so their time is up when reconciliation runs
    // (the relay has not passed since). Reconciliation goes by id: the first of them meets the injected failure.
    const expiredFailing = await placeOrder(w, 12, 1);
    const expiredWaiting = await placeOrder(w, 13, 2);
    const expiredUnknown = await placeOrder(w, 14, 1);
    w.stack.clock.advance(ORDER_TIMEOUT_MS - 1000);
    const paidNoNotify = await placeOrder(w, 12, 1);
    const waiting = await placeOrder(w, 12, 1);
    const unknown = await placeOrder(w, 12, 1);
    const alreadyPaid = await placeOrder(w, 12, 1);
    const cancelled = await placeOrder(w, 12, 1);

    const trade = payAtAlipay(w, paidNoNotify);
    w.standIn.createTrade(waiting.orderSn, formatYuan(waiting.totalCents));
    w.standIn.createTrade(expiredWaiting.orderSn, formatYuan(expiredWaiting.totalCents));
    const paidTrade = payAtAlipay(w, alreadyPaid);
    expect((await postNotify(w, paidNotify(alreadyPaid, paidTrade))).text).toBe('success');
    await api(w.stack.app, cancelled.token).delete(`/o/v1/orders/${cancelled.id}`).expect(200);
    await w.stack.tick(); // its stock return goes out after the answer; nothing else is due yet
    const stock13 = await stockOf(w, 13);
    const stock14 = await stockOf(w, 14);
    const stock12 = await stockOf(w, 12);

    // A second short of half an hour: neither an hour nor the default (30 minutes) finds an order that old.
    const callsBefore = w.standIn.calls.length;
    const younger = await reconcile(admin(), '?older_than_seconds=3600');
    expect(younger.body).toEqual({ checked: 0, paid: 0, closed: 0, unchanged: 0, failed: 0 });
    const byDefault = await reconcile(admin(), '');
    expect(byDefault.body).toEqual({ checked: 0, paid: 0, closed: 0, unchanged: 0, failed: 0 });
    expect(w.standIn.calls.length).toBe(callsBefore);

    // The first three's time is up.
    moveClockTo(w, expiredFailing.expireAt);
    expect([expiredWaiting.expireAt, expiredUnknown.expireAt]).toEqual([expiredFailing.expireAt, expiredFailing.expireAt]);
    w.standIn.failNext('alipay.trade.query', 'http500');
    const res = await reconcile(admin());
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ checked: 6, paid: 1, closed: 2, unchanged: 2, failed: 1 });

    expect(await orderRow(w, paidNoNotify.orderSn)).toMatchObject({
      status: 'TRADE_SUCCESS',
      trade_no: trade.tradeNo,
      pay_time: Math.floor((trade.paidAt ?? 0) / 1000),
    });
    expect(await detailOf(w, paidNoNotify)).toMatchObject({ status: 'TRADE_SUCCESS', alipay_url: null });
    // Alipay could not be asked about the first: expired or not, it is not closed without Alipay's answer.
    for (const o of [expiredFailing, waiting, unknown]) expect((await orderRow(w, o.orderSn)).status).toBe('paying');
    for (const o of [expiredWaiting, expiredUnknown]) expect((await orderRow(w, o.orderSn)).status).toBe('TRADE_CLOSED');
    expect((await orderRow(w, alreadyPaid.orderSn)).status).toBe('TRADE_SUCCESS');
    expect(w.standIn.trades.get(waiting.orderSn)?.status).toBe('WAIT_BUYER_PAY'); // not expired: left open at Alipay too
    expect(w.standIn.trades.get(expiredWaiting.orderSn)?.status).toBe('TRADE_CLOSED');
    expect(callsFor(w, expiredFailing.orderSn)).toEqual([{ method: 'alipay.trade.query', code: undefined }]);
    expect(callsFor(w, paidNoNotify.orderSn)).toEqual([{ method: 'alipay.trade.query', code: '10000' }]);
    expect(callsFor(w, waiting.orderSn)).toEqual([{ method: 'alipay.trade.query', code: '10000' }]);
    expect(callsFor(w, unknown.orderSn)).toEqual([{ method: 'alipay.trade.query', code: '40004' }]);
    expect(callsFor(w, expiredWaiting.orderSn)).toEqual([
      { method: 'alipay.trade.query', code: '10000' },
      { method: 'alipay.trade.close', code: '10000' },
    ]);
    expect(callsFor(w, expiredUnknown.orderSn)).toEqual([{ method: 'alipay.trade.query', code: '40004' }]);
    expect(callsFor(w, alreadyPaid.orderSn)).toEqual([]);
    expect(callsFor(w, cancelled.orderSn)).toEqual([]);
    // The closed ones got their stock back before the answer; the settled one kept it.
    expect(await stockOf(w, 13)).toBe(stock13 + 2);
    expect(await stockOf(w, 14)).toBe(stock14 + 1);
    expect(await stockOf(w, 12)).toBe(stock12);
    for (const o of [paidNoNotify, expiredWaiting, expiredUnknown]) expect(await outboxOf(w, o.orderSn)).toEqual([]);
    expect((await outboxOf(w, expiredFailing.orderSn)).map((r) => r.topic)).toEqual(['order.close']); // the timeout still owes it

    // Again: only the three still unpaid are checked, nothing fails this time, and the expired one is closed.
    const again = await reconcile(admin());
    expect(again.body).toEqual({ checked: 3, paid: 0, closed: 1, unchanged: 2, failed: 0 });
    expect(callsFor(w, expiredFailing.orderSn)).toEqual([
      { method: 'alipay.trade.query', code: undefined },
      { method: 'alipay.trade.query', code: '40004' },
    ]);
    for (const o of [waiting, unknown]) expect(callsFor(w, o.orderSn)).toHaveLength(2);
    expect((await orderRow(w, expiredFailing.orderSn)).status).toBe('TRADE_CLOSED');
    expect(await stockOf(w, 12)).toBe(stock12 + 1);
    expect(await outboxOf(w, expiredFailing.orderSn)).toEqual([]);
  });
});

describe('GET /o/v1/pay/alipay/return', () => {
  /** The query Alipay's synchronous return carries, signed with the (stand-in) Alipay key. */
  function returnQuery(
    o: { orderSn: string; totalCents: number },
    tradeNo = '2026010122001400000000000001',
    extra: Record<string, string> = {},
  ) {
    return signAlipayNotify(
      {
        ...returnFields({ orderSn: o.orderSn, totalCents: o.totalCents, appId: TEST_APP_ID, tradeNo, sellerId: STAND_IN_SELLER_ID }),
        ...extra,
      },
      testKeys().alipay.privateKey,
    );
  }
  const getReturn = (w: World, query: Record<string, string>) =>
    request(w.stack.app).get(`/o/v1/pay/alipay/return?${new URLSearchParams(query).toString()}`);

  it('when the buyer comes back before any notify then 302 to the result page with paid=false, and paid=true once the notify recorded the payment', async () => {
    const w = shop; // the default, hash-routed PAY_RESULT_URL
    const o = await placeOrder(w, 15, 1);
    const trade = payAtAlipay(w, o);
    const query = returnQuery(o, trade.tradeNo);

    const before = await getReturn(w, query);
    expect(before.status).toBe(302);
    expect(before.headers.location).toBe(`${DEFAULT_RESULT_URL}?order_sn=${o.orderSn}&paid=false`);
    expect((await orderRow(w, o.orderSn)).status).toBe('paying'); // the return alone proves nothing

    expect((await postNotify(w, paidNotify(o, trade))).text).toBe('success');
    const after = await getReturn(w, query);
    expect(after.status).toBe(302);
    expect(after.headers.location).toBe(`${DEFAULT_RESULT_URL}?order_sn=${o.orderSn}&paid=true`);
  });

  it('when the result page has a query of its own then the order number and outcome are added to it', async () => {
    const w = manual; // PAY_RESULT_URL with a query of its own
    const o = await placeOrder(w, 16, 1);
    const trade = payAtAlipay(w, o);
    expect((await postNotify(w, paidNotify(o, trade))).text).toBe('success');
    const res = await getReturn(w, returnQuery(o, trade.tradeNo));
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe(`${CUSTOM_RESULT_URL}&order_sn=${o.orderSn}&paid=true`);
  });

  it('when the signed return names an order we do not have then 302 with paid=false', async () => {
    const res = await getReturn(shop, returnQuery({ orderSn: '20990101000000000990001', totalCents: 100 }));
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe(`${DEFAULT_RESULT_URL}?order_sn=20990101000000000990001&paid=false`);
  });

  it.each<[string, (q: Record<string, string>) => Record<string, string>]>([
    ['a field changed after signing', (q) => ({ ...q, total_amount: '0.01' })],
    ['the order number changed after signing', (q) => ({ ...q, out_trade_no: `${q.out_trade_no ?? ''}1` })],
    ['no signature', ({ sign: _sign, ...q }) => q],
    ['a signature by another key', (q) => ({ ...q, sign: signAlipayNotify(q, testKeys().app.privateKey).sign ?? '' })],
    ['a repeated field', (q) => q], // made repeated below
  ])('when the return carries %s then 400 in the error envelope and no redirect', async (name, tamper) => {
    const w = shop;
    const o = await placeOrder(w, 17, 1);
    const trade = payAtAlipay(w, o);
    expect((await postNotify(w, paidNotify(o, trade))).text).toBe('success'); // paid: a redirect would say paid=true
    const query = tamper(returnQuery(o, trade.tradeNo));
    const qs = new URLSearchParams(query);
    if (name === 'a repeated field') qs.append('out_trade_no', o.orderSn);
    const res = await request(w.stack.app).get(`/o/v1/pay/alipay/return?${qs.toString()}`);
    expect(res.status).toBe(400);
    expect(res.headers.location).toBeUndefined();
    expect(res.body).toEqual({ msg: '支付宝返回参数无效', code: 'INVALID_ARGUMENT', requestId: res.headers['x-request-id'] });
  });

  it.each([
    ['another app', { app_id: '2021999999999999', auth_app_id: '2021999999999999' }],
    ['another seller', { seller_id: '2088999999999999' }],
  ])('when a validly signed return names %s then 400 and no redirect', async (_name, extra) => {
    const w = shop;
    const o = await placeOrder(w, 17, 1);
    const res = await getReturn(w, returnQuery(o, undefined, extra));
    expect(res.status).toBe(400);
    expect(res.headers.location).toBeUndefined();
    expect(res.body).toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});
