// What a gateway in front of srvs that fail needs, with static addresses (Consul is in discovery.test.ts):
// every srv's grpc.health.v1, readiness that names the srvs not ready, retries only of what is safe to
// send again, and a breaker that fails fast while a srv keeps timing out and lets it back when it answers.
import * as grpc from '@grpc/grpc-js';
import { service as healthService } from 'grpc-health-check';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { goodsSrvSchema, parseConfig } from '../../global/config';
import { silentLogger } from '../../global/logger';
import { serviceDefinitions } from '../../global/proto';
import type { SrvName } from '../../global/wire';
import type { Instance } from '../../src/deps';
import { buildGatewayApp } from '../../src/gateway';
import { startGoodsSrv } from '../../src/srv/goods';
import type { RunningSrv } from '../../src/srv/running-srv';
import { createTestStore } from '../helpers/grpc';
import { api } from '../helpers/http';
import { buildGateway, type Gateway, gatewayConfig, type Stack, startStack } from '../helpers/stack';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy';
import { waitFor } from '../helpers/wait';

/** Per srv and RPC, how many of the next calls fail, and how (see RpcFaults). */
const failNext: Record<string, { times: number; how: 'before' | 'after' }> = {};
const faultsFor = (srv: SrvName) => (rpc: string) => {
  const plan = failNext[`${srv}.${rpc}`];
  if (!plan || plan.times <= 0) return undefined;
  plan.times -= 1;
  return plan.how;
};

let stack: Stack;
const extra: Array<{ close(): void | Promise<void> }> = [];
const form = { address: '西安市雁塔区', name: '郑十', mobile: '13100131000', post: '无' };

beforeAll(async () => {
  stack = await startStack({ faults: { goods: faultsFor('goods'), inventory: faultsFor('inventory'), order: faultsFor('order') } });
});
afterAll(async () => {
  for (const e of extra) await e.close();
  await stack?.stop();
});

const HealthClient = grpc.makeClientConstructor(healthService as grpc.ServiceDefinition, 'grpc.health.v1.Health');

function healthOf(address: string, service: string): Promise<string> {
  const client = new HealthClient(address, grpc.credentials.createInsecure());
  const check = (client as unknown as Record<string, (...args: unknown[]) => void>).Check;
  return new Promise((resolve) => {
    check?.call(
      client,
      { service },
      { deadline: new Date(Date.now() + 2000) },
      (err: grpc.ServiceError | null, res?: { status: string }) => {
        client.close();
        resolve(err ? `error ${grpc.status[err.code]}` : (res?.status ?? '?'));
      },
    );
  });
}

describe('grpc.health.v1 on every srv', () => {
  it.each([
    ['goods', 'Goods'],
    ['inventory', 'Inventory'],
    ['order', 'proto.Order'],
    ['userop', 'UserFav'],
    ['userop', 'Address'],
    ['userop', 'Message'],
  ] as const)(
    'when the %s srv is asked then it is SERVING overall and under its service name %s, and an unknown name is NOT_FOUND',
    async (srv, name) => {
      const address = stack.targets[srv];
      expect(await healthOf(address, '')).toBe('SERVING');
      expect(await healthOf(address, name)).toBe('SERVING');
      expect(await healthOf(address, 'NoSuchService')).toBe('error NOT_FOUND');
    },
  );
});

describe('GET /health/ready', () => {
  it('when every srv answers SERVING then 200 with each srv’s state', async () => {
    const res = await request(stack.app).get('/health/ready');
    expect({ status: res.status, body: res.body }).toEqual({
      status: 200,
      body: { ready: true, degraded: false, srvs: { goods: 'SERVING', inventory: 'SERVING', order: 'SERVING', userop: 'SERVING' } },
    });
  });

  it('when one srv is gone and another hangs then still 200, degraded, within about a second, naming both; srv_up says the same', async () => {
    const gone = await startTcpProxy(stack.targets.goods);
    const hung = await startTcpProxy(stack.targets.inventory);
    extra.push(gone, hung);
    gone.cut();
    hung.freeze();
    const gateway = buildGateway({ ...stack.targets, goods: gone.address, inventory: hung.address });
    extra.push(gateway);
    const started = performance.now();
    const res = await request(gateway.app).get('/health/ready');
    expect(performance.now() - started).toBeLessThan(3000);
    expect({ status: res.status, body: res.body }).toEqual({
      status: 200,
      body: { ready: true, degraded: true, srvs: { goods: 'UNREACHABLE', inventory: 'TIMEOUT', order: 'SERVING', userop: 'SERVING' } },
    });
    const metrics = (await request(gateway.app).get('/metrics')).text;
    expect(metrics).toMatch(/^srv_up\{srv="goods"\} 0$/m);
    expect(metrics).toMatch(/^srv_up\{srv="inventory"\} 0$/m);
    expect(metrics).toMatch(/^srv_up\{srv="order"\} 1$/m);
    expect(metrics).toMatch(/^srv_up\{srv="userop"\} 1$/m);
    // Liveness stays the course's: the process answers.
    expect((await request(gateway.app).get('/health')).status).toBe(200);
  });
});

describe('readiness of an instance that is starting or draining', () => {
  it.each(['starting', 'draining'] as const)('when it is %s then 503 naming why, whatever the srvs say', async (phase) => {
    const instance: Instance = { phase };
    const { app, srv } = buildGatewayApp(gatewayConfig(stack.targets), silentLogger, Date.now, instance);
    try {
      const res = await request(app).get('/health/ready');
      expect({ status: res.status, body: res.body }).toEqual({ status: 503, body: { ready: false, reason: phase } });
      instance.phase = 'serving';
      expect((await request(app).get('/health/ready')).status).toBe(200);
    } finally {
      srv.close();
    }
  });
});

describe('retries: only what is safe to send again', () => {
  it('when a read finds a srv unreachable once then it is retried and the client never sees it', async () => {
    const token = stack.token(88_001);
    await api(stack.app, token).post('/o/v1/shopcarts').send({ goods: 2, nums: 1 }).expect(200);
    failNext['goods.BatchGetGoods'] = { times: 1, how: 'before' };
    failNext['order.CartItemList'] = { times: 1, how: 'before' };
    const res = await api(stack.app, token).get('/o/v1/shopcarts');
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject([{ id: 2, nums: 1 }]);
    expect(failNext['goods.BatchGetGoods']?.times).toBe(0);
  });

  it('when an add to the cart finds the order srv unreachable then it is not sent again: 503 and nothing added', async () => {
    const token = stack.token(88_002);
    failNext['order.CreateCartItem'] = { times: 1, how: 'before' };
    const res = await api(stack.app, token).post('/o/v1/shopcarts').send({ goods: 3, nums: 1 });
    expect(res.status).toBe(503);
    expect((await stack.srv.order.CartItemList({ id: 88_002 })).data).toEqual([]);
  });

  it('when a keyed checkout loses its answer then it is sent again and replays the one order; without a key it is 503', async () => {
    const keyed = stack.token(88_003);
    await api(stack.app, keyed).post('/o/v1/shopcarts').send({ goods: 4, nums: 1 }).expect(200); // the srv says it honours keys
    failNext['order.CreateOrder'] = { times: 1, how: 'after' }; // the order is written, the answer lost
    const res = await api(stack.app, keyed).post('/o/v1/orders').set('Idempotency-Key', 'lost-answer').send(form);
    expect(res.status).toBe(200);
    expect(res.headers['idempotent-replayed']).toBe('true');
    expect((await stack.srv.order.OrderList({ userId: 88_003, pages: 1, pagePerNums: 10 })).total).toBe(1);

    const unkeyed = stack.token(88_004);
    await api(stack.app, unkeyed).post('/o/v1/shopcarts').send({ goods: 4, nums: 1 }).expect(200);
    failNext['order.CreateOrder'] = { times: 1, how: 'after' };
    expect((await api(stack.app, unkeyed).post('/o/v1/orders').send(form)).status).toBe(503);
    expect((await stack.srv.order.OrderList({ userId: 88_004, pages: 1, pagePerNums: 10 })).total).toBe(1); // written once, not twice
  });
});

describe('the breaker: a srv that keeps timing out', () => {
  let proxy: TcpProxy;
  let gateway: Gateway;

  beforeAll(async () => {
    proxy = await startTcpProxy(stack.targets.order);
    extra.push(proxy);
    gateway = buildGateway(
      { ...stack.targets, order: proxy.address },
      { GRPC_DEADLINE_MS: '300', BREAKER_TIMEOUTS: '3', BREAKER_COOLDOWN_MS: '400' },
    );
    extra.push(gateway);
  });

  it('when the order srv hangs then after 3 timeouts calls fail fast with 503 naming it, and once it answers again a probe lets traffic back', async () => {
    const list = () => api(gateway.app, stack.token(88_010)).get('/o/v1/orders');
    expect((await list()).status).toBe(200);

    proxy.freeze();
    for (let i = 0; i < 3; i++) expect((await list()).status).toBe(504);
    const started = performance.now();
    const fast = await list();
    expect(performance.now() - started).toBeLessThan(250); // well under the 300 ms deadline: nothing was sent
    expect(fast.status).toBe(503);
    expect(fast.body).toMatchObject({ msg: '订单服务不可用', code: 'UNAVAILABLE' });

    proxy.thaw();
    // After the cool-down one probe goes through; it succeeds, and the breaker closes.
    const back = await waitFor(
      () => list(),
      (res) => res.status === 200,
      5000,
    );
    expect(back.status).toBe(200);
    for (let i = 0; i < 3; i++) expect((await list()).status).toBe(200);
  });
});

describe('overload is not an outage: the in-flight limit and the breaker', () => {
  it('when as many calls as SRV_MAX_IN_FLIGHT are in flight to a srv then the next is refused at once with 503 OVERLOADED and Retry-After, and it is taken again once they finish', async () => {
    const proxy = await startTcpProxy(stack.targets.order);
    const gateway = buildGateway({ ...stack.targets, order: proxy.address }, { GRPC_DEADLINE_MS: '1500', SRV_MAX_IN_FLIGHT: '2' });
    extra.push(proxy, gateway);
    const list = () => api(gateway.app, stack.token(88_020)).get('/o/v1/orders');
    proxy.freeze();
    // supertest sends on then(): start both now.
    const held = [list(), list()].map((test) => test.then((res) => res));
    await new Promise((resolve) => setTimeout(resolve, 150)); // both calls are on their way to the frozen srv
    const started = performance.now();
    const shed = await list();
    expect(performance.now() - started).toBeLessThan(500);
    expect({ status: shed.status, body: shed.body, retryAfter: shed.headers['retry-after'] }).toEqual({
      status: 503,
      body: { msg: '订单服务繁忙，请稍后重试', code: 'OVERLOADED', requestId: expect.any(String) },
      retryAfter: '1',
    });
    // Another srv is not limited by this one's calls.
    expect((await api(gateway.app, stack.token(88_020)).get('/up/v1/address')).status).toBe(200);
    proxy.thaw();
    expect((await Promise.all(held)).map((r) => r.status)).toEqual([200, 200]);
    expect((await list()).status).toBe(200);
  });

  it('when a busy srv answers some calls while others time out then the breaker stays closed; when it answers none it opens', async () => {
    // An order srv that answers every fourth OrderList at once and lets the rest wait past the deadline: busy, not hung.
    const server = new grpc.Server();
    let calls = 0;
    const late: Array<() => void> = [];
    server.addService(serviceDefinitions().order.service, {
      OrderList: (_call: unknown, callback: grpc.sendUnaryData<unknown>) => {
        const answer = () => callback(null, { total: 0, data: [] });
        if (calls++ % 4 === 0) answer();
        else late.push(answer);
      },
    });
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
    );
    extra.push({ close: () => void server.forceShutdown() });
    const gateway = buildGateway(
      { ...stack.targets, order: `127.0.0.1:${port}` },
      { GRPC_DEADLINE_MS: '300', BREAKER_TIMEOUTS: '3', BREAKER_COOLDOWN_MS: '5000' },
    );
    extra.push(gateway);
    const list = () => api(gateway.app, stack.token(88_021)).get('/o/v1/orders');
    const statuses = (await Promise.all(Array.from({ length: 8 }, list))).map((r) => r.status).sort();
    expect(statuses).toEqual([200, 200, 504, 504, 504, 504, 504, 504]);
    // Six timeouts in a row, but the srv answered meanwhile: the next call is sent (answered at once: 200), not failed fast.
    calls = 0;
    expect((await list()).status).toBe(200);
    for (const answer of late.splice(0)) answer();

    // Hung: nothing answers while the calls wait. Three timeouts and it fails fast.
    calls = 1;
    for (let i = 0; i < 3; i++) expect((await list()).status).toBe(504);
    calls = 0; // it would answer now, but the breaker does not ask during the cool-down
    const fast = await list();
    expect({ status: fast.status, code: fast.body.code }).toEqual({ status: 503, code: 'UNAVAILABLE' });
    for (const answer of late.splice(0)) answer();
  });
});

describe('a srv whose store stops answering', async () => {
  const made = await createTestStore('mariadb', 'health');
  if ('skipped' in made) {
    it.skip(`when MariaDB is not reachable then this is skipped: ${made.skipped}`, () => {});
    return;
  }
  let proxy: TcpProxy;
  let goods: RunningSrv;

  beforeAll(async () => {
    // The srv reaches its database through a proxy the test can cut.
    const url = new URL(made.env.DATABASE_URL ?? '');
    proxy = await startTcpProxy(`${url.hostname}:${url.port || 3306}`);
    url.host = proxy.address;
    goods = await startGoodsSrv(parseConfig(goodsSrvSchema, { ...made.env, DATABASE_URL: url.toString(), GOODS_SRV: '127.0.0.1:0' }), {
      logger: silentLogger,
    });
  });
  afterAll(async () => {
    await goods?.stop();
    await proxy?.close();
    await made.cleanup();
  });

  it('when its database cannot be reached then it reports NOT_SERVING, and SERVING again once it can', async () => {
    expect(await healthOf(goods.address, '')).toBe('SERVING');
    proxy.cut();
    expect(await goods.health.probe()).toBe('NOT_SERVING');
    expect(await healthOf(goods.address, '')).toBe('NOT_SERVING');
    expect(await healthOf(goods.address, 'Goods')).toBe('NOT_SERVING');
    proxy.heal();
    expect(await goods.health.probe()).toBe('SERVING');
    expect(await healthOf(goods.address, '')).toBe('SERVING');
  });
});
