// GET /metrics on the real stack (gateway, srvs and a stand-in Alipay in this process, so one registry
// holds them all): request and call durations by template and code, and the order srv's business
// counters moving as their events happen, driven by the test clock and relay passes.
import path from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { goodsSrvSchema, parseConfig } from '../../global/config';
import { silentLogger } from '../../global/logger';
import { formatYuan } from '../../global/money';
import { createSrvClient } from '../../global/srv-conn';
import { notifyFields, STAND_IN_SELLER_ID, signAlipayNotify } from '../../src/alipay/notify-form';
import { startGoodsSrv } from '../../src/srv/goods';
import { type StandInAlipay, startStandInAlipay } from '../../src/stand-in-alipay/server';
import { createTestClock } from '../helpers/clock';
import { api } from '../helpers/http';
import { labelValues, sample } from '../helpers/metrics';
import { type Stack, startStack, TEST_APP_ID, testKeys } from '../helpers/stack';

let stack: Stack;
let standIn: StandInAlipay;
let goodsDown = false;
let nextUser = 70_000;
const TIMEOUT_MS = 1800 * 1000;
const form = { address: '苏州市姑苏区', name: '孙九', mobile: '13600136000', post: '放门口' };

beforeAll(async () => {
  const keys = testKeys();
  const clock = createTestClock();
  standIn = await startStandInAlipay({
    appPublicKey: keys.app.publicKey,
    alipayPrivateKey: keys.alipay.privateKey,
    appId: TEST_APP_ID,
    now: clock.now,
  });
  stack = await startStack({
    clock,
    gateway: { ALIPAY_GATEWAY: standIn.url, ALIPAY_SELLER_ID: STAND_IN_SELLER_ID },
    order: {
      ALIPAY_APP_ID: TEST_APP_ID,
      ALIPAY_PRIVATE_KEY: keys.app.privateKey,
      ALIPAY_PUBLIC_KEY: keys.alipay.publicKey,
      ALIPAY_GATEWAY: standIn.url,
    },
    faults: { goods: () => (goodsDown ? 'before' : undefined) },
  });
});
afterAll(async () => {
  await stack?.stop();
  await standIn?.close();
});

async function scrape(): Promise<string> {
  const res = await request(stack.app).get('/metrics').expect(200);
  expect(res.headers['content-type']).toMatch(/^text\/plain/);
  return res.text;
}

/** How much each named sample moved while `act` ran. */
async function moved(samples: Record<string, [string, Record<string, string>?]>, act: () => Promise<void>) {
  const before = await scrape();
  await act();
  const after = await scrape();
  return Object.fromEntries(
    Object.entries(samples).map(([key, [name, labels]]) => [key, sample(after, name, labels) - sample(before, name, labels)]),
  );
}

async function placeOrder(goodsId: number, key?: string) {
  const token = stack.token(nextUser++);
  await api(stack.app, token).post('/o/v1/shopcarts').send({ goods: goodsId, nums: 1 }).expect(200);
  const post = api(stack.app, token).post('/o/v1/orders');
  if (key) post.set('Idempotency-Key', key);
  const { body } = await post.send(form).expect(200);
  const [row] = await stack.query<{ total_cents: number }>('order', 'SELECT total_cents FROM order_info WHERE order_sn = ?', [
    body.order_sn,
  ]);
  return { token, id: body.id as number, orderSn: body.order_sn as string, totalCents: Number(row?.total_cents) };
}

const notify = (order: { orderSn: string; totalCents: number }, status: 'TRADE_SUCCESS' | 'TRADE_CLOSED' = 'TRADE_SUCCESS') =>
  request(stack.app)
    .post('/o/v1/pay/alipay/notify')
    .type('form')
    .send(
      new URLSearchParams(
        signAlipayNotify(
          notifyFields({ orderSn: order.orderSn, totalCents: order.totalCents, appId: TEST_APP_ID, status }),
          testKeys().alipay.privateKey,
        ),
      ).toString(),
    )
    .expect(200);

describe('request and call durations', () => {
  it('when requests are answered then http_request_duration_seconds counts them by method, route template and status, a 404 and a 5xx included, never by URL', async () => {
    const token = stack.token(nextUser++);
    const before = await scrape();
    await api(stack.app, token).get('/o/v1/orders/987654').expect(404);
    await api(stack.app, token).get('/o/v1/orders/987655').expect(404);
    await request(stack.app).get('/no/such/path/123').expect(404);
    goodsDown = true;
    try {
      await api(stack.app, token).post('/o/v1/shopcarts').send({ goods: 1, nums: 1 }).expect(503);
    } finally {
      goodsDown = false;
    }
    const after = await scrape();
    const count = (labels: Record<string, string>) =>
      sample(after, 'http_request_duration_seconds_count', labels) - sample(before, 'http_request_duration_seconds_count', labels);
    expect(count({ method: 'GET', route: '/o/v1/orders/:id', status_code: '404' })).toBe(2);
    expect(count({ method: 'GET', route: 'unmatched', status_code: '404' })).toBe(1);
    expect(count({ method: 'POST', route: '/o/v1/shopcarts', status_code: '503' })).toBe(1);
    expect(sample(after, 'http_request_duration_seconds_bucket', { route: '/o/v1/orders/:id', status_code: '404', le: '+Inf' })).toBe(
      sample(after, 'http_request_duration_seconds_count', { route: '/o/v1/orders/:id', status_code: '404' }),
    );
    const routes = labelValues(after, 'http_request_duration_seconds_count', 'route');
    expect(routes.every((r) => r === 'unmatched' || r.startsWith('/o/v1/'))).toBe(true);
    expect(after).not.toMatch(/98765|no\/such/);
  });

  it('when the gateway calls the srvs then the gRPC client and server histograms count each call by srv or service, method and code', async () => {
    const token = stack.token(nextUser++);
    const samples = {
      clientOk: ['grpc_client_duration_seconds_count', { srv: 'order', method: 'OrderList', code: 'OK' }],
      serverOk: ['grpc_server_duration_seconds_count', { service: 'proto.Order', method: 'OrderList', code: 'OK' }],
      clientMissing: ['grpc_client_duration_seconds_count', { srv: 'order', method: 'OrderDetail', code: 'NOT_FOUND' }],
      serverMissing: ['grpc_server_duration_seconds_count', { service: 'proto.Order', method: 'OrderDetail', code: 'NOT_FOUND' }],
    } satisfies Record<string, [string, Record<string, string>]>;
    const delta = await moved(samples, async () => {
      await api(stack.app, token).get('/o/v1/orders').expect(200);
      await api(stack.app, token).get('/o/v1/orders/987656').expect(404);
    });
    expect(delta).toEqual({ clientOk: 1, serverOk: 1, clientMissing: 1, serverMissing: 1 });
  });
});

describe('business counters', () => {
  const counters = {
    created: ['order_created_total'],
    replays: ['order_idempotent_replays_total'],
    outOfStock: ['order_out_of_stock_total'],
    cancelled: ['order_closed_total', { cause: 'cancel' }],
    timedOut: ['order_closed_total', { cause: 'timeout' }],
    closedByAlipay: ['order_closed_total', { cause: 'alipay' }],
    paid: ['order_payments_total', { status: 'TRADE_SUCCESS' }],
    late: ['order_late_payments_total'],
    refunded: ['order_late_payment_refunds_total'],
    stockReturned: ['order_stock_returned_total'],
    notifiesPaid: ['alipay_notifies_total', { outcome: 'paid' }],
    notifiesLate: ['alipay_notifies_total', { outcome: 'late' }],
    notifiesClosed: ['alipay_notifies_total', { outcome: 'closed' }],
    notifiesRefused: ['alipay_notifies_total', { outcome: 'refused' }],
  } satisfies Record<string, [string, Record<string, string>?]>;
  const none = Object.fromEntries(Object.keys(counters).map((k) => [k, 0]));

  it('when an order is placed, replayed under its Idempotency-Key and paid by notify then created, replays, payments and paid notifies each move by one', async () => {
    const delta = await moved(counters, async () => {
      const order = await placeOrder(3, 'metrics-key-1');
      const replay = await api(stack.app, order.token).post('/o/v1/orders').set('Idempotency-Key', 'metrics-key-1').send(form).expect(200);
      expect(replay.body.id).toBe(order.id);
      expect((await notify(order)).text).toBe('success');
    });
    expect(delta).toEqual({ ...none, created: 1, replays: 1, paid: 1, notifiesPaid: 1 });
  });

  it('when inventory has too little for an order then out-of-stock refusals move by one and nothing is created', async () => {
    const token = stack.token(nextUser++);
    await api(stack.app, token).post('/o/v1/shopcarts').send({ goods: 4, nums: 2 }).expect(200);
    await stack.srv.inventory.SetInv({ goodsId: 4, num: 1 });
    try {
      const delta = await moved(counters, async () => {
        await api(stack.app, token).post('/o/v1/orders').send(form).expect(409);
      });
      expect(delta).toEqual({ ...none, outOfStock: 1 });
    } finally {
      await stack.srv.inventory.SetInv({ goodsId: 4, num: 100 });
    }
  });

  it('when orders close by cancel, by Alipay’s TRADE_CLOSED and by timeout then each cause moves by one and each stock return is counted', async () => {
    const cancelled = await placeOrder(5);
    const closedAtAlipay = await placeOrder(6);
    const delta = await moved(counters, async () => {
      await api(stack.app, cancelled.token).delete(`/o/v1/orders/${cancelled.id}`).expect(200);
      expect((await notify(closedAtAlipay, 'TRADE_CLOSED')).text).toBe('success');
      await stack.tick(); // both closes' stock returns (they go out after the answers)
      await placeOrder(7);
      await stack.passTime(TIMEOUT_MS + 1000); // the timeout closes it; its stock goes back in the same pass
    });
    expect(delta).toEqual({ ...none, created: 1, cancelled: 1, closedByAlipay: 1, timedOut: 1, stockReturned: 3, notifiesClosed: 1 });
  });

  it('when a payment arrives for a closed order then late payments and late notifies move by one, and the refund by one after a relay pass', async () => {
    const order = await placeOrder(8);
    await api(stack.app, order.token).delete(`/o/v1/orders/${order.id}`).expect(200);
    await stack.tick(); // the stock return goes out after the answer, in the relay's order
    standIn.createTrade(order.orderSn, formatYuan(order.totalCents));
    standIn.pay(order.orderSn);
    const delta = await moved(counters, async () => {
      expect((await notify(order)).text).toBe('success');
      await stack.tick();
    });
    expect(delta).toEqual({ ...none, late: 1, notifiesLate: 1, refunded: 1 });
  });

  it('when a notify is not ours then refused notifies move by one', async () => {
    const delta = await moved(counters, async () => {
      expect((await request(stack.app).post('/o/v1/pay/alipay/notify').type('form').send('out_trade_no=1&sign=x')).text).toBe('fail');
    });
    expect(delta).toEqual({ ...none, notifiesRefused: 1 });
  });
});

describe('relay gauges', () => {
  it('when an order’s close falls due and no relay pass has run then the backlog is 1 and its age is how long it is overdue, and after a pass both are 0', async () => {
    await stack.tick();
    await placeOrder(9);
    stack.clock.advance(TIMEOUT_MS + 90_000);
    const due = await scrape();
    expect(sample(due, 'order_relay_backlog')).toBe(1);
    expect(sample(due, 'order_relay_oldest_pending_seconds')).toBe(90);
    await stack.tick();
    const delivered = await scrape();
    expect(sample(delivered, 'order_relay_backlog')).toBe(0);
    expect(sample(delivered, 'order_relay_oldest_pending_seconds')).toBe(0);
  });
});

describe('a srv’s own /metrics', () => {
  it('when a srv starts with METRICS_PORT then GET /metrics on that port answers Prometheus text with its calls and process metrics, and anything else is 404', async () => {
    const goods = await startGoodsSrv(
      parseConfig(goodsSrvSchema, { DATA_DIR: path.join(stack.dataDir, 'own-metrics'), GOODS_SRV: '127.0.0.1:0', METRICS_PORT: '0' }),
      { logger: silentLogger, seedDemo: true },
    );
    const client = createSrvClient('goods', goods.address, { deadlineMs: 2000 });
    try {
      expect(goods.metricsPort).toEqual(expect.any(Number));
      const url = `http://127.0.0.1:${goods.metricsPort}`;
      const before = sample(await (await fetch(`${url}/metrics`)).text(), 'grpc_server_duration_seconds_count', {
        service: 'Goods',
        method: 'BatchGetGoods',
        code: 'OK',
      });
      await client.api.BatchGetGoods({ id: [1] });
      const res = await fetch(`${url}/metrics`);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
      const text = await res.text();
      expect(sample(text, 'grpc_server_duration_seconds_count', { service: 'Goods', method: 'BatchGetGoods', code: 'OK' })).toBe(
        before + 1,
      );
      expect(sample(text, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
      expect((await fetch(`${url}/other`)).status).toBe(404);
    } finally {
      client.close();
      await goods.stop();
    }
  });
});
