// Reliable messages on the machine's real RabbitMQ (CONTRACT §7), each test on its own prefix whose
// queues and exchanges it deletes afterwards: a cancel never waits for inventory, the delayed timeout
// closes an unpaid order and leaves a paid one alone, a cut broker loses and duplicates nothing, a
// consumer SIGKILLed between its commit and its ack returns nothing twice, and a poison message is
// dead-lettered without blocking the queue. Skipped, saying why, when no broker answers.
import { register } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { inventorySrvSchema, parseConfig } from '../../global/config';
import { silentLogger } from '../../global/logger';
import { startInventorySrv } from '../../src/srv/inventory';
import type { RunningSrv } from '../../src/srv/running-srv';
import { brokerUnreachable, startTestBroker, TEST_BROKER_URL, type TestBroker } from '../helpers/broker';
import { api } from '../helpers/http';
import { ensureBuilt, startMain } from '../helpers/process';
import { itWhere, publishAll, type Stack, type StackOptions, startStack, TEST_STORE } from '../helpers/stack';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy';
import { waitFor } from '../helpers/wait';

const form = { address: '杭州市西湖区', name: '周八', mobile: '13600136000', post: '放门口' };

/** What one test made, undone afterwards whatever happened. */
let cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const undo of cleanups.reverse()) await undo().catch(() => undefined);
  cleanups = [];
});

async function brokerFor(label: string, delaySeconds: number[] = []): Promise<TestBroker> {
  const broker = await startTestBroker(label, delaySeconds);
  cleanups.push(() => broker.cleanup());
  return broker;
}

/** Publishes everything the outbox holds (the srv may still be connecting to the broker). */
const publish = (stack: Stack) => publishAll(stack.tick, stack.storage);

async function stackOn(broker: TestBroker, options: StackOptions = {}): Promise<Stack> {
  const stack = await startStack({ ...options, srvs: { ...broker.env, ...options.srvs } });
  cleanups.push(() => stack.stop());
  return stack;
}

/** A stock.return consumer on the stack's store, as another inventory srv of the fleet would be. */
async function inventoryOn(stack: Stack, broker: TestBroker, env: Record<string, string> = {}): Promise<RunningSrv> {
  const srv = await startInventorySrv(
    parseConfig(inventorySrvSchema, { ...stack.storage, ...broker.env, INVENTORY_SRV: '127.0.0.1:0', ...env }),
    {
      logger: silentLogger,
    },
  );
  cleanups.push(() => srv.stop());
  return srv;
}

/** A counter's value for one queue or route of this test's prefix (labels carry the prefix, so tests never mix). */
async function counter(name: string, label: 'queue' | 'route', value: string): Promise<number> {
  const metric = register.getSingleMetric(name);
  const values = metric ? (await metric.get()).values : [];
  return values.filter((v) => v.labels[label] === value).reduce((sum, v) => sum + v.value, 0);
}

let nextUser = 300_000;

/** A user with `nums` of `goods` in the cart, and the order placed from it. */
async function placeOrder(stack: Stack, goods: number, nums: number) {
  const token = stack.token(nextUser++);
  await api(stack.app, token).post('/o/v1/shopcarts').send({ goods, nums }).expect(200);
  const res = await api(stack.app, token).post('/o/v1/orders').send(form).expect(200);
  return { token, id: res.body.id as number, orderSn: res.body.order_sn as string };
}

const stockIn = async (stack: Stack, goods: number) =>
  Number((await stack.query<{ stocks: number }>('inventory', 'SELECT stocks FROM inventory WHERE goods_id = ?', [goods]))[0]?.stocks);
const statusOf = async (stack: Stack, orderSn: string) =>
  (await stack.query<{ status: string }>('order', 'SELECT status FROM order_info WHERE order_sn = ?', [orderSn]))[0]?.status;
const outboxSize = async (stack: Stack) => Number((await stack.query<{ n: number }>('order', 'SELECT COUNT(*) AS n FROM outbox'))[0]?.n);

// Probed while collecting, so that without a broker the skipped suite's name says why.
describe(`reliable messages on RabbitMQ (${TEST_STORE})`, async () => {
  const unreachable = await brokerUnreachable();
  if (unreachable) {
    it.skip(`when RabbitMQ is not reachable then these tests are skipped: ${unreachable}`, () => {});
    return;
  }

  it('when every inventory srv is stopped then a cancel still answers 200, its stock return waits in the queue, and the stock comes back once one starts', async () => {
    const broker = await brokerFor('cancel');
    const stack = await stackOn(broker);
    await stack.srv.inventory.SetInv({ goodsId: 3, num: 10 });
    const order = await placeOrder(stack, 3, 4);
    await publish(stack); // publishes the order's timeout and its order.created event
    await stack.srvs.inventory.stop();

    const res = await api(stack.app, order.token).delete(`/o/v1/orders/${order.id}`);
    expect(res.status).toBe(200);
    await publish(stack);
    expect(await outboxSize(stack)).toBe(0); // confirmed by the broker, so gone from the outbox
    expect(await broker.depth('stockReturn')).toBe(1);
    expect(await stockIn(stack, 3)).toBe(6);
    const closed = await broker.waitForEvent((e) => e.route === 'order.closed');
    expect(closed.body).toMatchObject({ order_sn: order.orderSn, cause: 'user' });
    const returned = broker.events.find((e) => e.route === 'stock.return');
    expect(returned?.body).toEqual({ order_sn: order.orderSn, items: [{ goods: 3, nums: 4 }], cause: 'user' });

    await inventoryOn(stack, broker);
    expect(
      await waitFor(
        () => stockIn(stack, 3),
        (n) => n === 10,
      ),
    ).toBe(10);
    expect(await stack.query('inventory', 'SELECT message_id, order_sn FROM inventory_message')).toEqual([
      { message_id: returned?.messageId, order_sn: order.orderSn },
    ]);
  });

  it('when an unpaid order’s delayed timeout arrives then it closes and its stock returns; the events say created then closed', async () => {
    const broker = await brokerFor('timeout', [1]);
    const stack = await stackOn(broker, { order: { ORDER_TIMEOUT_SECONDS: '1' } });
    await stack.srv.inventory.SetInv({ goodsId: 4, num: 10 });
    const order = await placeOrder(stack, 4, 3);
    await publish(stack); // into the 1 s delay queue

    const closed = await broker.waitForEvent((e) => e.route === 'order.closed' && e.body.order_sn === order.orderSn);
    expect(closed.body).toMatchObject({ cause: 'timeout', user: expect.any(Number), at: expect.any(String) });
    expect(await statusOf(stack, order.orderSn)).toBe('TRADE_CLOSED');
    expect(
      await waitFor(
        () => stockIn(stack, 4),
        (n) => n === 10,
      ),
    ).toBe(10);
    const created = broker.events.find((e) => e.route === 'order.created');
    expect(created?.body).toMatchObject({ order_sn: order.orderSn, items: [{ goods: 4, nums: 3, price: expect.any(Number) }] });
    expect(broker.events.map((e) => e.route)).toEqual(['order.created', 'order.timeout', 'stock.return', 'order.closed']);
  });

  it('when a paid order’s delayed timeout arrives then it is acked and nothing changes', async () => {
    const broker = await brokerFor('paid', [1]);
    const stack = await stackOn(broker, { order: { ORDER_TIMEOUT_SECONDS: '1' } });
    await stack.srv.inventory.SetInv({ goodsId: 5, num: 10 });
    const order = await placeOrder(stack, 5, 2);
    await publish(stack);
    await stack.srv.order.UpdateOrderStatus({ orderSn: order.orderSn, status: 'TRADE_SUCCESS', tradeNo: 'T-1', payTime: 1_700_000_000 });
    await publish(stack);
    const paid = await broker.waitForEvent((e) => e.route === 'order.paid');
    expect(paid.body).toMatchObject({ order_sn: order.orderSn, trade_no: 'T-1' });

    const queue = `${broker.prefix}.order-timeout`;
    expect(
      await waitFor(
        () => counter('broker_consumed_total', 'queue', queue),
        (n) => n === 1,
      ),
    ).toBe(1);
    await publish(stack);
    expect(await statusOf(stack, order.orderSn)).toBe('TRADE_SUCCESS');
    expect(await stockIn(stack, 5)).toBe(8);
    expect(broker.events.map((e) => e.route).sort()).toEqual(['order.created', 'order.paid', 'order.timeout']);
  });

  // Several inventory srvs in this one process cannot share one SQLite file (a busy wait would block the very thread
  // the lock holder needs); a fleet shares MySQL/MariaDB, as in production.
  itWhere(TEST_STORE === 'mariadb')(
    'when three inventory srvs compete for the stock returns of many cancels then each order’s stock comes back exactly once',
    async () => {
      const broker = await brokerFor('fleet');
      const stack = await stackOn(broker);
      await Promise.all([inventoryOn(stack, broker), inventoryOn(stack, broker)]);
      await stack.srv.inventory.SetInv({ goodsId: 9, num: 50 });
      const orders = [];
      for (let i = 0; i < 12; i++) orders.push(await placeOrder(stack, 9, 2));
      expect(await stockIn(stack, 9)).toBe(26);
      const answers = await Promise.all(orders.map((o) => api(stack.app, o.token).delete(`/o/v1/orders/${o.id}`)));
      expect(answers.map((r) => r.status)).toEqual(Array(12).fill(200));
      await publish(stack);

      expect(
        await waitFor(
          () => stockIn(stack, 9),
          (n) => n === 50,
          15_000,
        ),
      ).toBe(50);
      const applied = await stack.query<{ n: number }>('inventory', 'SELECT COUNT(*) AS n FROM inventory_message');
      expect(Number(applied[0]?.n)).toBe(12);
      expect(await counter('broker_consumed_total', 'queue', `${broker.prefix}.stock-return`)).toBe(12);
    },
  );

  it('when the broker is cut then checkouts and cancels still succeed, and once it is back every message goes out once, oldest first', async () => {
    const broker = await brokerFor('cut');
    const proxy: TcpProxy = await startTcpProxy(new URL(TEST_BROKER_URL).host);
    cleanups.push(() => proxy.close());
    const viaProxy = TEST_BROKER_URL.replace(new URL(TEST_BROKER_URL).host, proxy.address);
    const stack = await stackOn(broker, { order: { MESSAGE_BROKER_URL: viaProxy } });
    await stack.srv.inventory.SetInv({ goodsId: 6, num: 20 });
    proxy.cut();

    const orders = [];
    for (let i = 0; i < 4; i++) orders.push(await placeOrder(stack, 6, 1));
    for (const o of orders.slice(0, 2)) expect((await api(stack.app, o.token).delete(`/o/v1/orders/${o.id}`)).status).toBe(200);
    await stack.tick(); // nothing goes out: the broker is cut
    expect(broker.events).toEqual([]);
    const waiting = await stack.query<{ id: number; topic: string }>('order', 'SELECT id, topic FROM outbox ORDER BY id');
    // 4 × created, 2 × (stock return, closed), and the timeouts of the 2 still unpaid (a close drops its own)
    expect(waiting).toHaveLength(4 + 2 * 2 + 2);
    expect(await stockIn(stack, 6)).toBe(16);

    proxy.heal();
    await publishAll(stack.tick, stack.storage, 20_000); // once the client has reconnected
    expect(await outboxSize(stack)).toBe(0);
    const sent = waiting.filter((m) => m.topic !== 'order.close').map((m) => String(m.id));
    await waitFor(
      async () => broker.events.length,
      (n) => n >= sent.length,
    );
    const ids = broker.events.map((e) => e.messageId);
    expect(ids).toEqual(sent); // each once, in the order they were written
    expect(
      await waitFor(
        () => stockIn(stack, 6),
        (n) => n === 18,
      ),
    ).toBe(18);
    expect(await broker.depth(`${broker.prefix}.order-timeout.delay.1800s`)).toBe(2);
  });

  it('when an inventory srv is SIGKILLed between its commit and its ack then the redelivered message returns nothing twice', async () => {
    ensureBuilt();
    const broker = await brokerFor('kill');
    const stack = await stackOn(broker);
    await stack.srv.inventory.SetInv({ goodsId: 7, num: 10 });
    const order = await placeOrder(stack, 7, 5);
    await stack.srvs.inventory.stop();
    const dying = startMain('src/srv/inventory/main.js', {
      ...stack.storage,
      ...broker.env,
      LOG_LEVEL: 'info',
      INVENTORY_SRV: '127.0.0.1:0',
      INVENTORY_SRV_CRASH_AT: 'stock-return-committed',
    });
    cleanups.push(async () => dying.child.exitCode === null && dying.child.kill('SIGKILL'));
    await dying.waitForLog((l) => l.msg === 'message broker connected');

    expect((await api(stack.app, order.token).delete(`/o/v1/orders/${order.id}`)).status).toBe(200);
    await publish(stack);
    expect(await dying.exited).toEqual({ code: null, signal: 'SIGKILL' });
    expect(await stockIn(stack, 7)).toBe(10); // committed before it died

    const queue = `${broker.prefix}.stock-return`;
    await inventoryOn(stack, broker);
    expect(
      await waitFor(
        () => counter('broker_consumed_total', 'queue', queue),
        (n) => n === 1,
      ),
    ).toBe(1);
    expect(await counter('broker_redelivered_total', 'queue', queue)).toBe(1);
    expect(await stockIn(stack, 7)).toBe(10);
    expect(await broker.depth('stockReturn')).toBe(0);
  });

  it('when a message cannot be handled then it is retried MESSAGE_MAX_ATTEMPTS times, dead-lettered and counted, and the messages behind it still go through', async () => {
    const broker = await brokerFor('poison');
    const stack = await stackOn(broker, { srvs: { MESSAGE_MAX_ATTEMPTS: '3' } });
    await stack.srv.inventory.SetInv({ goodsId: 8, num: 10 });
    const order = await placeOrder(stack, 8, 2);
    await broker.sendRaw('stockReturn', '{"not":"a stock return"}', 'poison-1');
    expect((await api(stack.app, order.token).delete(`/o/v1/orders/${order.id}`)).status).toBe(200);
    await publish(stack); // its stock return queues up behind the poison message

    const queue = `${broker.prefix}.stock-return`;
    expect(
      await waitFor(
        () => stockIn(stack, 8),
        (n) => n === 10,
      ),
    ).toBe(10);
    expect(
      await waitFor(
        () => broker.depth('dead'),
        (n) => n === 1,
        15_000,
      ),
    ).toBe(1);
    expect(await counter('broker_dead_lettered_total', 'queue', queue)).toBe(1);
    expect(await counter('broker_retried_total', 'queue', queue)).toBe(2);
    expect(await broker.depth('stockReturn')).toBe(0);
  });
});
