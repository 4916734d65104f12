// Issue 4, items 2–5, end to end against a stand-in Alipay OpenAPI on loopback: page pay's
// time_expire, asking Alipay before the timeout closes an order (and retrying when it cannot be
// asked), late payments and their refunds, a payment racing the timeout, reconciliation through the
// admin route, and the synchronous return page. (Notify hardening, item 1: pay-notify.test.ts.)
//
// Three stacks, each with its own stand-in Alipay, because the cases need different clocks:
//   expiry — orders close after 1 s, the relay passes every 50 ms, late payments are refunded;
//   page   — orders close after 3 s and Alipay stops 1 s earlier, so "no pay URL, still open" is visible;
//   recon  — orders close after an hour (the relay stays out of the way), late payments left to an operator.
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatChinaTime } from '../../global/china-time';
import { formatYuan } from '../../global/money';
import { notifyFields, STAND_IN_SELLER_ID, signAlipayNotify } from '../../src/alipay/notify-form';
import { type StandInAlipay, type StandInTrade, startStandInAlipay } from '../helpers/alipay-server';
import { api, verifyPagePayUrl } from '../helpers/http';
import { type Stack, startStack, TEST_APP_ID, testKeys } from '../helpers/stack';
import { sleep, waitFor } from '../helpers/wait';

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

let expiry: World;
let page: World;
let recon: World;

async function startWorld(options: { order: Record<string, string>; gateway?: Record<string, string> }): Promise<World> {
  const keys = testKeys();
  const standIn = await startStandInAlipay({
    appPublicKey: keys.app.publicKey,
    alipayPrivateKey: keys.alipay.privateKey,
    appId: TEST_APP_ID,
  });
  const stack = await startStack({
    gateway: { ALIPAY_GATEWAY: standIn.url, ALIPAY_SELLER_ID: STAND_IN_SELLER_ID, ...options.gateway },
    order: {
      ALIPAY_APP_ID: TEST_APP_ID,
      ALIPAY_PRIVATE_KEY: keys.app.privateKey,
      ALIPAY_PUBLIC_KEY: keys.alipay.publicKey,
      ALIPAY_GATEWAY: standIn.url,
      ALIPAY_TIMEOUT_MS: '2000',
      RELAY_INTERVAL_MS: '50',
      ...options.order,
    },
  });
  return { stack, standIn, nextUser: 40_000 };
}

beforeAll(async () => {
  [expiry, page, recon] = await Promise.all([
    startWorld({ order: { ORDER_TIMEOUT_SECONDS: '1' }, gateway: { ALIPAY_EXPIRE_MARGIN_SECONDS: '0' } }),
    startWorld({ order: { ORDER_TIMEOUT_SECONDS: '3' }, gateway: { ALIPAY_EXPIRE_MARGIN_SECONDS: '1' } }),
    startWorld({
      order: { ORDER_TIMEOUT_SECONDS: '3600', ALIPAY_REFUND_LATE_PAYMENTS: 'false' },
      gateway: { PAY_RESULT_URL: CUSTOM_RESULT_URL },
    }),
  ]);
});
afterAll(async () => {
  for (const w of [expiry, page, recon]) {
    await w?.stack.stop();
    await w?.standIn.close();
  }
});

const sleepUntil = (at: number) => sleep(Math.max(0, at - Date.now()));

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

/** Waits until the relay has nothing left to do (no order waiting to expire, no stock or refund owed). */
async function relayIdle(w: World, timeoutMs = 8000): Promise<void> {
  const count = async () => Number((await w.stack.query<{ n: number }>('order', 'SELECT COUNT(*) AS n FROM outbox'))[0]?.n ?? 0);
  expect(await waitFor(count, (n) => n === 0, timeoutMs)).toBe(0);
}

const stockOf = async (w: World, goodsId: number) => (await w.stack.srv.inventory.InvDetail({ goodsId })).num;

/** Units of goodsId held by unpaid and paid orders (a closed order gave its units back). */
async function unitsHeld(w: World, goodsId: number): Promise<number> {
  const rows = await w.stack.query<{ units: number | string | null }>(
    'order',
    `SELECT SUM(g.nums) AS units FROM order_goods g JOIN order_info o ON o.id = g.order_id
     WHERE g.goods_id = ? AND o.status <> 'TRADE_CLOSED'`,
    [goodsId],
  );
  return Number(rows[0]?.units ?? 0);
}

/** What the stand-in Alipay was asked about this order, in order: method and the code it answered (none for HTTP 500). */
function callsFor(w: World, orderSn: string): { method: string; code: string | undefined }[] {
  return w.standIn.calls.filter((c) => c.bizContent?.out_trade_no === orderSn).map((c) => ({ method: c.method, code: c.answered?.code }));
}

const detailOf = async (w: World, o: PlacedOrder) => (await api(w.stack.app, o.token).get(`/o/v1/orders/${o.id}`).expect(200)).body;

/** Waits until the order is no longer unpaid; returns its row. */
const settledRow = (w: World, orderSn: string, timeoutMs = 6000) =>
  waitFor(
    () => orderRow(w, orderSn),
    (r) => r.status !== 'WAIT_BUYER_PAY',
    timeoutMs,
  );

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

/** The buyer pays at Alipay (the trade is created first when the buyer had not reached the cashier yet). */
function payAtAlipay(w: World, o: PlacedOrder): StandInTrade {
  if (!w.standIn.trades.has(o.orderSn)) w.standIn.createTrade(o.orderSn, formatYuan(o.totalCents));
  return w.standIn.pay(o.orderSn);
}

describe('time_expire on the page-pay URL (page stack: timeout 3 s, margin 1 s)', () => {
  it('when an order is created then time_expire is its close time minus the margin in China time, the URL is gone once that passes while the order is still open, and stays gone after the close', async () => {
    const w = page;
    const stockBefore = await stockOf(w, 2);
    const o = await placeOrder(w, 2, 1);
    expect(o.alipayUrl).toEqual(expect.any(String));
    const url = new URL(o.alipayUrl ?? '');
    expect(verifyPagePayUrl(url.toString(), testKeys().app.publicKey)).toBe(true); // time_expire is under the signature
    const biz = JSON.parse(url.searchParams.get('biz_content') ?? '{}') as Record<string, string>;
    expect(biz).toMatchObject({
      out_trade_no: o.orderSn,
      total_amount: formatYuan(o.totalCents),
      time_expire: formatChinaTime(o.expireAt - 1000),
    });
    expect(process.env.TZ).toBe('America/Los_Angeles'); // China time although this process runs elsewhere

    // Still payable: the detail offers the same deadline.
    const early = await detailOf(w, o);
    expect(early.status).toBe('WAIT_BUYER_PAY');
    const earlyBiz = JSON.parse(new URL(early.alipay_url as string).searchParams.get('biz_content') ?? '{}') as Record<string, string>;
    expect(earlyBiz.time_expire).toBe(biz.time_expire);

    // Past time_expire (whole seconds, as Alipay reads it) but a second before the local close.
    await sleepUntil(Math.floor(o.expireAt / 1000) * 1000 - 1000 + 30);
    expect(Date.now()).toBeLessThan(o.expireAt - 500);
    expect(await detailOf(w, o)).toMatchObject({ status: 'WAIT_BUYER_PAY', alipay_url: null });

    // The relay closes it at expiry (Alipay knows no trade: closed here), and there is still no URL.
    expect((await settledRow(w, o.orderSn)).status).toBe('TRADE_CLOSED');
    expect(await detailOf(w, o)).toMatchObject({ status: 'TRADE_CLOSED', alipay_url: null });
    expect(
      await waitFor(
        () => stockOf(w, 2),
        (n) => n === stockBefore,
      ),
    ).toBe(stockBefore);
    expect(callsFor(w, o.orderSn)).toEqual([{ method: 'alipay.trade.query', code: '40004' }]);
  });
});

describe('asking Alipay before the timeout closes an order (expiry stack: timeout 1 s)', () => {
  const GOODS_PAID = 3;
  const GOODS_WAITING = 4;
  const GOODS_UNKNOWN = 5;
  let paid: { order: PlacedOrder; trade: StandInTrade; stockAfterOrder: number };
  let waiting: { order: PlacedOrder; stockBefore: number };
  let unknown: { order: PlacedOrder; stockBefore: number };

  // The three orders expire together; each case below watches its own.
  beforeAll(async () => {
    const w = expiry;
    await relayIdle(w);
    const waitingStock = await stockOf(w, GOODS_WAITING);
    const unknownStock = await stockOf(w, GOODS_UNKNOWN);
    const [p, q, u] = await Promise.all([placeOrder(w, GOODS_PAID, 2), placeOrder(w, GOODS_WAITING, 3), placeOrder(w, GOODS_UNKNOWN, 1)]);
    w.standIn.createTrade(p.orderSn, formatYuan(p.totalCents));
    const trade = w.standIn.pay(p.orderSn); // paid, and the notify never came
    w.standIn.createTrade(q.orderSn, formatYuan(q.totalCents)); // the buyer opened the cashier, did not pay
    paid = { order: p, trade, stockAfterOrder: await stockOf(w, GOODS_PAID) };
    waiting = { order: q, stockBefore: waitingStock };
    unknown = { order: u, stockBefore: unknownStock };
  });

  it('when the trade was paid at Alipay but no notify came then at expiry the order is settled as paid with its trade number, and its stock is kept', async () => {
    const w = expiry;
    const { order: o, trade } = paid;
    const row = await settledRow(w, o.orderSn);
    expect(row).toMatchObject({ status: 'TRADE_SUCCESS', trade_no: trade.tradeNo, pay_time: Math.floor((trade.paidAt ?? 0) / 1000) });
    expect(row.updated_at).toBeGreaterThanOrEqual(o.expireAt); // settled by the timeout's query, not before
    expect(await detailOf(w, o)).toMatchObject({ status: 'TRADE_SUCCESS', alipay_url: null });
    expect(callsFor(w, o.orderSn)).toEqual([{ method: 'alipay.trade.query', code: '10000' }]);
    expect(w.standIn.trades.get(o.orderSn)).toMatchObject({ status: 'TRADE_SUCCESS', refunds: new Map() });
    await sleep(200); // a few more relay passes: nothing gives the stock back
    expect(await stockOf(w, GOODS_PAID)).toBe(paid.stockAfterOrder);
    expect(await outboxOf(w, o.orderSn)).toEqual([]);
    expect(await lateRows(w, o.orderSn)).toEqual([]);
  });

  it('when the trade exists at Alipay but is unpaid then it is closed at Alipay first, then here, and the stock comes back', async () => {
    const w = expiry;
    const o = waiting.order;
    expect((await settledRow(w, o.orderSn)).status).toBe('TRADE_CLOSED');
    expect(await detailOf(w, o)).toMatchObject({ status: 'TRADE_CLOSED', alipay_url: null });
    expect(callsFor(w, o.orderSn)).toEqual([
      { method: 'alipay.trade.query', code: '10000' },
      { method: 'alipay.trade.close', code: '10000' },
    ]);
    expect(w.standIn.trades.get(o.orderSn)?.status).toBe('TRADE_CLOSED');
    expect(
      await waitFor(
        () => stockOf(w, GOODS_WAITING),
        (n) => n === waiting.stockBefore,
      ),
    ).toBe(waiting.stockBefore);
    expect(
      await waitFor(
        () => outboxOf(w, o.orderSn),
        (rows) => rows.length === 0,
      ),
    ).toEqual([]);
  });

  it('when Alipay knows no such trade then it is closed here without a close call, and the stock comes back', async () => {
    const w = expiry;
    const o = unknown.order;
    expect((await settledRow(w, o.orderSn)).status).toBe('TRADE_CLOSED');
    expect(callsFor(w, o.orderSn)).toEqual([{ method: 'alipay.trade.query', code: '40004' }]);
    expect(w.standIn.trades.has(o.orderSn)).toBe(false);
    expect(
      await waitFor(
        () => stockOf(w, GOODS_UNKNOWN),
        (n) => n === unknown.stockBefore,
      ),
    ).toBe(unknown.stockBefore);
    expect(
      await waitFor(
        () => outboxOf(w, o.orderSn),
        (rows) => rows.length === 0,
      ),
    ).toEqual([]);
  });

  it("when the buyer pays between the timeout's query and its close then Alipay refuses the close and the next try settles the order as paid", async () => {
    const w = expiry;
    await relayIdle(w);
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
      const row = await settledRow(w, o.orderSn);
      expect(row).toMatchObject({ status: 'TRADE_SUCCESS', trade_no: trade.tradeNo });
      expect(row.updated_at - o.expireAt).toBeGreaterThanOrEqual(400); // on the retry, after a backoff
    } finally {
      calls.push = record;
    }
    expect(callsFor(w, o.orderSn)).toEqual([
      { method: 'alipay.trade.query', code: '10000' },
      { method: 'alipay.trade.close', code: '40004' }, // ACQ.TRADE_STATUS_ERROR: paid meanwhile
      { method: 'alipay.trade.query', code: '10000' },
    ]);
    expect(trade).toMatchObject({ status: 'TRADE_SUCCESS', refunds: new Map() });
    await sleep(150);
    expect(await stockOf(w, 18)).toBe(stockAfterOrder);
    expect(await outboxOf(w, o.orderSn)).toEqual([]);
    expect(await lateRows(w, o.orderSn)).toEqual([]);
  });

  it('when the query answers HTTP 500 twice then nothing closes, the relay asks again with backoff, and the paid trade is settled as paid', async () => {
    const w = expiry;
    await relayIdle(w); // the injected failures must meet this order's queries, no one else's
    const o = await placeOrder(w, 6, 1);
    const stockAfterOrder = await stockOf(w, 6);
    w.standIn.createTrade(o.orderSn, formatYuan(o.totalCents));
    const trade = w.standIn.pay(o.orderSn);
    w.standIn.failNext('alipay.trade.query', 'http500');
    w.standIn.failNext('alipay.trade.query', 'http500');

    // After the first failure: still unpaid, the close is rescheduled at least 0.4 s later, with the reason.
    const [pending] = await waitFor(
      () => outboxOf(w, o.orderSn),
      (rows) => (rows[0]?.attempts ?? 0) >= 1 && rows[0]?.last_error != null && rows[0]?.lease_until === null,
    );
    expect(pending).toMatchObject({ topic: 'order.close', last_error: expect.stringMatching(/alipay\.trade\.query.*HTTP error \(500\)/) });
    expect(pending?.available_at).toBeGreaterThanOrEqual(o.expireAt + 400);
    expect((await orderRow(w, o.orderSn)).status).toBe('WAIT_BUYER_PAY');

    const row = await settledRow(w, o.orderSn);
    expect(row).toMatchObject({ status: 'TRADE_SUCCESS', trade_no: trade.tradeNo });
    expect(row.updated_at - o.expireAt).toBeGreaterThanOrEqual(400 + 800); // backoff 0.5 s then 1 s, ±20 %
    expect(callsFor(w, o.orderSn)).toEqual([
      { method: 'alipay.trade.query', code: undefined },
      { method: 'alipay.trade.query', code: undefined },
      { method: 'alipay.trade.query', code: '10000' },
    ]);
    await sleep(150);
    expect(await stockOf(w, 6)).toBe(stockAfterOrder);
    expect(await outboxOf(w, o.orderSn)).toEqual([]);
  });

  it('when the query answer carries a bad signature and then the close answers HTTP 500 then the relay retries until the trade is closed at Alipay and here', async () => {
    const w = expiry;
    await relayIdle(w);
    const stockBefore = await stockOf(w, 7);
    const o = await placeOrder(w, 7, 2);
    w.standIn.createTrade(o.orderSn, formatYuan(o.totalCents));
    w.standIn.failNext('alipay.trade.query', 'bad-sign');
    w.standIn.failNext('alipay.trade.close', 'http500');

    // The unverifiable answer is not believed: no close follows it, the order stays open.
    const afterBadSign = await waitFor(
      async () => {
        const outbox = await outboxOf(w, o.orderSn);
        return { outbox, calls: callsFor(w, o.orderSn) }; // read after the row, so they include its failure
      },
      (v) => (v.outbox[0]?.attempts ?? 0) >= 1 && v.outbox[0]?.last_error != null,
    );
    expect(afterBadSign.outbox[0]?.last_error).toMatch(/does not verify/);
    expect(afterBadSign.calls[0]).toEqual({ method: 'alipay.trade.query', code: '10000' });
    expect((await orderRow(w, o.orderSn)).status).toBe('WAIT_BUYER_PAY');

    const row = await settledRow(w, o.orderSn);
    expect(row.status).toBe('TRADE_CLOSED');
    expect(row.updated_at - o.expireAt).toBeGreaterThanOrEqual(400 + 800);
    expect(callsFor(w, o.orderSn)).toEqual([
      { method: 'alipay.trade.query', code: '10000' }, // answered, signature corrupted: an error
      { method: 'alipay.trade.query', code: '10000' },
      { method: 'alipay.trade.close', code: undefined }, // HTTP 500: nothing closed at Alipay
      { method: 'alipay.trade.query', code: '10000' },
      { method: 'alipay.trade.close', code: '10000' },
    ]);
    expect(w.standIn.trades.get(o.orderSn)?.status).toBe('TRADE_CLOSED');
    expect(
      await waitFor(
        () => stockOf(w, 7),
        (n) => n === stockBefore,
      ),
    ).toBe(stockBefore);
    expect(
      await waitFor(
        () => outboxOf(w, o.orderSn),
        (rows) => rows.length === 0,
      ),
    ).toEqual([]);
  });
});

describe('late payments (expiry stack: refunds through Alipay)', () => {
  it('when a cancelled order is paid at Alipay then the notify is acknowledged, recorded once, the order stays closed, the stock untouched, and the full amount refunded once', async () => {
    const w = expiry;
    const o = await placeOrder(w, 8, 2);
    await api(w.stack.app, o.token).delete(`/o/v1/orders/${o.id}`).expect(200);
    const stockAfterCancel = await stockOf(w, 8); // the cancel gave it back before answering
    const counted = w.stack.srvs.order.counters.latePayments;
    const trade = payAtAlipay(w, o); // an old cashier page, say
    const notify = paidNotify(o, trade);

    const first = await postNotify(w, notify);
    expect([first.status, first.text]).toEqual([200, 'success']);
    expect(await detailOf(w, o)).toMatchObject({ status: 'TRADE_CLOSED', alipay_url: null });

    const [late] = await waitFor(
      () => lateRows(w, o.orderSn),
      (rows) => rows[0]?.refund_state === 'refunded',
    );
    expect(late).toEqual({
      order_sn: o.orderSn,
      trade_no: trade.tradeNo,
      amount_cents: o.totalCents,
      paid_at: Math.floor((trade.paidAt ?? 0) / 1000),
      refund_state: 'refunded',
      refunded_at: expect.any(Number),
    });
    const refunds = w.standIn.calls.filter((c) => c.method === 'alipay.trade.refund' && c.bizContent?.out_trade_no === o.orderSn);
    expect(refunds.map((c) => c.bizContent)).toEqual([
      {
        out_trade_no: o.orderSn,
        refund_amount: formatYuan(o.totalCents),
        out_request_no: `${o.orderSn}-late`,
        refund_reason: expect.any(String),
      },
    ]);
    expect([...trade.refunds]).toEqual([[`${o.orderSn}-late`, formatYuan(o.totalCents)]]);
    expect(trade.status).toBe('TRADE_CLOSED'); // fully refunded at Alipay

    // Alipay re-sends: the same answer, no second record, no second refund.
    for (let i = 0; i < 2; i++) expect((await postNotify(w, notify)).text).toBe('success');
    await sleep(200);
    expect(callsFor(w, o.orderSn).filter((c) => c.method === 'alipay.trade.refund')).toHaveLength(1);
    expect(await lateRows(w, o.orderSn)).toHaveLength(1);
    expect(w.stack.srvs.order.counters.latePayments).toBe(counted + 1);
    expect(await stockOf(w, 8)).toBe(stockAfterCancel);
    expect(await orderRow(w, o.orderSn)).toMatchObject({ status: 'TRADE_CLOSED', trade_no: null, pay_time: null });
    expect(await outboxOf(w, o.orderSn)).toEqual([]);
  });

  it('when the same late notify arrives several times at once then every answer is success and it is recorded and refunded once', async () => {
    const w = expiry;
    const o = await placeOrder(w, 8, 1);
    await api(w.stack.app, o.token).delete(`/o/v1/orders/${o.id}`).expect(200);
    const counted = w.stack.srvs.order.counters.latePayments;
    const notify = paidNotify(o, payAtAlipay(w, o));
    const answers = await Promise.all(Array.from({ length: 6 }, () => postNotify(w, notify)));
    expect(answers.map((r) => `${r.status} ${r.text}`)).toEqual(Array(6).fill('200 success'));
    const rows = await waitFor(
      () => lateRows(w, o.orderSn),
      (r) => r[0]?.refund_state === 'refunded',
    );
    expect(rows.map((r) => r.refund_state)).toEqual(['refunded']);
    expect(w.stack.srvs.order.counters.latePayments).toBe(counted + 1);
    expect([...(w.standIn.trades.get(o.orderSn)?.refunds ?? [])]).toEqual([[`${o.orderSn}-late`, formatYuan(o.totalCents)]]);
  });

  it('when an order that expired unknown to Alipay is paid afterwards then it stays closed and the payment is refunded in full', async () => {
    const w = expiry;
    const stockBefore = await stockOf(w, 9);
    const o = await placeOrder(w, 9, 1);
    expect((await settledRow(w, o.orderSn)).status).toBe('TRADE_CLOSED');
    expect(
      await waitFor(
        () => stockOf(w, 9),
        (n) => n === stockBefore,
      ),
    ).toBe(stockBefore);
    const counted = w.stack.srvs.order.counters.latePayments;

    const trade = payAtAlipay(w, o);
    expect((await postNotify(w, paidNotify(o, trade))).text).toBe('success');
    const [late] = await waitFor(
      () => lateRows(w, o.orderSn),
      (rows) => rows[0]?.refund_state === 'refunded',
    );
    expect(late).toMatchObject({ trade_no: trade.tradeNo, amount_cents: o.totalCents, refund_state: 'refunded' });
    expect(callsFor(w, o.orderSn)).toEqual([
      { method: 'alipay.trade.query', code: '40004' },
      { method: 'alipay.trade.refund', code: '10000' },
    ]);
    expect([...trade.refunds]).toEqual([[`${o.orderSn}-late`, formatYuan(o.totalCents)]]);
    expect(await detailOf(w, o)).toMatchObject({ status: 'TRADE_CLOSED', alipay_url: null });
    expect(await stockOf(w, 9)).toBe(stockBefore);
    expect(w.stack.srvs.order.counters.latePayments).toBe(counted + 1);
  });

  it('when late payments are not refunded automatically then the payment is recorded as manual and Alipay is not asked to refund', async () => {
    const w = recon; // ALIPAY_REFUND_LATE_PAYMENTS=false
    const o = await placeOrder(w, 10, 1);
    await api(w.stack.app, o.token).delete(`/o/v1/orders/${o.id}`).expect(200);
    const stockAfterCancel = await stockOf(w, 10);
    const counted = w.stack.srvs.order.counters.latePayments;
    const trade = payAtAlipay(w, o);
    expect((await postNotify(w, paidNotify(o, trade))).text).toBe('success');
    expect((await postNotify(w, paidNotify(o, trade))).text).toBe('success');
    await sleep(300); // several relay passes
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

describe('a payment racing the timeout (expiry stack)', () => {
  it('when half of 12 orders are paid at Alipay around their expiry then each ends paid with its stock or closed with its stock back, and no money is kept for a closed order', async () => {
    const w = expiry;
    const GOODS = 11;
    const INITIAL = 50;
    await relayIdle(w);
    await w.stack.srv.inventory.SetInv({ goodsId: GOODS, num: INITIAL });
    const counted = w.stack.srvs.order.counters.latePayments;
    const orders = await Promise.all(Array.from({ length: 12 }, () => placeOrder(w, GOODS, 1)));
    // Two in three buyers reached the cashier (a trade at Alipay); the others reach it late or never.
    orders.forEach((o, i) => {
      if (i % 3 !== 2) w.standIn.createTrade(o.orderSn, formatYuan(o.totalCents));
    });

    // Even-numbered orders are paid from 250 ms before to 200 ms after their expiry; the notify follows
    // 0, 200 or 400 ms later. Alipay refuses a trade it already closed.
    const outcomes = await Promise.all(
      orders.map(async (o, i) => {
        if (i % 2 === 1) return { o, trade: undefined, answer: undefined };
        await sleepUntil(o.expireAt - 250 + i * 45);
        let trade: StandInTrade;
        try {
          trade = payAtAlipay(w, o);
        } catch {
          return { o, trade: undefined, answer: undefined };
        }
        const paidTrade = { tradeNo: trade.tradeNo, paidAt: trade.paidAt ?? Date.now() };
        await sleep(((i / 2) % 3) * 200);
        const res = await postNotify(w, paidNotify(o, paidTrade));
        return { o, trade: paidTrade, answer: `${res.status} ${res.text}` };
      }),
    );
    await relayIdle(w);

    let late = 0;
    for (const { o, trade, answer } of outcomes) {
      const row = await orderRow(w, o.orderSn);
      const lateRow = await lateRows(w, o.orderSn);
      const atAlipay = w.standIn.trades.get(o.orderSn);
      expect(['TRADE_SUCCESS', 'TRADE_CLOSED']).toContain(row.status);
      if (trade) {
        expect(answer).toBe('200 success');
        // Paid before its time was up: the timeout's query sees the payment, so it cannot be closed.
        if (trade.paidAt < o.expireAt) expect(row.status).toBe('TRADE_SUCCESS');
        if (row.status === 'TRADE_SUCCESS') {
          // Paid and kept: the money stays, nothing is refunded.
          expect(row.trade_no).toBe(trade.tradeNo);
          expect(lateRow).toEqual([]);
          expect(atAlipay).toMatchObject({ status: 'TRADE_SUCCESS', refunds: new Map() });
        } else {
          // Closed here: the whole payment went back.
          late += 1;
          expect(lateRow).toEqual([
            expect.objectContaining({ trade_no: trade.tradeNo, amount_cents: o.totalCents, refund_state: 'refunded' }),
          ]);
          expect([...(atAlipay?.refunds ?? [])]).toEqual([[`${o.orderSn}-late`, formatYuan(o.totalCents)]]);
          expect(atAlipay?.status).toBe('TRADE_CLOSED');
        }
      } else {
        // Never paid: closed here, and closed at Alipay too when Alipay had a trade.
        expect(row.status).toBe('TRADE_CLOSED');
        expect(lateRow).toEqual([]);
        if (atAlipay) expect(atAlipay.status).toBe('TRADE_CLOSED');
        expect(callsFor(w, o.orderSn).filter((c) => c.method === 'alipay.trade.refund')).toEqual([]);
      }
    }
    // Both sides of the race happened: some paid in time, some paid too late or refused by Alipay.
    const paidInTime = outcomes.filter((r) => r.trade && r.trade.paidAt < r.o.expireAt).length;
    expect(paidInTime).toBeGreaterThan(0);
    expect(paidInTime).toBeLessThan(6);
    expect(w.stack.srvs.order.counters.latePayments).toBe(counted + late);
    const kept = (await Promise.all(orders.map((o) => orderRow(w, o.orderSn)))).filter((r) => r.status === 'TRADE_SUCCESS').length;
    expect(await stockOf(w, GOODS)).toBe(INITIAL - kept);
    expect(INITIAL).toBe((await stockOf(w, GOODS)) + (await unitsHeld(w, GOODS)));
  });
});

describe('POST /o/v1/admin/reconcile (recon stack: timeout 1 h, so only reconciliation settles)', () => {
  const admin = () => recon.stack.token(1, { admin: true });
  const reconcile = (token: string | undefined, query = '?older_than_seconds=0') =>
    api(recon.stack.app, token).post(`/o/v1/admin/reconcile${query}`);

  it('when the caller has no token then 401, and when the caller is not an admin then 403; Alipay is not asked', async () => {
    const calls = recon.standIn.calls.length;
    const anonymous = await reconcile(undefined);
    expect(anonymous.status).toBe(401);
    expect(anonymous.body).toEqual({ msg: '请登录', code: 'UNAUTHENTICATED', requestId: anonymous.headers['x-request-id'] });
    const user = await reconcile(recon.stack.token(2));
    expect(user.status).toBe(403);
    expect(user.body).toEqual({ msg: '无权限', code: 'PERMISSION_DENIED', requestId: user.headers['x-request-id'] });
    expect(recon.standIn.calls.length).toBe(calls);
  });

  it.each(['?older_than_seconds=-1', '?older_than_seconds=abc', '?older_than_seconds=1.5'])(
    'when the query is %s then 400 naming the field, and Alipay is not asked',
    async (query) => {
      const calls = recon.standIn.calls.length;
      const res = await reconcile(admin(), query);
      expect(res.status).toBe(400);
      expect(res.body).toEqual({
        msg: '参数错误',
        code: 'INVALID_ARGUMENT',
        error: { older_than_seconds: expect.any(String) },
        requestId: res.headers['x-request-id'],
      });
      expect(recon.standIn.calls.length).toBe(calls);
    },
  );

  it('when an admin reconciles a mix of unpaid orders then each is asked about once and the counts say exactly what happened', async () => {
    const w = recon;
    const noUnpaid = await reconcile(admin());
    expect(noUnpaid.status).toBe(200);
    expect(noUnpaid.body).toEqual({ checked: 0, paid: 0, closed: 0, unchanged: 0, failed: 0 });

    // Created in this order (reconciliation goes by id): the first one meets the injected failure.
    const failing = await placeOrder(w, 12, 1);
    const paidNoNotify = await placeOrder(w, 12, 1);
    const waiting = await placeOrder(w, 12, 1);
    const unknown = await placeOrder(w, 12, 1);
    const expiredWaiting = await placeOrder(w, 13, 2);
    const expiredUnknown = await placeOrder(w, 14, 1);
    const alreadyPaid = await placeOrder(w, 12, 1);
    const cancelled = await placeOrder(w, 12, 1);

    const trade = payAtAlipay(w, paidNoNotify);
    w.standIn.createTrade(waiting.orderSn, formatYuan(waiting.totalCents));
    w.standIn.createTrade(expiredWaiting.orderSn, formatYuan(expiredWaiting.totalCents));
    const paidTrade = payAtAlipay(w, alreadyPaid);
    expect((await postNotify(w, paidNotify(alreadyPaid, paidTrade))).text).toBe('success');
    await api(w.stack.app, cancelled.token).delete(`/o/v1/orders/${cancelled.id}`).expect(200);
    // Two orders whose time is up (the relay would close them in an hour).
    for (const o of [expiredWaiting, expiredUnknown]) {
      await w.stack.query('order', 'UPDATE order_info SET expire_at = ? WHERE order_sn = ?', [Date.now() - 1000, o.orderSn]);
    }
    const stock13 = await stockOf(w, 13);
    const stock14 = await stockOf(w, 14);
    const stock12 = await stockOf(w, 12);
    w.standIn.failNext('alipay.trade.query', 'http500');

    const younger = await reconcile(admin(), '?older_than_seconds=3600');
    expect(younger.body).toEqual({ checked: 0, paid: 0, closed: 0, unchanged: 0, failed: 0 });
    const byDefault = await reconcile(admin(), ''); // 30 minutes
    expect(byDefault.body).toEqual({ checked: 0, paid: 0, closed: 0, unchanged: 0, failed: 0 });

    const res = await reconcile(admin());
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ checked: 6, paid: 1, closed: 2, unchanged: 2, failed: 1 });

    expect(await orderRow(w, paidNoNotify.orderSn)).toMatchObject({
      status: 'TRADE_SUCCESS',
      trade_no: trade.tradeNo,
      pay_time: Math.floor((trade.paidAt ?? 0) / 1000),
    });
    expect(await detailOf(w, paidNoNotify)).toMatchObject({ status: 'TRADE_SUCCESS', alipay_url: null });
    for (const o of [failing, waiting, unknown]) expect((await orderRow(w, o.orderSn)).status).toBe('WAIT_BUYER_PAY');
    for (const o of [expiredWaiting, expiredUnknown]) expect((await orderRow(w, o.orderSn)).status).toBe('TRADE_CLOSED');
    expect((await orderRow(w, alreadyPaid.orderSn)).status).toBe('TRADE_SUCCESS');
    expect(w.standIn.trades.get(waiting.orderSn)?.status).toBe('WAIT_BUYER_PAY'); // not expired: left open at Alipay too
    expect(w.standIn.trades.get(expiredWaiting.orderSn)?.status).toBe('TRADE_CLOSED');
    expect(callsFor(w, failing.orderSn)).toEqual([{ method: 'alipay.trade.query', code: undefined }]);
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

    // Again: only the three still unpaid are checked, and nothing fails this time.
    const again = await reconcile(admin());
    expect(again.body).toEqual({ checked: 3, paid: 0, closed: 0, unchanged: 3, failed: 0 });
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
        charset: 'utf-8',
        out_trade_no: o.orderSn,
        method: 'alipay.trade.page.pay.return',
        total_amount: formatYuan(o.totalCents),
        trade_no: tradeNo,
        auth_app_id: TEST_APP_ID,
        version: '1.0',
        app_id: TEST_APP_ID,
        seller_id: STAND_IN_SELLER_ID,
        timestamp: formatChinaTime(Date.now()),
        ...extra,
      },
      testKeys().alipay.privateKey,
    );
  }
  const getReturn = (w: World, query: Record<string, string>) =>
    request(w.stack.app).get(`/o/v1/pay/alipay/return?${new URLSearchParams(query).toString()}`);

  it('when the buyer comes back before any notify then 302 to the result page with paid=false, and paid=true once the notify recorded the payment', async () => {
    const w = page; // the default, hash-routed PAY_RESULT_URL
    const o = await placeOrder(w, 15, 1);
    const trade = payAtAlipay(w, o);
    const query = returnQuery(o, trade.tradeNo);

    const before = await getReturn(w, query);
    expect(before.status).toBe(302);
    expect(before.headers.location).toBe(`${DEFAULT_RESULT_URL}?order_sn=${o.orderSn}&paid=false`);
    expect((await orderRow(w, o.orderSn)).status).toBe('WAIT_BUYER_PAY'); // the return alone proves nothing

    expect((await postNotify(w, paidNotify(o, trade))).text).toBe('success');
    const after = await getReturn(w, query);
    expect(after.status).toBe(302);
    expect(after.headers.location).toBe(`${DEFAULT_RESULT_URL}?order_sn=${o.orderSn}&paid=true`);
  });

  it('when the result page has a query of its own then the order number and outcome are added to it', async () => {
    const w = recon;
    const o = await placeOrder(w, 16, 1);
    const trade = payAtAlipay(w, o);
    expect((await postNotify(w, paidNotify(o, trade))).text).toBe('success');
    const res = await getReturn(w, returnQuery(o, trade.tradeNo));
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe(`${CUSTOM_RESULT_URL}&order_sn=${o.orderSn}&paid=true`);
  });

  it('when the signed return names an order we do not have then 302 with paid=false', async () => {
    const res = await getReturn(page, returnQuery({ orderSn: '20990101000000000990001', totalCents: 100 }));
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
    const w = page;
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
    const w = page;
    const o = await placeOrder(w, 17, 1);
    const res = await getReturn(w, returnQuery(o, undefined, extra));
    expect(res.status).toBe(400);
    expect(res.headers.location).toBeUndefined();
    expect(res.body).toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});
