// Over HTTP: idempotent order creation, the unpaid-order timeout, cancel, and payments racing closes,
// with the stock invariant checked: initial = left + units in unpaid and paid orders. Time is the
// stack's clock, moved by the tests, and the relay runs when a test ticks it: nothing waits for time.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inventorySrvSchema, parseConfig } from '../../global/config';
import { silentLogger } from '../../global/logger';
import { PAYMENT_OUTCOME_KEY } from '../../global/wire';
import { startInventorySrv } from '../../src/srv/inventory';
import { api } from '../helpers/http';
import { freePort } from '../helpers/process';
import { describeWhere, itWhere, type Stack, startStack, TEST_TRANSPORT, unitsHeld } from '../helpers/stack';
import { startTcpProxy } from '../helpers/tcp-proxy';
import { waitFor } from '../helpers/wait';

/** Tests of the relay's own timeout and deliveries; with TEST_TRANSPORT=broker tests/e2e/broker.test.ts has theirs. */
const relayOnly = itWhere(TEST_TRANSPORT === 'relay');

/** ORDER_TIMEOUT_SECONDS's default, the seed's 30 minutes. */
const ORDER_TIMEOUT_MS = 30 * 60 * 1000;

let stack: Stack;
let nextUser = 20_000;

beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.stop();
});

const form = { address: '广州市天河区', name: '赵六', mobile: '13600136000', post: '放门口' };
const as = (t: string) => api(stack.app, t);
const stockOf = async (goodsId: number) => (await stack.srv.inventory.InvDetail({ goodsId })).num;
const ordersOf = async (userId: number) => (await stack.srv.order.OrderList({ userId, pages: 1, pagePerNums: 100 })).data;

async function userWithCart(goods: number, nums: number) {
  const userId = nextUser++;
  const token = stack.token(userId);
  await as(token).post('/o/v1/shopcarts').send({ goods, nums }).expect(200);
  return { userId, token };
}

const held = (goodsId: number) => unitsHeld(stack.storage, goodsId);

describe('Idempotency-Key on POST /o/v1/orders', () => {
  it('when the same key and body come again then the same order is replayed with Idempotent-Replayed and stock moves once', async () => {
    await stack.srv.inventory.SetInv({ goodsId: 1, num: 30 });
    const { userId, token } = await userWithCart(1, 2);
    const first = await as(token).post('/o/v1/orders').set('Idempotency-Key', 'order-abc-1').send(form);
    expect(first.status).toBe(200);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    const again = await as(token).post('/o/v1/orders').set('Idempotency-Key', 'order-abc-1').send(form);
    expect(again.status).toBe(200);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect({ id: again.body.id, order_sn: again.body.order_sn }).toEqual({ id: first.body.id, order_sn: first.body.order_sn });
    expect(new URL(again.body.alipay_url).searchParams.get('biz_content')).toBe(
      new URL(first.body.alipay_url).searchParams.get('biz_content'),
    );
    expect(await stockOf(1)).toBe(28);
    expect(await ordersOf(userId)).toHaveLength(1);
  });

  it('when the same key comes with a different body then 422 and nothing is created', async () => {
    const { userId, token } = await userWithCart(2, 1);
    await as(token).post('/o/v1/orders').set('Idempotency-Key', 'k-422').send(form).expect(200);
    await as(token).post('/o/v1/shopcarts').send({ goods: 2, nums: 1 }).expect(200);
    const res = await as(token)
      .post('/o/v1/orders')
      .set('Idempotency-Key', 'k-422')
      .send({ ...form, post: '改了留言' });
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ code: 'UNPROCESSABLE', msg: '该幂等键已用于内容不同的请求' });
    expect(await ordersOf(userId)).toHaveLength(1);
  });

  it('when another user sends the same key then it is their own, separate order', async () => {
    const a = await userWithCart(3, 1);
    const b = await userWithCart(3, 1);
    const ra = await as(a.token).post('/o/v1/orders').set('Idempotency-Key', 'shared-key').send(form);
    const rb = await as(b.token).post('/o/v1/orders').set('Idempotency-Key', 'shared-key').send(form);
    expect([ra.status, rb.status]).toEqual([200, 200]);
    expect(rb.body.id).not.toBe(ra.body.id);
    expect(rb.headers['idempotent-replayed']).toBeUndefined();
  });

  it('when many requests with one key arrive together then exactly one order exists and every answer is it or 409 Retry-After', async () => {
    await stack.srv.inventory.SetInv({ goodsId: 4, num: 50 });
    const { userId, token } = await userWithCart(4, 3);
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => as(token).post('/o/v1/orders').set('Idempotency-Key', 'burst-1').send(form)),
    );
    const ok = answers.filter((r) => r.status === 200);
    const busy = answers.filter((r) => r.status === 409);
    expect(ok.length + busy.length).toBe(10);
    expect(ok.length).toBeGreaterThanOrEqual(1);
    expect(new Set(ok.map((r) => r.body.id)).size).toBe(1);
    for (const r of busy) expect(r.headers['retry-after']).toBe('1');
    expect(ok.filter((r) => r.headers['idempotent-replayed'] !== 'true')).toHaveLength(1);
    expect(await ordersOf(userId)).toHaveLength(1);
    expect(await stockOf(4)).toBe(47);
  });

  it.each([
    ['empty', ''],
    ['too long', 'k'.repeat(129)],
    ['with a space', 'a b'],
    ['Latin-1', 'clé-1'],
    ['with a tab', 'a\tb'],
  ])('when the key is %s then 400 and nothing is created', async (_case, key) => {
    const { userId, token } = await userWithCart(5, 1);
    const res = await as(token).post('/o/v1/orders').set('Idempotency-Key', key).send(form);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('INVALID_ARGUMENT');
    expect(await ordersOf(userId)).toHaveLength(0);
  });

  it('when a keyed request failed (out of stock) then the same key may try again and succeed', async () => {
    await stack.srv.inventory.SetInv({ goodsId: 6, num: 10 });
    const { userId, token } = await userWithCart(6, 5);
    await stack.srv.inventory.SetInv({ goodsId: 6, num: 2 });
    expect((await as(token).post('/o/v1/orders').set('Idempotency-Key', 'retry-me').send(form)).status).toBe(409);
    await stack.srv.inventory.SetInv({ goodsId: 6, num: 10 });
    const res = await as(token).post('/o/v1/orders').set('Idempotency-Key', 'retry-me').send(form);
    expect(res.status).toBe(200);
    expect(res.headers['idempotent-replayed']).toBeUndefined();
    expect(await ordersOf(userId)).toHaveLength(1);
    expect(await stockOf(6)).toBe(5);
  });
});

describe('the unpaid-order timeout', () => {
  relayOnly(
    'when an order stays unpaid for ORDER_TIMEOUT_SECONDS then it closes by itself, alipay_url goes and stock returns exactly once',
    async () => {
      await stack.srv.inventory.SetInv({ goodsId: 7, num: 20 });
      const { token } = await userWithCart(7, 4);
      const { body } = await as(token).post('/o/v1/orders').send(form).expect(200);
      expect(await stockOf(7)).toBe(16);

      await stack.passTime(ORDER_TIMEOUT_MS - 1000);
      expect((await as(token).get(`/o/v1/orders/${body.id}`)).body).toMatchObject({ status: 'paying' });
      expect(await stockOf(7)).toBe(16);

      await stack.passTime(1000);
      expect((await as(token).get(`/o/v1/orders/${body.id}`)).body).toMatchObject({ status: 'TRADE_CLOSED', alipay_url: null });
      expect(await stockOf(7)).toBe(20);
      await stack.passTime(60_000); // more relay passes change nothing
      await stack.passTime(60_000);
      expect(await stockOf(7)).toBe(20);
      expect(await stack.query('order', 'SELECT * FROM outbox WHERE order_sn = ?', [body.order_sn])).toEqual([]);
    },
  );

  it('when the payment is recorded before the timeout then the order stays paid and keeps its stock', async () => {
    await stack.srv.inventory.SetInv({ goodsId: 8, num: 20 });
    const { token } = await userWithCart(8, 2);
    const { body } = await as(token).post('/o/v1/orders').send(form).expect(200);
    await stack.srv.order.UpdateOrderStatus({ orderSn: body.order_sn, status: 'TRADE_SUCCESS', payTime: 1_800_000_000 });
    await stack.passTime(ORDER_TIMEOUT_MS);
    await stack.passTime(60_000);
    expect((await as(token).get(`/o/v1/orders/${body.id}`)).body.status).toBe('TRADE_SUCCESS');
    expect(await stockOf(8)).toBe(18);
  });

  // What the system promises when a payment and a close (a cancel, or the timeout) meet: exactly one
  // wins. A payment that wins keeps the order paid and its stock sold, and the close is refused. A close
  // that wins keeps the order closed and its stock returned, and the payment is recorded as late (to be
  // refunded), never applied. Never both, and no unit is lost. Either side may win any single race.
  it('when payments race cancels and the timeout on many orders then each ends paid or closed, never both, and no unit is lost', async () => {
    await stack.srv.inventory.SetInv({ goodsId: 9, num: 100 });
    const orders = await Promise.all(
      Array.from({ length: 20 }, async () => {
        const { token } = await userWithCart(9, 1);
        return { token, ...(await as(token).post('/o/v1/orders').send(form).expect(200)).body };
      }),
    );
    const race = async (o: (typeof orders)[number], alsoTheTimeout: boolean) => {
      let payment: string | undefined;
      const [paid, cancelled] = await Promise.allSettled([
        stack.srv.order.UpdateOrderStatus(
          { orderSn: o.order_sn, status: 'TRADE_SUCCESS', payTime: 1_800_000_000 },
          {
            onResponseMetadata: (md) => {
              payment = String(md.get(PAYMENT_OUTCOME_KEY)[0]);
            },
          },
        ),
        as(o.token).delete(`/o/v1/orders/${o.id}`),
        alsoTheTimeout ? stack.tick() : Promise.resolve(),
      ]);
      return {
        paid: paid.status === 'fulfilled' ? payment : 'refused',
        cancel: cancelled.status === 'fulfilled' ? cancelled.value.status : 0,
      };
    };
    // Half race a cancel; then every order is past its time, and the other half race a cancel and the relay.
    const first = await Promise.all(orders.slice(0, 10).map((o) => race(o, false)));
    stack.clock.advance(ORDER_TIMEOUT_MS);
    const second = await Promise.all(orders.slice(10).map((o) => race(o, true)));
    await stack.tick();

    const outcomes = [...first, ...second];
    const late = await stack.query<{ order_sn: string }>('order', 'SELECT order_sn FROM late_payment');
    const lateSns = new Set(late.map((r) => r.order_sn));
    for (const [i, o] of orders.entries()) {
      const { status } = (await as(o.token).get(`/o/v1/orders/${o.id}`)).body;
      const { paid, cancel } = outcomes[i]!;
      if (status === 'TRADE_SUCCESS') {
        expect({ paid, cancelled: cancel === 200, late: lateSns.has(o.order_sn) }).toEqual({ paid: 'paid', cancelled: false, late: false });
      } else {
        expect(status).toBe('TRADE_CLOSED');
        expect({ paid, late: lateSns.has(o.order_sn) }).toEqual({ paid: 'late', late: true });
        if (i < 10) expect(cancel).toBe(200); // only the cancel could close the first half
      }
    }
    const paidCount = outcomes.filter((x) => x.paid === 'paid').length;
    expect(await stockOf(9)).toBe(100 - paidCount);
    expect((await stockOf(9)) + (await held(9))).toBe(100);
    const sns = orders.map((o) => o.order_sn);
    expect(await stack.query('order', `SELECT * FROM outbox WHERE order_sn IN (${sns.map(() => '?').join(',')})`, sns)).toEqual([]);
  });
});

// The relay's own redelivery; with TEST_TRANSPORT=broker tests/e2e/broker.test.ts cancels with inventory away.
describeWhere(TEST_TRANSPORT === 'relay')('cancel when inventory is away', () => {
  it('when inventory is down at cancel time then the order closes now and the stock comes back once inventory returns', async () => {
    await stack.srv.inventory.SetInv({ goodsId: 10, num: 7 });
    const { token } = await userWithCart(10, 2);
    const order = (await as(token).post('/o/v1/orders').send(form).expect(200)).body;
    expect(await stockOf(10)).toBe(5);

    await stack.srvs.inventory.stop();
    const res = await as(token).delete(`/o/v1/orders/${order.id}`);
    expect(res.status).toBe(200);
    expect((await as(token).get(`/o/v1/orders/${order.id}`)).body.status).toBe('TRADE_CLOSED');
    const pending = await stack.query<{ topic: string }>('order', 'SELECT topic FROM outbox WHERE order_sn = ?', [order.order_sn]);
    expect(pending).toEqual([{ topic: 'stock.reback' }]);
    await stack.passTime(60_000); // the relay tries again, and inventory is still away
    expect(await stack.query('order', 'SELECT topic FROM outbox WHERE order_sn = ?', [order.order_sn])).toEqual(pending);

    stack.srvs.inventory = await startInventorySrv(
      parseConfig(inventorySrvSchema, { ...stack.storage, INVENTORY_SRV: stack.targets.inventory, LOG_LEVEL: 'silent' }),
      { logger: silentLogger },
    );
    // The order srv's channel reconnects on its own schedule (real time); each reading is one more minute of backoff.
    const back = await waitFor(
      async () => {
        await stack.passTime(60_000);
        return stockOf(10);
      },
      (n) => n === 7,
      15_000,
    );
    expect(back).toBe(7);
    expect(await stack.query('order', 'SELECT * FROM outbox WHERE order_sn = ?', [order.order_sn])).toEqual([]);
  }, 30_000);
});

describe('cancel when inventory hangs', () => {
  it('when the only inventory srv hangs then a cancel answers 200 at once and the stock comes back once it answers again', async () => {
    // The order srv dials inventory through a proxy that can freeze; the gateway reads stock directly.
    const inventoryAddress = `127.0.0.1:${await freePort()}`;
    const proxy = await startTcpProxy(inventoryAddress);
    const own = await startStack({ srvs: { INVENTORY_SRV: inventoryAddress }, order: { INVENTORY_SRV: proxy.address } });
    try {
      await own.srv.inventory.SetInv({ goodsId: 11, num: 9 });
      const token = own.token(nextUser++);
      await api(own.app, token).post('/o/v1/shopcarts').send({ goods: 11, nums: 3 }).expect(200);
      const order = (await api(own.app, token).post('/o/v1/orders').send(form).expect(200)).body;
      proxy.freeze();

      const started = Date.now();
      const res = await api(own.app, token).delete(`/o/v1/orders/${order.id}`);
      expect(res.status).toBe(200);
      // Well inside the 2 s deadline a Reback would have waited out (and then answered 504).
      expect(Date.now() - started).toBeLessThan(1500);
      expect((await own.srv.inventory.InvDetail({ goodsId: 11 })).num).toBe(6);

      proxy.thaw();
      const back = await waitFor(
        async () => {
          await own.passTime(60_000);
          return (await own.srv.inventory.InvDetail({ goodsId: 11 })).num;
        },
        (n) => n === 9,
        15_000,
      );
      expect(back).toBe(9);
    } finally {
      await own.stop();
      await proxy.close();
    }
  }, 30_000);
});
