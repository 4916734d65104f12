// More than one of each. Two order srvs and two inventory srvs share ONE MariaDB database
// behind one gateway (round-robin gRPC targets over both of each). Shows no oversell under a concurrent
// rush, and that every outbox message (timeout close, stock return) is handled by exactly one relay.
import { type Connection, createConnection } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Env, goodsSrvSchema, inventorySrvSchema, orderSrvSchema, parseConfig } from '../../global/config';
import { silentLogger } from '../../global/logger';
import { signToken } from '../../middlewares/auth';
import { startGoodsSrv } from '../../src/srv/goods';
import { startInventorySrv } from '../../src/srv/inventory';
import { type RunningOrderSrv, startOrderSrv } from '../../src/srv/order';
import type { RunningSrv } from '../../src/srv/running-srv';
import { createTestClock } from '../helpers/clock';
import { createTestStore, type TestStore } from '../helpers/grpc';
import { api } from '../helpers/http';
import { buildGateway, type Gateway, TEST_JWT_KEY, UNUSED_TARGET } from '../helpers/stack';
import { watchLowest } from '../helpers/wait';

const GOODS = 3;
const STOCK = 25;
const USERS = 40;
const ORDER_SN_NODES = [101, 202] as const;
const form = { address: '杭州市西湖区', name: '钱八', mobile: '13700137000', post: '送到前台' };
/** ORDER_TIMEOUT_SECONDS's default. */
const ORDER_TIMEOUT_MS = 30 * 60 * 1000;
const clock = createTestClock();

let store: TestStore | undefined;
let goods: RunningSrv | undefined;
const inventories: RunningSrv[] = [];
const orders: RunningOrderSrv[] = [];
let gateway: Gateway | undefined;
let sql: Connection | undefined;
/** RPCs each inventory srv answered, counted through its failure-injection seam (which injects nothing here). */
const inventoryCalls: Array<Record<string, number>> = [{}, {}];

// Phase (a) leaves these for phase (b).
let created: OrderRow[] = [];

async function startAll(made: TestStore): Promise<void> {
  store = made;
  // Deadlines well above the rush's latency, so a busy machine slows the test down rather than failing it.
  const base: Env = { ...store.env, LOG_LEVEL: 'silent', GRPC_DEADLINE_MS: '5000' };
  goods = await startGoodsSrv(parseConfig(goodsSrvSchema, { ...base, GOODS_SRV: '127.0.0.1:0' }), { logger: silentLogger, seedDemo: true });
  for (const [i, calls] of inventoryCalls.entries()) {
    inventories.push(
      await startInventorySrv(parseConfig(inventorySrvSchema, { ...base, INVENTORY_SRV: '127.0.0.1:0' }), {
        logger: silentLogger,
        seedDemo: i === 0,
        faults: (rpc) => {
          calls[rpc] = (calls[rpc] ?? 0) + 1;
          return undefined;
        },
      }),
    );
  }
  const inventoryTarget = `ipv4:${inventories.map((s) => s.address).join(',')}`;
  for (const node of ORDER_SN_NODES) {
    orders.push(
      await startOrderSrv(
        parseConfig(orderSrvSchema, {
          ...base,
          ORDER_SRV: '127.0.0.1:0',
          GOODS_SRV: goods.address,
          INVENTORY_SRV: inventoryTarget,
          ORDER_SN_NODE: String(node),
        }),
        // One clock for both; their relays run when the test ticks them.
        { logger: silentLogger, orderSnNode: node, now: clock.now, relayTimer: false },
      ),
    );
  }
  gateway = buildGateway(
    {
      goods: goods.address,
      inventory: inventoryTarget,
      order: `ipv4:${orders.map((s) => s.address).join(',')}`,
      userop: UNUSED_TARGET,
    },
    { GRPC_DEADLINE_MS: '5000' },
  );
  sql = await createConnection({ uri: store.env.DATABASE_URL ?? '' });
  await gateway.srv.inventory.SetInv({ goodsId: GOODS, num: STOCK });
}

async function stopAll(): Promise<void> {
  gateway?.close();
  await Promise.all(orders.map((o) => o.stop()));
  await Promise.all([goods?.stop(), ...inventories.map((i) => i.stop())]);
  await sql?.end();
  await store?.cleanup();
}

async function query<Row>(text: string, params: unknown[] = []): Promise<Row[]> {
  const [rows] = await sql!.query(text, params);
  return rows as Row[];
}

const stockOf = async () => (await gateway!.srv.inventory.InvDetail({ goodsId: GOODS })).num;
const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

interface OrderRow {
  id: number;
  order_sn: string;
  user_id: number;
  status: string;
}

/** The orders of GOODS, read straight from the shared database. */
const ordersOfGoods = () =>
  query<OrderRow>(
    `SELECT o.id, o.order_sn, o.user_id, o.status FROM order_info o JOIN order_goods g ON g.order_id = o.id WHERE g.goods_id = ?`,
    [GOODS],
  );

// The store is made while collecting, so that without MariaDB the skipped test's name says why.
describe('two order srvs and two inventory srvs on one MariaDB database behind one gateway', async () => {
  const made = await createTestStore('mariadb', 'multi');
  if ('skipped' in made) {
    it.skip(`when MariaDB is not reachable then this suite is skipped: ${made.skipped}`, () => {});
    return;
  }
  beforeAll(() => startAll(made));
  afterAll(stopAll);

  it('when 40 users rush 25 units of one goods through the gateway then exactly 25 orders exist, stock ends at 0 and never below, and every srv served', async () => {
    const app = gateway!.app;
    const users = Array.from({ length: USERS }, (_, i) => {
      const userId = 90_000 + i;
      return { userId, token: signToken(TEST_JWT_KEY, { userId, nickName: `multi${userId}` }) };
    });
    for (const u of users) await api(app, u.token).post('/o/v1/shopcarts').send({ goods: GOODS, nums: 1 }).expect(200);

    // Watch the stock while the rush runs.
    const stockWatch = watchLowest(stockOf, STOCK);
    const answers = await Promise.all(users.map((u) => api(app, u.token).post('/o/v1/orders').send(form)));
    const lowest = await stockWatch.stop();

    const statuses = answers.map((r) => `${r.status} ${r.status === 200 ? '' : r.body.code}`.trim());
    expect(statuses.filter((s) => s === '200')).toHaveLength(STOCK);
    expect(statuses.filter((s) => s !== '200')).toEqual(Array(USERS - STOCK).fill('409 OUT_OF_STOCK'));

    created = await ordersOfGoods();
    expect(created).toHaveLength(STOCK);
    expect(new Set(created.map((o) => o.user_id)).size).toBe(STOCK);
    expect(new Set(created.map((o) => o.order_sn)).size).toBe(STOCK);
    expect(created.map((o) => o.status)).toEqual(Array(STOCK).fill('paying'));
    expect(await stockOf()).toBe(0);
    expect(lowest).toBeGreaterThanOrEqual(0);

    // Both order srvs created orders: the node digits (positions 17..19) of the order numbers.
    const byNode = new Map<string, number>();
    for (const o of created) byNode.set(o.order_sn.slice(17, 20), (byNode.get(o.order_sn.slice(17, 20)) ?? 0) + 1);
    expect([...byNode.keys()].sort()).toEqual(ORDER_SN_NODES.map(String));
    // Both inventory srvs took Sells (the order srvs balance over both).
    for (const calls of inventoryCalls) expect(calls.Sell ?? 0).toBeGreaterThan(0);
    expect(sum(inventoryCalls.map((c) => c.Sell ?? 0))).toBe(USERS);
  });

  it('when the unpaid orders expire then each is closed once by one relay, its stock returned once, and the outbox is empty', async () => {
    expect(created).toHaveLength(STOCK); // phase (a) ran

    const bothRelays = () => Promise.all(orders.map((o) => o.relay.tick()));
    await bothRelays();
    expect(await stockOf()).toBe(0); // not yet expired: nothing to do

    clock.advance(ORDER_TIMEOUT_MS);
    await bothRelays(); // both relays at once, over the same 25 messages
    expect((await ordersOfGoods()).map((o) => o.status)).toEqual(Array(STOCK).fill('TRADE_CLOSED'));
    expect(await stockOf()).toBe(STOCK);
    expect(await query('SELECT * FROM outbox')).toEqual([]);

    // More relay passes change nothing.
    await bothRelays();
    await bothRelays();
    expect(await stockOf()).toBe(STOCK);

    const stats = orders.map((o) => ({ ...o.relay.stats }));
    expect(sum(stats.map((s) => s.ordersClosed))).toBe(STOCK);
    expect(sum(stats.map((s) => s.stockReturned))).toBe(STOCK);
    expect(sum(stats.map((s) => s.attemptsRecovered))).toBe(0);

    // The inventory ledger: every order's orderSn given back, once (one row per orderSn), and nothing else.
    const ledger = await query<{ order_sn: string; status: string }>('SELECT order_sn, status FROM inventory_sell ORDER BY order_sn');
    expect(ledger).toEqual(
      created.map((o) => ({ order_sn: o.order_sn, status: 'reback' })).sort((a, b) => a.order_sn.localeCompare(b.order_sn)),
    );
    expect(await query('SELECT * FROM order_attempt')).toEqual([]);
  });
});
