// A failed checkout never strands the user. Whatever ended a POST /o/v1/orders in failure after its
// attempt was claimed (inventory lost the Sell's answer and then refused the give-back, inventory too
// slow, the order srv's deadline), the user's next checkout — with a new key, the same key, or none —
// succeeds at once, not after ATTEMPT_RECOVER_SECONDS; the failed attempt's stock comes back through
// the relay, and initial stock = stock left + units in unpaid and paid orders throughout.
// (A crash mid-checkout is in crash-recovery.test.ts.)
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orderSrvSchema, parseConfig } from '../../global/config';
import { silentLogger } from '../../global/logger';
import { type RunningOrderSrv, startOrderSrv } from '../../src/srv/order';
import { api } from '../helpers/http';
import { buildGateway, type Gateway, type Stack, startStack, unitsHeld } from '../helpers/stack';

/** Which inventory RPCs fail now, and how (see RpcFaults): the test arms them per case. */
const failing: Record<string, 'before' | 'after'> = {};

let stack: Stack;
let nextUser = 60_000;
const form = { address: '武汉市洪山区', name: '吴九', mobile: '13200132000', post: '周末送' };

beforeAll(async () => {
  stack = await startStack({ faults: { inventory: (rpc) => failing[rpc] } });
});
afterAll(async () => {
  await stack?.stop();
});

const as = (token: string) => api(stack.app, token);
const stockOf = async (goodsId: number) => (await stack.srv.inventory.InvDetail({ goodsId })).num;

async function userWithCart(goods: number, nums: number) {
  const userId = nextUser++;
  const token = stack.token(userId);
  await as(token).post('/o/v1/shopcarts').send({ goods, nums }).expect(200);
  return { userId, token };
}

const held = (goodsId: number) => unitsHeld(stack.storage, goodsId);

const attempts = (userId: number) =>
  stack.query<{ state: string; idempotency_key: string | null }>(
    'order',
    'SELECT state, idempotency_key FROM order_attempt WHERE user_id = ?',
    [userId],
  );

describe('after inventory lost the Sell and refused the give-back (503)', () => {
  it.each([
    ['a new key', 11, 'lost-1', 'lost-1-again'],
    ['the same key', 15, 'lost-2', 'lost-2'],
    ['no key', 16, undefined, undefined],
  ])(
    'when the user checks out again with %s then it succeeds at once, and the failed attempt gives its stock back on the next relay pass',
    async (_case, goods, firstKey, retryKey) => {
      await stack.srv.inventory.SetInv({ goodsId: goods, num: 30 });
      const { userId, token } = await userWithCart(goods, 3);
      const post = (key: string | undefined) => {
        const req = as(token).post('/o/v1/orders');
        return (key ? req.set('Idempotency-Key', key) : req).send(form);
      };

      failing.Sell = 'after'; // the stock is sold, the answer lost
      failing.Reback = 'before'; // and inventory refuses to give it back now
      const failed = await post(firstKey);
      delete failing.Sell;
      delete failing.Reback;
      expect(failed.status).toBe(503);
      expect(await stockOf(goods)).toBe(27); // sold for an order that does not exist
      expect(await attempts(userId)).toEqual([{ state: 'recovering', idempotency_key: null }]);
      expect((await as(token).get('/o/v1/shopcarts')).body.data).toMatchObject([{ id: goods, nums: 3, checked: true }]);

      const retry = await post(retryKey);
      expect(retry.status).toBe(200);
      expect(retry.headers['idempotent-replayed']).toBeUndefined();
      expect(await stockOf(goods)).toBe(24);

      await stack.tick();
      expect(await stockOf(goods)).toBe(27);
      expect(await attempts(userId)).toEqual([]);
      expect((await stockOf(goods)) + (await held(goods))).toBe(30);
    },
  );
});

describe('after the order srv gave up on a slow inventory (504)', () => {
  let hang: net.Server;
  const sockets = new Set<net.Socket>();
  let slow: RunningOrderSrv;
  let slowGateway: Gateway;

  beforeAll(async () => {
    // An inventory that accepts and never answers, behind an order srv of its own on the same store.
    hang = net.createServer((s) => {
      sockets.add(s);
      s.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => hang.listen(0, '127.0.0.1', resolve));
    slow = await startOrderSrv(
      parseConfig(orderSrvSchema, {
        ...stack.storage,
        ORDER_SRV: '127.0.0.1:0',
        GOODS_SRV: stack.targets.goods,
        INVENTORY_SRV: `127.0.0.1:${(hang.address() as net.AddressInfo).port}`,
        GRPC_DEADLINE_MS: '300',
      }),
      { logger: silentLogger, now: stack.clock.now, relayTimer: false, orderSnNode: 7 },
    );
    slowGateway = buildGateway({ ...stack.targets, order: slow.address }, { GRPC_DEADLINE_MS: '2000' });
  });
  afterAll(async () => {
    slowGateway?.close();
    await slow?.stop();
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => hang?.close(() => resolve()));
  });

  it('when the user checks out again through a working order srv then it succeeds at once, with the same key', async () => {
    await stack.srv.inventory.SetInv({ goodsId: 12, num: 20 });
    const { userId, token } = await userWithCart(12, 2);
    const failed = await api(slowGateway.app, token).post('/o/v1/orders').set('Idempotency-Key', 'slow-1').send(form);
    expect([503, 504]).toContain(failed.status);
    expect(await attempts(userId)).toEqual([{ state: 'recovering', idempotency_key: null }]);

    const retry = await as(token).post('/o/v1/orders').set('Idempotency-Key', 'slow-1').send(form);
    expect(retry.status).toBe(200);
    await stack.tick();
    expect(await attempts(userId)).toEqual([]);
    expect(await stockOf(12)).toBe(18);
    expect((await stockOf(12)) + (await held(12))).toBe(20);
  });
});

describe('an attempt whose request died without a word', () => {
  it('when its deadline has passed then the next checkout supersedes it at once; before that the cart is still its own', async () => {
    await stack.srv.inventory.SetInv({ goodsId: 13, num: 20 });
    const { userId, token } = await userWithCart(13, 2);
    // What a request that died mid-checkout leaves: an open attempt holding the cart, its stock sold.
    const orderSn = `20261130000000000999${String(userId % 10_000).padStart(4, '0')}`;
    const now = stack.clock.now();
    await stack.query(
      'order',
      `INSERT INTO order_attempt (order_sn, user_id, idempotency_key, request_hash, state, work_until, recover_at, lease_until, created_at)
       VALUES (?, ?, 'dead-1', 'h', 'open', ?, ?, NULL, ?)`,
      [orderSn, userId, now + 5000, now + 60_000, now],
    );
    await stack.query('order', 'UPDATE shopping_cart SET attempt_sn = ? WHERE user_id = ?', [orderSn, userId]);
    await stack.srv.inventory.Sell({ orderSn, goodsInfo: [{ goodsId: 13, num: 2 }] });

    const tooSoon = await as(token).post('/o/v1/orders').send(form);
    expect(tooSoon.status).toBe(404); // it may still be at work: its cart is not taken from under it

    stack.clock.advance(5001);
    const now2 = await as(token).post('/o/v1/orders').send(form);
    expect(now2.status).toBe(200);
    await stack.tick();
    expect(await attempts(userId)).toEqual([]);
    expect(await stockOf(13)).toBe(18);
    expect((await stockOf(13)) + (await held(13))).toBe(20);
  });
});

describe('many requests with one key, many times', () => {
  it.each([1, 2, 3, 4])(
    'when 6 identical requests with one key arrive together (round %i) then each is the order, replayed, or 409 with Retry-After, never 404',
    async () => {
      await stack.srv.inventory.SetInv({ goodsId: 14, num: 100 });
      const { userId, token } = await userWithCart(14, 1);
      const answers = await Promise.all(
        Array.from({ length: 6 }, () => as(token).post('/o/v1/orders').set('Idempotency-Key', 'six').send(form)),
      );
      for (const r of answers) {
        expect([200, 409]).toContain(r.status);
        if (r.status === 409) expect(r.headers['retry-after']).toBe('1');
      }
      expect(new Set(answers.filter((r) => r.status === 200).map((r) => r.body.id)).size).toBe(1);
      expect((await stack.srv.order.OrderList({ userId, pages: 1, pagePerNums: 10 })).total).toBe(1);
    },
  );
});
