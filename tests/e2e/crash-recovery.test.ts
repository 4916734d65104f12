// The order srv as a real child process, killed with SIGKILL at each step of CreateOrder and of the
// relay, then started again on the same store. After recovery the invariant holds:
//   initial stock = stock left + units in unpaid and paid orders,
// no attempt or outbox row is left behind, and a retry with the same Idempotency-Key is consistent.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { goodsSrvSchema, inventorySrvSchema, parseConfig } from '../../global/config';
import { silentLogger } from '../../global/logger';
import { signToken } from '../../middlewares/auth';
import { startGoodsSrv } from '../../src/srv/goods';
import { startInventorySrv } from '../../src/srv/inventory';
import type { CrashPoint } from '../../src/srv/order/faults';
import type { RunningSrv } from '../../src/srv/running-srv';
import { startTestBroker, type TestBroker } from '../helpers/broker';
import { createTestStore, type TestStore } from '../helpers/grpc';
import { api } from '../helpers/http';
import { ensureBuilt, freePort, type MainProcess, startMain } from '../helpers/process';
import {
  buildGateway,
  type Gateway,
  itWhere,
  queryStore,
  TEST_JWT_KEY,
  TEST_STORE,
  TEST_TRANSPORT,
  UNUSED_TARGET,
  unitsHeld,
} from '../helpers/stack';

const GOODS = 5;
const INITIAL = 40;
const form = { address: '成都市武侯区', name: '孙七', mobile: '13500135000', post: '工作日送' };

let store: TestStore;
let goods: RunningSrv;
let inventory: RunningSrv;
let gateway: Gateway;
let orderAddress: string;
let order: MainProcess | undefined;
let nextUser = 70_000;
/** With TEST_TRANSPORT=broker: stock returns go through RabbitMQ to the inventory srv. */
let broker: TestBroker | undefined;
const brokerEnv = () => broker?.env ?? {};
/** The relay's own expiry (by available_at) and Reback; with a broker they are the delayed message and the consumer. */
const relayOnly = itWhere(TEST_TRANSPORT === 'relay');
const brokerOnly = itWhere(TEST_TRANSPORT === 'broker');

beforeAll(async () => {
  ensureBuilt();
  const created = await createTestStore(TEST_STORE, 'crash');
  if ('skipped' in created) throw new Error(created.skipped);
  store = created;
  if (TEST_TRANSPORT === 'broker') broker = await startTestBroker('crash', [3600]); // ORDER_TIMEOUT_SECONDS below
  goods = await startGoodsSrv(parseConfig(goodsSrvSchema, { ...store.env, GOODS_SRV: '127.0.0.1:0' }), {
    logger: silentLogger,
    seedDemo: true,
  });
  inventory = await startInventorySrv(parseConfig(inventorySrvSchema, { ...store.env, ...brokerEnv(), INVENTORY_SRV: '127.0.0.1:0' }), {
    logger: silentLogger,
    seedDemo: true,
  });
  orderAddress = `127.0.0.1:${await freePort()}`;
  gateway = freshGateway();
  await gateway.srv.inventory.SetInv({ goodsId: GOODS, num: INITIAL });
  await startOrder(); // creates the order store's schema
});

afterAll(async () => {
  if (order && order.child.exitCode === null) order.child.kill('SIGKILL');
  gateway?.close();
  await Promise.all([goods?.stop(), inventory?.stop()]);
  await broker?.cleanup();
  await store?.cleanup();
});

const RELAY_POINTS: readonly CrashPoint[] = ['attempt-recovering', 'order-closed', 'stock-returned'];

/** (Re)starts the order srv process on the same address and store, optionally set to crash at a step. */
async function stopOrder(): Promise<void> {
  if (order && order.child.exitCode === null) {
    order.child.kill('SIGTERM');
    await order.exited;
  }
}

async function startOrder(crashAt?: CrashPoint): Promise<MainProcess> {
  await stopOrder();
  order = startMain('src/srv/order/main.js', {
    ...store.env,
    ...brokerEnv(),
    LOG_LEVEL: 'info',
    ORDER_SRV: orderAddress,
    GOODS_SRV: goods.address,
    INVENTORY_SRV: inventory.address,
    GRPC_DEADLINE_MS: '2000',
    RELAY_INTERVAL_MS: '50',
    // Nothing falls due by itself while a request is in flight, however slow the machine: the test
    // makes an abandoned attempt, a lapsed lease or an expiry due itself (dueNow below).
    RELAY_LEASE_SECONDS: '3600',
    ATTEMPT_RECOVER_SECONDS: '3600',
    ORDER_TIMEOUT_SECONDS: '3600',
    ...(crashAt ? { ORDER_SRV_CRASH_AT: crashAt } : {}),
  });
  const listening = order.waitForLog((l) => l.msg === 'order srv listening');
  if (crashAt && RELAY_POINTS.includes(crashAt)) {
    // It is about to die on its own, maybe before its buffered log reaches us (lines wait up to LOG_FLUSH_MS).
    listening.catch(() => undefined);
    await Promise.race([listening, order.exited]);
    return order;
  }
  await listening;
  // A new gateway, whose channel is not backing off from the last crash; then wait until it is through.
  gateway.close();
  gateway = freshGateway();
  const until = Date.now() + 10_000;
  while (
    !(await gateway.srv.order.CartItemList({ id: 1 }).then(
      () => true,
      () => Date.now() > until,
    ))
  ) {
    await new Promise((r) => setTimeout(r, 50));
  }
  return order;
}

function freshGateway(): Gateway {
  return buildGateway(
    { goods: goods.address, inventory: inventory.address, order: orderAddress, userop: UNUSED_TARGET },
    { GRPC_DEADLINE_MS: '3000' },
  );
}

async function killedBySelf(p: MainProcess): Promise<void> {
  expect(await p.exited).toEqual({ code: null, signal: 'SIGKILL' });
}

async function newUserWithCart(nums: number) {
  const userId = nextUser++;
  const token = signToken(TEST_JWT_KEY, { userId });
  await api(gateway.app, token).post('/o/v1/shopcarts').send({ goods: GOODS, nums }).expect(200);
  return { userId, token };
}

const sql = <Row = Record<string, unknown>>(text: string, params: unknown[] = []) => queryStore<Row>(store.env, 'order', text, params);

interface Books {
  stockLeft: number;
  unitsHeld: number;
  attempts: number;
  outbox: number;
}

async function books(): Promise<Books> {
  const [{ num }, held, attempts, outbox] = await Promise.all([
    gateway.srv.inventory.InvDetail({ goodsId: GOODS }),
    unitsHeld(store.env, GOODS),
    sql<{ n: number | string }>('SELECT COUNT(*) AS n FROM order_attempt'),
    sql<{ n: number | string }>('SELECT COUNT(*) AS n FROM outbox WHERE topic = ?', ['stock.reback']),
  ]);
  return { stockLeft: num, unitsHeld: held, attempts: Number(attempts[0]?.n), outbox: Number(outbox[0]?.n) };
}

/**
 * What time would do, in the order store: abandoned attempts and pending stock returns fall due and
 * every lease lapses (a crashed relay's claim included). The running relay (a child process with its
 * own clock) picks them up on its next pass.
 */
async function dueNow(): Promise<void> {
  await sql('UPDATE order_attempt SET recover_at = 0, lease_until = NULL');
  await sql("UPDATE outbox SET available_at = 0, lease_until = NULL WHERE topic <> 'order.close'");
}

/** Makes recovery due, then waits until it has run: nothing pending, and the invariant holds. */
async function settled(): Promise<Books> {
  await dueNow();
  const until = Date.now() + 30_000;
  for (;;) {
    const b = await books().catch(() => undefined);
    if (b && b.attempts === 0 && b.outbox === 0 && b.stockLeft + b.unitsHeld === INITIAL) return b;
    if (Date.now() > until) return b ?? (await books());
    await new Promise((r) => setTimeout(r, 100));
  }
}

// Each test starts the order srv two or three times as a process; on a busy machine that takes a while.
describe(`SIGKILL during CreateOrder (${TEST_STORE})`, { timeout: 90_000 }, () => {
  it.each([
    ['attempt-claimed', false],
    ['stock-sold', false],
    ['order-written', false],
    ['order-committed', true],
  ] as const)(
    'when the order srv dies at %s then after restart a retry with the same key succeeds at once, and no unit is lost',
    async (point, orderSurvives) => {
      const before = await settled();
      const crashing = await startOrder(point);
      const { userId, token } = await newUserWithCart(3);
      const key = `crash-${point}`;
      const res = await api(gateway.app, token).post('/o/v1/orders').set('Idempotency-Key', key).send(form);
      expect([503, 504]).toContain(res.status);
      await killedBySelf(crashing);

      await startOrder();
      const orders = await sql<{ order_sn: string }>('SELECT order_sn FROM order_info WHERE user_id = ?', [userId]);
      expect(orders).toHaveLength(orderSurvives ? 1 : 0);

      // The client retries with the same key at once, before any recovery has run: the surviving order
      // is replayed, else the dead request's attempt is superseded and the order is created now.
      const retry = await api(gateway.app, token).post('/o/v1/orders').set('Idempotency-Key', key).send(form);
      expect(retry.status).toBe(200);
      expect(retry.headers['idempotent-replayed']).toBe(orderSurvives ? 'true' : undefined);
      const final = await settled();
      expect(final.stockLeft + final.unitsHeld).toBe(INITIAL);
      expect(final.attempts).toBe(0);
      expect(final.stockLeft).toBe(before.stockLeft - 3);
      expect(await sql('SELECT id FROM order_info WHERE user_id = ?', [userId])).toHaveLength(1);
    },
  );
});

describe(`SIGKILL in the relay (${TEST_STORE})`, { timeout: 90_000 }, () => {
  it('when the relay dies while recovering a superseded attempt then the user checks out meanwhile and the next start finishes the recovery once', async () => {
    const before = await settled();
    const crashing = await startOrder('stock-sold');
    const { token, userId } = await newUserWithCart(2);
    await api(gateway.app, token).post('/o/v1/orders').send(form);
    await killedBySelf(crashing);
    await dueNow();
    const recovering = await startOrder('attempt-recovering');
    await killedBySelf(recovering);
    expect((await books()).stockLeft).toBe(before.stockLeft - 2); // sold, not yet given back

    // Restarted, with the dead relay's lease still on the attempt: the user's cart is free all the same.
    await startOrder();
    await api(gateway.app, token).post('/o/v1/orders').send(form).expect(200);
    const after = await settled();
    expect(after.stockLeft).toBe(before.stockLeft - 2);
    expect(after.stockLeft + after.unitsHeld).toBe(INITIAL);
    expect(await sql('SELECT id FROM order_info WHERE user_id = ?', [userId])).toHaveLength(1);
  });

  relayOnly('when the relay dies right after closing an expired order then the stock still comes back, once', async () => {
    await startOrder();
    const before = await settled();
    const { token } = await newUserWithCart(4);
    const { body } = await api(gateway.app, token).post('/o/v1/orders').send(form).expect(200);
    expect((await books()).stockLeft).toBe(before.stockLeft - 4);
    await stopOrder(); // so that only the crashing relay below sees the expiry
    await sql('UPDATE outbox SET available_at = 0 WHERE order_sn = ?', [body.order_sn]); // expire it now

    const crashing = await startOrder('order-closed');
    await killedBySelf(crashing);
    const status = await sql<{ status: string }>('SELECT status FROM order_info WHERE order_sn = ?', [body.order_sn]);
    expect(status).toEqual([{ status: 'TRADE_CLOSED' }]);

    await startOrder();
    const after = await settled();
    expect(after.stockLeft).toBe(before.stockLeft);
  });

  relayOnly('when the relay dies after Reback but before removing its message then redelivery changes nothing', async () => {
    await startOrder();
    const before = await settled();
    const { token } = await newUserWithCart(5);
    const { body } = await api(gateway.app, token).post('/o/v1/orders').send(form).expect(200);
    await stopOrder();
    await sql('UPDATE outbox SET available_at = 0 WHERE order_sn = ?', [body.order_sn]);

    const crashing = await startOrder('stock-returned');
    await killedBySelf(crashing);
    expect((await books()).stockLeft).toBe(before.stockLeft); // given back once already
    await startOrder();
    const after = await settled();
    expect(after.stockLeft).toBe(before.stockLeft);
    expect(after.outbox).toBe(0);
  });

  brokerOnly(
    'when the relay dies after the broker confirmed a stock return but before removing its message then publishing it again changes nothing',
    async () => {
      await startOrder();
      const before = await settled();
      const { token } = await newUserWithCart(5);
      const { body } = await api(gateway.app, token).post('/o/v1/orders').send(form).expect(200);
      const crashing = await startOrder('stock-returned');
      gateway.close();
      gateway = freshGateway();
      // The cancel answers once its close commits; the stock return is published after, and the srv dies on its confirm.
      await api(gateway.app, token).delete(`/o/v1/orders/${body.id}`);
      await killedBySelf(crashing);
      expect(await sql("SELECT topic FROM outbox WHERE topic = 'stock.reback'")).toHaveLength(1);

      await startOrder();
      const after = await settled();
      expect(after.stockLeft).toBe(before.stockLeft);
      expect(after.outbox).toBe(0);
      const applied = await queryStore(store.env, 'inventory', 'SELECT order_sn FROM inventory_message WHERE order_sn = ?', [
        body.order_sn,
      ]);
      expect(applied).toHaveLength(1);
    },
  );
});
