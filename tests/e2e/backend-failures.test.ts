// A srv that is down answers 503 naming it; one that hangs answers 504; both within the deadline,
// and a failed order leaves stock, cart and orders as they were.
import http from 'node:http';
import net from 'node:net';
import * as grpc from '@grpc/grpc-js';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orderSrvSchema, parseConfig } from '../../global/config';
import { silentLogger } from '../../global/logger';
import { createSrvClient } from '../../global/srv-conn';
import { startOrderSrv } from '../../src/srv/order';
import type { RunningSrv } from '../../src/srv/running-srv';
import { api } from '../helpers/http';
import { buildGateway, type Gateway, type Stack, startStack } from '../helpers/stack';
import { waitFor } from '../helpers/wait';

const address = { address: '上海市浦东新区', name: '李四', mobile: '13900139000', post: '无' };

/** A port nothing listens on (bound, then released). */
async function deadAddress(): Promise<string> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `127.0.0.1:${port}`;
}

/** Accepts TCP connections and never says a word: a srv that hangs. `dialed()` resolves when a client next writes to it. */
async function hangingServer(): Promise<{ address: string; dialed(): Promise<void>; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const waiting = new Set<() => void>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
    s.on('data', () => {
      for (const wake of waiting) wake();
      waiting.clear();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    address: `127.0.0.1:${port}`,
    dialed: () => new Promise<void>((resolve) => waiting.add(resolve)),
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

let stack: Stack;
let hang: Awaited<ReturnType<typeof hangingServer>>;
const extra: Array<{ close(): void } | RunningSrv> = [];

beforeAll(async () => {
  stack = await startStack();
  hang = await hangingServer();
});
afterAll(async () => {
  for (const thing of extra) 'stop' in thing ? await thing.stop() : thing.close();
  await hang?.close();
  await stack?.stop();
});

function gatewayWith(overrides: Partial<Stack['targets']>, deadlineMs = 2000): Gateway {
  const gateway = buildGateway({ ...stack.targets, ...overrides }, { GRPC_DEADLINE_MS: String(deadlineMs) });
  extra.push(gateway);
  return gateway;
}

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const result = await fn();
  return [result, performance.now() - started];
}

describe('a srv that is down', () => {
  it.each([
    ['order', 'get', '/o/v1/shopcarts', undefined, '订单服务不可用'],
    ['goods', 'post', '/o/v1/shopcarts', { goods: 1, nums: 1 }, '商品服务不可用'],
    ['inventory', 'post', '/o/v1/shopcarts', { goods: 1, nums: 1 }, '库存服务不可用'],
  ] as const)('when the %s srv is down then %s %s answers 503 naming it, within the deadline', async (srv, method, path, body, msg) => {
    const gateway = gatewayWith({ [srv]: await deadAddress() });
    const [res, ms] = await timed(async () => {
      const req = api(gateway.app, stack.token(1))[method](path);
      return body ? req.send(body) : req;
    });
    expect(res.status).toBe(503);
    expect(res.body).toEqual({ msg, code: 'UNAVAILABLE', requestId: expect.any(String) });
    expect(ms).toBeLessThan(2000);
  });

  it('when the order srv cannot reach inventory then creating an order answers 503 库存服务不可用 and nothing is written', async () => {
    const lonely = await startOrderSrv(
      parseConfig(orderSrvSchema, {
        ...stack.storage,
        ORDER_SRV: '127.0.0.1:0',
        GOODS_SRV: stack.targets.goods,
        INVENTORY_SRV: await deadAddress(),
        GRPC_DEADLINE_MS: '1000',
      }),
      { logger: silentLogger },
    );
    extra.push(lonely);
    const gateway = gatewayWith({ order: lonely.address });
    const token = stack.token(301);
    // The cart is filled through the whole system; only the checkout goes through the srv that cannot reach inventory.
    await api(stack.app, token).post('/o/v1/shopcarts').send({ goods: 10, nums: 2 }).expect(200);
    const stock = (await stack.srv.inventory.InvDetail({ goodsId: 10 })).num;

    const res = await api(gateway.app, token).post('/o/v1/orders').send(address);
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ msg: '库存服务不可用', code: 'UNAVAILABLE' });
    expect((await stack.srv.inventory.InvDetail({ goodsId: 10 })).num).toBe(stock);
    expect((await stack.srv.order.CartItemList({ id: 301 })).data).toMatchObject([{ goodsId: 10, nums: 2 }]);
    expect((await stack.srv.order.OrderList({ userId: 301, pages: 1, pagePerNums: 10 })).total).toBe(0);
    // Over gRPC the refusal names the srv that is down in its metadata, not only in its words.
    await api(stack.app, stack.token(303)).post('/o/v1/shopcarts').send({ goods: 10, nums: 1 }).expect(200);
    const order = createSrvClient('order', lonely.address, { deadlineMs: 2000 });
    const refusal = order.api.CreateOrder({ userId: 303, address: 'a', name: 'n', mobile: '13800138000', post: 'p' });
    await expect(refusal).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE, reason: 'SRV_UNAVAILABLE', unavailableSrv: 'inventory' });
    order.close();
  });
});

describe('stack traces around a call', () => {
  it('when a call starts without capturing its caller’s stack then the limit is restored and a failure still has a stack', async () => {
    const limit = Error.stackTraceLimit;
    const order = createSrvClient('order', await deadAddress(), { deadlineMs: 2000 });
    const failure = order.api.CartItemList({ id: 1 });
    expect(Error.stackTraceLimit).toBe(limit);
    const err = await failure.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).stack).toMatch(/\n {4}at /);
    expect(await stack.srv.order.CartItemList({ id: 1 })).toBeDefined();
    expect(Error.stackTraceLimit).toBe(limit);
    order.close();
  });
});

describe('a srv that hangs', () => {
  it('when the order srv never answers then 504 after the deadline, not before and not much after', async () => {
    const gateway = gatewayWith({ order: hang.address }, 300);
    const [res, ms] = await timed(() => api(gateway.app, stack.token(1)).get('/o/v1/orders'));
    expect(res.status).toBe(504);
    expect(res.body).toEqual({ msg: '服务响应超时', code: 'TIMEOUT', requestId: expect.any(String) });
    expect(ms).toBeGreaterThanOrEqual(290);
    expect(ms).toBeLessThan(1500);
  });

  it('when inventory hangs during Sell then the order srv gives up within its deadline and writes nothing', async () => {
    const stuck = await startOrderSrv(
      parseConfig(orderSrvSchema, {
        ...stack.storage,
        ORDER_SRV: '127.0.0.1:0',
        GOODS_SRV: stack.targets.goods,
        INVENTORY_SRV: hang.address,
        GRPC_DEADLINE_MS: '300',
      }),
      { logger: silentLogger },
    );
    extra.push(stuck);
    const gateway = gatewayWith({ order: stuck.address });
    const token = stack.token(302);
    await api(stack.app, token).post('/o/v1/shopcarts').send({ goods: 11, nums: 1 }).expect(200);

    const [res, ms] = await timed(() => api(gateway.app, token).post('/o/v1/orders').send(address));
    expect(res.status).toBe(504);
    expect(res.body.code).toBe('TIMEOUT');
    expect(ms).toBeLessThan(2000);
    expect((await stack.srv.order.CartItemList({ id: 302 })).data).toMatchObject([{ goodsId: 11, nums: 1 }]);
    expect((await stack.srv.order.OrderList({ userId: 302, pages: 1, pagePerNums: 10 })).total).toBe(0);
  });
});

describe('a client that goes away', () => {
  it('when the client hangs up while its order is being placed then that is logged at info as 499 (client closed), not as an error', async () => {
    const lines: Array<{ level: number; msg: string; status?: number }> = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
    // A hanging order srv of its own: a fresh address, so the gateway's channel dials it anew.
    const silent = await hangingServer();
    extra.push({ close: () => void silent.close() });
    const gateway = buildGateway({ ...stack.targets, order: silent.address }, { GRPC_DEADLINE_MS: '5000' }, { logger });
    extra.push(gateway);
    const server = http.createServer(gateway.app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    extra.push({ close: () => server.close() });
    const { port } = server.address() as net.AddressInfo;

    const dialed = silent.dialed();
    const req = http.request({
      port,
      host: '127.0.0.1',
      method: 'POST',
      path: '/o/v1/orders',
      headers: { 'x-token': stack.token(310), 'content-type': 'application/json' },
    });
    req.on('error', () => undefined);
    req.end(JSON.stringify(address));
    await dialed; // the gateway is waiting on the order srv
    req.destroy();

    const closed = await waitFor(
      async () => lines.find((l) => l.msg === 'client closed the request'),
      (line) => line !== undefined,
    );
    expect(closed).toMatchObject({ level: 30, status: 499 });
    // Its access line says it was aborted, once, and nothing claims it completed.
    expect(lines.filter((l) => l.msg === 'request aborted')).toEqual([
      expect.objectContaining({ level: 30, req: expect.objectContaining({ method: 'POST', url: '/o/v1/orders' }) }),
    ]);
    expect(lines.filter((l) => l.msg === 'request completed')).toEqual([]);
    expect(lines.filter((l) => l.level >= 50)).toEqual([]);
  });
});
