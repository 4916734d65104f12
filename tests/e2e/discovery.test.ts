// Service governance with Consul (a faithful stand-in agent on loopback, tests/helpers/consul-agent.ts;
// production uses a real agent): srvs register with a gRPC health check, the gateway and the order srv
// find them by consul://<name> (passing instances, round robin, followed by blocking queries), and
// requests keep flowing while instances stop, die, hang, or the agent itself goes away and comes back.

import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, type Env, goodsSrvSchema, inventorySrvSchema, orderSrvSchema, parseConfig } from '../../global/config';
import { CONSUL_TARGETS } from '../../global/discovery';
import { silentLogger } from '../../global/logger';
import { followLogLevel, loadEnv } from '../../global/settings';
import { signToken } from '../../middlewares/auth';
import { startGoodsSrv } from '../../src/srv/goods';
import { startInventorySrv } from '../../src/srv/inventory';
import { type RunningOrderSrv, startOrderSrv } from '../../src/srv/order';
import type { RunningSrv } from '../../src/srv/running-srv';
import { type ConsulAgent, startConsulAgent } from '../helpers/consul-agent';
import { createTestStore, type TestStore } from '../helpers/grpc';
import { api } from '../helpers/http';
import { ensureBuilt, freePort, startMain } from '../helpers/process';
import { buildGateway, type Gateway, TEST_JWT_KEY, TEST_STORE } from '../helpers/stack';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy';
import { waitFor } from '../helpers/wait';

let agent: ConsulAgent;
let store: TestStore;
let gateway: Gateway;
let goods: RunningSrv;
const inventories: RunningSrv[] = [];
const orders: RunningOrderSrv[] = [];
const proxies: TcpProxy[] = [];
/** RPCs each instance answered, counted through its failure-injection seam (which injects nothing). */
const served = new Map<string, number>();
const counting = (instance: string) => () => {
  served.set(instance, (served.get(instance) ?? 0) + 1);
  return undefined;
};

let base: Env;

/** One more order srv instance, registered and found through the agent. */
async function startOrderInstance(node: number, env: Env = {}): Promise<RunningOrderSrv> {
  const srv = await startOrderSrv(
    parseConfig(orderSrvSchema, {
      ...base,
      ORDER_SRV: '127.0.0.1:0',
      GOODS_SRV: CONSUL_TARGETS.goods,
      INVENTORY_SRV: CONSUL_TARGETS.inventory,
      ORDER_SN_NODE: String(node),
      ...env,
    }),
    { logger: silentLogger, orderSnNode: node, faults: counting(`order-${node}`), relayTimer: false },
  );
  orders.push(srv);
  return srv;
}

beforeAll(async () => {
  agent = await startConsulAgent();
  const made = await createTestStore(TEST_STORE, 'discovery');
  if ('skipped' in made) throw new Error(made.skipped);
  store = made;
  base = {
    ...store.env,
    LOG_LEVEL: 'silent',
    CONSUL_HTTP_ADDR: agent.address,
    HEALTH_CHECK_INTERVAL_SECONDS: '1',
    GRPC_DEADLINE_MS: '2000',
  };
  goods = await startGoodsSrv(parseConfig(goodsSrvSchema, { ...base, GOODS_SRV: '127.0.0.1:0' }), { logger: silentLogger, seedDemo: true });
  for (const i of [1, 2]) {
    inventories.push(
      await startInventorySrv(parseConfig(inventorySrvSchema, { ...base, INVENTORY_SRV: '127.0.0.1:0' }), {
        logger: silentLogger,
        seedDemo: i === 1,
        faults: counting(`inventory-${i}`),
      }),
    );
  }
  for (const node of [1, 2]) await startOrderInstance(node);
  await waitFor(
    async () => agent.services().filter((s) => s.checks.every((c) => c.status === 'passing')).length,
    (n) => n === 5,
  );
  gateway = buildGateway(CONSUL_TARGETS, { CONSUL_HTTP_ADDR: agent.address, GRPC_DEADLINE_MS: '2000' });
  await gateway.srv.inventory.SetInv({ goodsId: 1, num: 1_000_000 });
});

afterAll(async () => {
  gateway?.close();
  await Promise.all([...orders, ...inventories, goods].map((s) => s?.stop()));
  for (const p of proxies) await p.close();
  await agent?.close();
  await store?.cleanup();
});

const token = (userId: number) => api(gateway.app, signToken(TEST_JWT_KEY, { userId }));

/** The settings as a child process's environment (only strings). */
const stringEnv = (env: Env) => Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => typeof e[1] === 'string'));

/** Fires requests at about `perSecond` for `ms` while `during` runs; answers every status. */
async function steadyLoad(perSecond: number, during: () => Promise<void>): Promise<number[]> {
  const statuses: number[] = [];
  const pending: Promise<void>[] = [];
  let n = 0;
  const timer = setInterval(() => {
    const userId = 95_000 + (n++ % 20);
    const req = n % 2 === 0 ? token(userId).get('/o/v1/orders') : token(userId).post('/o/v1/shopcarts').send({ goods: 1, nums: 1 });
    pending.push(req.then((res) => void statuses.push(res.status)));
  }, 1000 / perSecond);
  try {
    await during();
  } finally {
    clearInterval(timer);
  }
  await Promise.all(pending);
  return statuses;
}

const passingOf = (name: string) => agent.services().filter((s) => s.name === name && s.checks.every((c) => c.status === 'passing')).length;

/** Runs the agent's checks until `want` instances of `name` pass (a registration lands when the agent answers it). */
const passingSoon = (name: string, want: number) =>
  waitFor(
    async () => {
      await agent.checkNow();
      return passingOf(name);
    },
    (n) => n === want,
  );

describe('registration', () => {
  it('when srvs start with CONSUL_HTTP_ADDR then each registers under its name with a gRPC health check the agent finds passing', () => {
    const byName = (name: string) => agent.services().filter((s) => s.name === name);
    expect(byName('goods-srv')).toHaveLength(1);
    expect(byName('inventory-srv')).toHaveLength(2);
    expect(byName('order-srv')).toHaveLength(2);
    const [one] = byName('goods-srv');
    expect(one).toMatchObject({
      id: `goods-srv-127.0.0.1-${goods.port}`,
      address: '127.0.0.1',
      port: goods.port,
      tags: expect.arrayContaining(['goods']),
      checks: [
        expect.objectContaining({ status: 'passing', grpc: goods.address, intervalMs: 1000, deregisterCriticalServiceAfterMs: 60_000 }),
      ],
    });
  });
});

describe('two instances of the order and inventory srvs behind one gateway', () => {
  it('when requests flow then both instances of each serve them', async () => {
    served.clear();
    const statuses = await steadyLoad(50, () => new Promise((resolve) => setTimeout(resolve, 800)));
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    for (const instance of ['order-1', 'order-2', 'inventory-1', 'inventory-2'])
      expect(served.get(instance) ?? 0, instance).toBeGreaterThan(0);
  });

  it('when one order srv is stopped (SIGTERM) under 50 requests a second then not one request fails', async () => {
    const leaving = orders[1]!;
    const statuses = await steadyLoad(50, async () => {
      await leaving.stop(); // NOT_SERVING, deregister, one check interval, drain
    });
    expect(statuses.length).toBeGreaterThan(20);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    expect(passingOf('order-srv')).toBe(1);
    orders.splice(1, 1);
    await startOrderInstance(2);
    expect(await passingSoon('order-srv', 2)).toBe(2);
  });
});

describe('an instance that dies or hangs', () => {
  it('when an order srv process is killed (SIGKILL) then only calls in flight on it can fail, and none once its check is critical', async () => {
    ensureBuilt();
    const child = startMain('src/srv/order/main.js', {
      ...stringEnv(base),
      LOG_LEVEL: 'info',
      ORDER_SRV: `127.0.0.1:${await freePort()}`,
      GOODS_SRV: CONSUL_TARGETS.goods,
      INVENTORY_SRV: CONSUL_TARGETS.inventory,
      ORDER_SN_NODE: '9',
    });
    await child.waitForLog((l) => l.msg === 'registered in Consul');
    expect(await passingSoon('order-srv', 3)).toBe(3);

    const duringKill = await steadyLoad(50, async () => {
      await new Promise((resolve) => setTimeout(resolve, 300));
      child.child.kill('SIGKILL');
      await child.exited;
      await new Promise((resolve) => setTimeout(resolve, 300));
    });
    // Reads are retried on another instance; an add to the cart in flight on the dead one may fail.
    expect(duringKill.filter((s) => s !== 200 && s !== 503)).toEqual([]);
    expect(duringKill.filter((s) => s === 503).length).toBeLessThanOrEqual(2);

    expect(await passingSoon('order-srv', 2)).toBe(2); // its check turned critical
    const after = await steadyLoad(50, () => new Promise((resolve) => setTimeout(resolve, 500)));
    expect(after.filter((s) => s !== 200)).toEqual([]);
  });

  it('when an instance hangs then its check turns critical and traffic leaves it; when it answers again it comes back', async () => {
    // An instance that advertises a proxy in front of itself, so it can be made to hang for clients and the agent alike.
    const port = await freePort();
    const proxy = await startTcpProxy(`127.0.0.1:${port}`);
    proxies.push(proxy);
    await startOrderInstance(3, { ORDER_SRV: `127.0.0.1:${port}`, ADVERTISE_ADDR: proxy.address });
    expect(await passingSoon('order-srv', 3)).toBe(3);

    proxy.freeze();
    await agent.checkNow(); // its health check times out
    expect(passingOf('order-srv')).toBe(2);
    const whileHung = await steadyLoad(50, () => new Promise((resolve) => setTimeout(resolve, 500)));
    expect(whileHung.filter((s) => s !== 200)).toEqual([]);

    proxy.thaw();
    served.delete('order-3');
    expect(await passingSoon('order-srv', 3)).toBe(3);
    const back = await steadyLoad(50, () => new Promise((resolve) => setTimeout(resolve, 800)));
    expect(back.filter((s) => s !== 200)).toEqual([]);
    expect(served.get('order-3') ?? 0).toBeGreaterThan(0);
  });
});

describe('the agent going away', () => {
  it('when the agent stops then calls go on to the last instances it named, and when it is back new instances are found again', async () => {
    await agent.stop();
    const whileAway = await steadyLoad(50, () => new Promise((resolve) => setTimeout(resolve, 600)));
    expect(whileAway.filter((s) => s !== 200)).toEqual([]);
    await agent.start();
    served.delete('order-4');
    await startOrderInstance(4);
    expect(await passingSoon('order-srv', orders.length)).toBe(orders.length);
    const found = await waitFor(
      async () => {
        await steadyLoad(50, () => new Promise((resolve) => setTimeout(resolve, 200)));
        return served.get('order-4') ?? 0;
      },
      (n) => n > 0,
    );
    expect(found).toBeGreaterThan(0);
  });

  it('when a service has no passing instance then calls to it answer 503 naming it, at once', async () => {
    const lonely = buildGateway(
      { ...CONSUL_TARGETS, order: 'consul://no-such-order-srv' },
      { CONSUL_HTTP_ADDR: agent.address, GRPC_DEADLINE_MS: '2000' },
    );
    try {
      const started = performance.now();
      const res = await api(lonely.app, signToken(TEST_JWT_KEY, { userId: 1 })).get('/o/v1/orders');
      expect(performance.now() - started).toBeLessThan(1000);
      expect({ status: res.status, msg: res.body.msg }).toEqual({ status: 503, msg: '订单服务不可用' });
    } finally {
      lonely.close();
    }
  });
});

describe('settings from Consul KV (CONSUL_CONFIG_KEY)', () => {
  const kvEnv = (key: string, env: Env = {}) => ({ CONSUL_HTTP_ADDR: agent.address, CONSUL_CONFIG_KEY: key, ...env });

  it('when the key holds settings then a process starts from them, and the environment wins', async () => {
    agent.setKv('order-web/goods', JSON.stringify({ GRPC_DEADLINE_MS: 3000, LOG_LEVEL: 'debug', SRV_NAME: 'goods-blue' }));
    expect(parseConfig(goodsSrvSchema, await loadEnv(kvEnv('order-web/goods')))).toMatchObject({
      GRPC_DEADLINE_MS: 3000,
      LOG_LEVEL: 'debug',
      SRV_NAME: 'goods-blue',
    });
    expect(parseConfig(goodsSrvSchema, await loadEnv(kvEnv('order-web/goods', { GRPC_DEADLINE_MS: '4000' })))).toMatchObject({
      GRPC_DEADLINE_MS: 4000,
      LOG_LEVEL: 'debug',
    });
  });

  it.each([
    ['a value the schema refuses', { GRPC_DEADLINE_MS: 'eventually-secret' }, ['GRPC_DEADLINE_MS must be an integer 50..120000']],
    [
      'a nested value',
      { DATABASE_URL: { password: 'hunter2-secret' } },
      ['DATABASE_URL (in CONSUL_CONFIG_KEY) must be a string, number or boolean'],
    ],
    ['not a JSON object', ['hunter2-secret'], ['CONSUL_CONFIG_KEY must hold a JSON object of settings']],
  ])('when the key holds %s then the config is refused naming the setting, never its value', async (_case, document, problems) => {
    agent.setKv('order-web/bad', JSON.stringify(document));
    const refused = await loadEnv(kvEnv('order-web/bad'))
      .then((env) => parseConfig(goodsSrvSchema, env))
      .catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(ConfigError);
    expect((refused as ConfigError).problems).toEqual(problems);
    expect((refused as ConfigError).message).not.toMatch(/secret/);
  });

  it('when a srv starts from an invalid document then it exits 2 naming the setting, and never prints the value', async () => {
    ensureBuilt();
    agent.setKv('order-web/bad-process', JSON.stringify({ GRPC_DEADLINE_MS: 'eventually-secret' }));
    const srv = startMain('src/srv/goods/main.js', {
      ...stringEnv(store.env),
      ...kvEnv('order-web/bad-process'),
      GOODS_SRV: '127.0.0.1:0',
    });
    expect(await srv.exited).toEqual({ code: 2, signal: null });
    expect(srv.output()).toContain('GRPC_DEADLINE_MS must be an integer');
    expect(srv.output()).not.toContain('eventually-secret');
  });

  it('when the key names nothing, or there is no agent, then the process refuses to start and says so', async () => {
    await expect(loadEnv(kvEnv('order-web/absent'))).rejects.toMatchObject({
      problems: ['CONSUL_CONFIG_KEY names a key the agent does not have'],
    });
    await expect(loadEnv({ CONSUL_CONFIG_KEY: 'order-web/goods' })).rejects.toMatchObject({
      problems: ['CONSUL_HTTP_ADDR is required for CONSUL_CONFIG_KEY'],
    });
  });

  it('when LOG_LEVEL changes at the key then a running process follows it, unless its environment sets LOG_LEVEL', async () => {
    agent.setKv('order-web/live', JSON.stringify({ LOG_LEVEL: 'info' }));
    const following = pino({ level: 'info' }, { write: () => undefined });
    const pinned = pino({ level: 'warn' }, { write: () => undefined });
    const watches = [
      followLogLevel(kvEnv('order-web/live'), following),
      followLogLevel(kvEnv('order-web/live', { LOG_LEVEL: 'warn' }), pinned),
    ];
    try {
      agent.setKv('order-web/live', JSON.stringify({ LOG_LEVEL: 'debug' }));
      expect(
        await waitFor(
          async () => following.level,
          (level) => level === 'debug',
        ),
      ).toBe('debug');
      agent.setKv('order-web/live', JSON.stringify({ LOG_LEVEL: 'shouting' })); // invalid: ignored
      agent.setKv('order-web/live', JSON.stringify({ LOG_LEVEL: 'error' }));
      expect(
        await waitFor(
          async () => following.level,
          (level) => level === 'error',
        ),
      ).toBe('error');
      expect(pinned.level).toBe('warn');
    } finally {
      for (const w of watches) w.stop();
    }
  });
});
