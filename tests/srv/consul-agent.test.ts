// Proves the Consul agent stand-in (tests/helpers/consul-agent.ts) is faithful where our code depends on it,
// by driving it with the real `consul` 2.0.1 client against real gRPC servers that serve grpc-health-check's
// HealthImplementation: registration runs the gRPC check at once and the instance is passing only while every
// check passes; NOT_SERVING or a dead server is critical; blocking queries (direct, and through the client's
// watch) hold until the index moves or the wait ends and always carry X-Consul-Index; deregistration and the
// DeregisterCriticalServiceAfter reaper remove instances; KV reads, writes and watches round-trip in Consul's
// shapes; an agent that stops fails calls and one that starts again has kept its state; bad requests answer
// like Consul, and a client hanging up mid-query does not disturb the agent.
import { EventEmitter } from 'node:events';
import type http from 'node:http';
import * as grpc from '@grpc/grpc-js';
import Consul from 'consul';
import { HealthImplementation, type ServingStatusMap } from 'grpc-health-check';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestClock } from '../helpers/clock';
import { type ConsulAgent, type ConsulAgentOptions, startConsulAgent } from '../helpers/consul-agent';
import { waitFor } from '../helpers/wait';

interface HealthEntry {
  Node: { Node: string; Address: string };
  Service: { ID: string; Service: string; Tags: string[]; Address: string; Port: number };
  Checks: { CheckID: string; Name: string; Status: string; ServiceID: string; ServiceName: string; Output: string }[];
}

interface KvItem {
  Key: string;
  Value: string | null;
  Flags: number;
  CreateIndex: number;
  ModifyIndex: number;
  LockIndex: number;
}

type Watch = ReturnType<Consul['watch']>;

const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function agentAndClient(options: ConsulAgentOptions = {}): Promise<{ agent: ConsulAgent; consul: Consul }> {
  const agent = await startConsulAgent(options);
  cleanups.push(() => agent.close());
  const consul = new Consul({ host: '127.0.0.1', port: agent.port });
  cleanups.push(() => (consul as unknown as { destroy(): void }).destroy());
  return { agent, consul };
}

interface HealthServer {
  health: HealthImplementation;
  address: string;
  port: number;
  /** The server dies: every connection dropped, nothing listens any more. */
  kill(): void;
}

async function startHealthServer(statuses: ServingStatusMap = { '': 'SERVING' }): Promise<HealthServer> {
  const health = new HealthImplementation(statuses);
  const server = new grpc.Server();
  health.addToServer(server);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, bound) => (err ? reject(err) : resolve(bound))),
  );
  cleanups.push(() => server.forceShutdown());
  return { health, address: `127.0.0.1:${port}`, port, kill: () => server.forceShutdown() };
}

/** What our srvs register: id, name, address, port, tags and one gRPC check. */
function definition(id: string, name: string, target: HealthServer, check: Record<string, unknown> = {}) {
  return {
    id,
    name,
    address: '127.0.0.1',
    port: target.port,
    tags: ['grpc', 'v1'],
    check: { name: `${name} gRPC health`, grpc: target.address, grpcusetls: false, interval: '10s', timeout: '2s', ...check },
  };
}

/** The changes a watch emits, one at a time, with the X-Consul-Index each came with. */
function follow<T>(watch: Watch) {
  const changes: { data: T; index: bigint }[] = [];
  const errors: Error[] = [];
  let taken = 0;
  let wake: (() => void) | undefined;
  watch.on('change', (data: T, res: http.IncomingMessage) => {
    changes.push({ data, index: BigInt(String(res.headers['x-consul-index'])) });
    wake?.();
  });
  watch.on('error', (err: Error) => {
    errors.push(err);
    wake?.();
  });
  cleanups.push(() => watch.end());
  return {
    errors,
    async next(timeoutMs = 5000): Promise<{ data: T; index: bigint }> {
      const until = Date.now() + timeoutMs;
      while (changes.length <= taken) {
        if (Date.now() > until) throw new Error(`no change within ${timeoutMs} ms (errors: ${errors.map((e) => e.message).join('; ')})`);
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, 50);
        });
      }
      return changes[taken++]!;
    },
  };
}

/** A blocking query made directly: in consul 2.0.1 it needs an EventEmitter ctx with includeResponse to see the index. */
async function queryHealth(consul: Consul, service: string, blocking: { index?: bigint; wait?: string } = {}) {
  const ctx = Object.assign(new EventEmitter(), { includeResponse: true });
  const options = {
    service,
    passing: true,
    ctx,
    ...(blocking.index !== undefined ? { index: String(blocking.index) } : {}),
    ...(blocking.wait ? { wait: blocking.wait } : {}),
  };
  const started = Date.now();
  const [res, entries] = (await consul.health.service(options)) as unknown as [http.IncomingMessage, HealthEntry[]];
  return { entries, index: BigInt(String(res.headers['x-consul-index'])), elapsedMs: Date.now() - started };
}

const ids = (entries: HealthEntry[]) => entries.map((e) => e.Service.ID);

describe('Consul agent stand-in, driven by the consul 2.0.1 client', () => {
  it('when a service registers with a gRPC check, then the check runs at once and health.service with passing lists it in Consul’s shape', async () => {
    const { agent, consul } = await agentAndClient();
    const srv = await startHealthServer();
    const watch = follow<HealthEntry[]>(
      consul.watch({ method: consul.health.service, options: { service: 'goods-srv', passing: 'true', wait: '5s' } }),
    );
    expect((await watch.next()).data).toEqual([]);

    const started = Date.now();
    await consul.agent.service.register(definition('goods-srv-1', 'goods-srv', srv));
    // The registration is a change by itself (its check critical, so no passing instance yet); the check passing is the next.
    let listed = await watch.next();
    if (listed.data.length === 0) listed = await watch.next();
    // The interval is 10 s: only the check run on registration can have passed it this soon.
    expect(Date.now() - started).toBeLessThan(5000);
    expect(listed.data).toHaveLength(1);
    expect(listed.data[0]).toMatchObject({
      Node: { Node: 'consul-stand-in', Address: '127.0.0.1' },
      Service: { ID: 'goods-srv-1', Service: 'goods-srv', Tags: ['grpc', 'v1'], Address: '127.0.0.1', Port: srv.port },
      Checks: [
        { CheckID: 'serfHealth', Status: 'passing' },
        {
          CheckID: 'service:goods-srv-1',
          Name: 'goods-srv gRPC health',
          Status: 'passing',
          ServiceID: 'goods-srv-1',
          ServiceName: 'goods-srv',
          Output: `gRPC check ${srv.address}: success`,
        },
      ],
    });
    expect(await consul.agent.service.list()).toMatchObject({
      'goods-srv-1': { ID: 'goods-srv-1', Service: 'goods-srv', Tags: ['grpc', 'v1'], Address: '127.0.0.1', Port: srv.port },
    });
    expect(agent.services()).toMatchObject([
      {
        id: 'goods-srv-1',
        checks: [{ checkId: 'service:goods-srv-1', status: 'passing', grpc: srv.address, intervalMs: 10_000, timeoutMs: 2000 }],
      },
    ]);
  });

  it('when a check has not passed yet, then the instance is critical and left out of passing, until a check passes', async () => {
    const { agent, consul } = await agentAndClient();
    const srv = await startHealthServer({ '': 'NOT_SERVING' });
    await consul.agent.service.register(definition('goods-srv-1', 'goods-srv', srv));

    const all = (await consul.health.service({ service: 'goods-srv' })) as HealthEntry[];
    expect(all.map((e) => e.Checks[1]?.Status)).toEqual(['critical']);
    expect(await consul.health.service({ service: 'goods-srv', passing: true })).toEqual([]);

    await agent.checkNow();
    const [entry] = (await consul.health.service({ service: 'goods-srv' })) as HealthEntry[];
    expect(entry?.Checks[1]?.Status).toBe('critical');
    // critical → critical changes only the output: the agent has it, the catalog gets it after check_update_interval.
    expect(agent.services()[0]?.checks[0]).toMatchObject({ output: `gRPC ${srv.address} serving status: NOT_SERVING`, syncedOutput: '' });

    srv.health.setStatus('', 'SERVING');
    await agent.checkNow();
    expect(ids((await consul.health.service({ service: 'goods-srv', passing: true })) as HealthEntry[])).toEqual(['goods-srv-1']);
  });

  it('when only a check’s output changes, then the catalog gets it after check_update_interval, and the index moves then', async () => {
    const { agent, consul } = await agentAndClient({ checkUpdateIntervalMs: 20 });
    const srv = await startHealthServer({ '': 'NOT_SERVING' });
    await consul.agent.service.register(definition('goods-srv-1', 'goods-srv', srv));
    await agent.checkNow();
    const synced = await waitFor(
      async () => ((await consul.health.service({ service: 'goods-srv' })) as HealthEntry[])[0]?.Checks[1]?.Output,
      (output) => output !== '',
    );
    expect(synced).toBe(`gRPC ${srv.address} serving status: NOT_SERVING`);
    expect(agent.services()[0]?.checks[0]?.status).toBe('critical');
  });

  it('when a passing service turns NOT_SERVING, then after checkNow it drops out of passing and the index advances', async () => {
    const { agent, consul } = await agentAndClient();
    const srv = await startHealthServer();
    await consul.agent.service.register(definition('goods-srv-1', 'goods-srv', srv));
    await agent.checkNow();
    const before = await queryHealth(consul, 'goods-srv');
    expect(ids(before.entries)).toEqual(['goods-srv-1']);

    srv.health.setStatus('', 'NOT_SERVING');
    await agent.checkNow();
    const after = await queryHealth(consul, 'goods-srv');
    expect(after.entries).toEqual([]);
    expect(after.index).toBeGreaterThan(before.index);
    const [all] = (await consul.health.service({ service: 'goods-srv' })) as HealthEntry[];
    expect(all?.Checks[1]).toMatchObject({ Status: 'critical', Output: `gRPC ${srv.address} serving status: NOT_SERVING` });
  });

  it('when a service registers several checks, one on host:port/service, then it is passing only while all of them pass', async () => {
    const { agent, consul } = await agentAndClient();
    const srv = await startHealthServer({ '': 'SERVING', 'order.Order': 'SERVING' });
    // The first check has no name (the client's typings insist on one; Consul does not): the agent names it.
    const checks = [
      { grpc: srv.address, interval: '10s', timeout: '2s' },
      { name: 'order service', grpc: `${srv.address}/order.Order`, interval: '10s', timeout: '2s' },
    ] as { name: string; grpc: string; interval: string; timeout: string }[];
    await consul.agent.service.register({ id: 'order-srv-1', name: 'order-srv', address: '127.0.0.1', port: srv.port, checks });
    await agent.checkNow();
    const [entry] = (await consul.health.service({ service: 'order-srv', passing: true })) as HealthEntry[];
    expect(entry?.Checks.map((c) => [c.CheckID, c.Name, c.Status])).toEqual([
      ['serfHealth', 'Serf Health Status', 'passing'],
      ['service:order-srv-1:1', "Service 'order-srv' check", 'passing'],
      ['service:order-srv-1:2', 'order service', 'passing'],
    ]);

    srv.health.setStatus('order.Order', 'NOT_SERVING');
    await agent.checkNow();
    expect(await consul.health.service({ service: 'order-srv', passing: true })).toEqual([]);
    const [all] = (await consul.health.service({ service: 'order-srv' })) as HealthEntry[];
    expect(all?.Checks.map((c) => c.Status)).toEqual(['passing', 'passing', 'critical']);
  });

  it('when the passing set changes, then a health.service watch emits change each time with an advancing index', async () => {
    const { agent, consul } = await agentAndClient();
    const a = await startHealthServer();
    const b = await startHealthServer();
    await consul.agent.service.register(definition('inventory-srv-a', 'inventory-srv', a));
    await agent.checkNow();
    const watch = follow<HealthEntry[]>(
      consul.watch({ method: consul.health.service, options: { service: 'inventory-srv', passing: 'true', wait: '5s' } }),
    );
    const first = await watch.next();
    expect(ids(first.data)).toEqual(['inventory-srv-a']);

    await consul.agent.service.register(definition('inventory-srv-b', 'inventory-srv', b));
    await agent.checkNow();
    let second = await watch.next();
    // Registering b is a change by itself (b is still critical then); its passing check is the next one.
    if (second.data.length === 1) second = await watch.next();
    expect(ids(second.data)).toEqual(['inventory-srv-a', 'inventory-srv-b']);
    expect(second.index).toBeGreaterThan(first.index);

    a.health.setStatus('', 'NOT_SERVING');
    await agent.checkNow();
    const third = await watch.next();
    expect(ids(third.data)).toEqual(['inventory-srv-b']);
    expect(third.index).toBeGreaterThan(second.index);
    expect(watch.errors).toEqual([]);
  });

  it('when a blocking query names the current index, then the agent holds it until the wait ends and answers the same data and index', async () => {
    const { agent, consul } = await agentAndClient();
    const srv = await startHealthServer();
    await consul.agent.service.register(definition('goods-srv-1', 'goods-srv', srv));
    await agent.checkNow();
    const now = await queryHealth(consul, 'goods-srv');

    const held = await queryHealth(consul, 'goods-srv', { index: now.index, wait: '1s' });
    expect(held.elapsedMs).toBeGreaterThanOrEqual(950);
    expect(held.index).toBe(now.index);
    expect(held.entries).toEqual(now.entries);

    const older = await queryHealth(consul, 'goods-srv', { index: now.index - 1n, wait: '5s' });
    expect(older.elapsedMs).toBeLessThan(500);
    expect(older.index).toBe(now.index);
  });

  it('when the result of a held blocking query changes, then it answers at once with the new data and a higher index', async () => {
    const { agent, consul } = await agentAndClient();
    const srv = await startHealthServer();
    await consul.agent.service.register(definition('goods-srv-1', 'goods-srv', srv));
    await agent.checkNow();
    const now = await queryHealth(consul, 'goods-srv');

    const pending = queryHealth(consul, 'goods-srv', { index: now.index, wait: '10s' });
    await waitFor(
      async () => agent.heldQueries(),
      (n) => n === 1,
    );
    srv.health.setStatus('', 'NOT_SERVING');
    await agent.checkNow();
    const answered = await pending;
    expect(answered.elapsedMs).toBeLessThan(5000);
    expect(answered.entries).toEqual([]);
    expect(answered.index).toBeGreaterThan(now.index);
    expect(agent.heldQueries()).toBe(0);
  });

  it('when the same id registers again, then the definition is replaced and the check keeps its status', async () => {
    const { agent, consul } = await agentAndClient();
    const srv = await startHealthServer();
    await consul.agent.service.register(definition('goods-srv-1', 'goods-srv', srv));
    await agent.checkNow();
    const before = await queryHealth(consul, 'goods-srv');

    await consul.agent.service.register({ ...definition('goods-srv-1', 'goods-srv', srv), tags: ['grpc', 'v2'] });
    const after = await queryHealth(consul, 'goods-srv');
    expect(after.entries.map((e) => [e.Service.ID, e.Service.Tags, e.Checks[1]?.Status])).toEqual([
      ['goods-srv-1', ['grpc', 'v2'], 'passing'],
    ]);
    expect(after.index).toBeGreaterThan(before.index);
    expect(agent.services()).toHaveLength(1);

    // The very same definition again changes nothing, so the index stays.
    await consul.agent.service.register({ ...definition('goods-srv-1', 'goods-srv', srv), tags: ['grpc', 'v2'] });
    expect((await queryHealth(consul, 'goods-srv')).index).toBe(after.index);
  });

  it('when a service is deregistered, then it leaves health.service and the agent’s services, and an unknown id is a 404', async () => {
    const { agent, consul } = await agentAndClient();
    const srv = await startHealthServer();
    await consul.agent.service.register(definition('goods-srv-1', 'goods-srv', srv));
    await agent.checkNow();
    const before = await queryHealth(consul, 'goods-srv');

    await consul.agent.service.deregister('goods-srv-1');
    const after = await queryHealth(consul, 'goods-srv');
    expect(after.entries).toEqual([]);
    expect(after.index).toBeGreaterThan(before.index);
    expect(await consul.health.service({ service: 'goods-srv' })).toEqual([]);
    expect(await consul.agent.service.list()).toEqual({});
    expect(agent.services()).toEqual([]);
    // Consul's message is longer than papi puts in an error, which then says the status only.
    await expect(consul.agent.service.deregister('goods-srv-1')).rejects.toMatchObject({
      message: expect.stringMatching(/not found$/),
      statusCode: 404,
    });
  });

  it('when dead instances stay critical longer than DeregisterCriticalServiceAfter (at least a minute), then the reaper deregisters them', async () => {
    const clock = createTestClock();
    const { agent, consul } = await agentAndClient({ now: clock.now, reapIntervalMs: 20 });
    const srv = await startHealthServer();
    // 10 s is below Consul's minimum of a minute, so it counts as a minute.
    await consul.agent.service.register(definition('goods-srv-short', 'goods-srv', srv, { deregistercriticalserviceafter: '10s' }));
    await consul.agent.service.register(definition('goods-srv-long', 'goods-srv', srv, { deregistercriticalserviceafter: '1m30s' }));
    await agent.checkNow();
    expect(ids((await consul.health.service({ service: 'goods-srv', passing: true })) as HealthEntry[])).toEqual([
      'goods-srv-long',
      'goods-srv-short',
    ]);

    srv.kill();
    await agent.checkNow();
    expect(agent.services().map((s) => s.checks[0]?.status)).toEqual(['critical', 'critical']);
    clock.advance(30_000);
    expect(agent.reapNow()).toEqual([]);

    clock.advance(31_000);
    const left = await waitFor(
      async () => agent.services().map((s) => s.id),
      (list) => list.length === 1,
    );
    expect(left).toEqual(['goods-srv-long']);
    expect(ids((await consul.health.service({ service: 'goods-srv' })) as HealthEntry[])).toEqual(['goods-srv-long']);

    clock.advance(30_000);
    await waitFor(
      async () => agent.services().length,
      (n) => n === 0,
    );
    expect(await consul.health.service({ service: 'goods-srv' })).toEqual([]);
  });

  it('when KV keys are written and read through the client, then values round-trip in Consul’s shape and a missing key is a 404 with an index', async () => {
    const { agent, consul } = await agentAndClient();
    const ctx = Object.assign(new EventEmitter(), { includeResponse: true });
    const missing = (await consul.kv.get({ key: 'config/order-web', ctx } as { key: string })) as unknown as [http.IncomingMessage];
    expect(missing).toHaveLength(1);
    expect(missing[0].statusCode).toBe(404);
    expect(Number(missing[0].headers['x-consul-index'])).toBeGreaterThan(0);
    expect(await consul.kv.get('config/order-web')).toBeUndefined();

    expect(await consul.kv.set('config/order-web', '{"LOG_LEVEL":"info"}')).toBe(true);
    const item = (await consul.kv.get('config/order-web')) as unknown as KvItem;
    expect(item).toEqual({
      Key: 'config/order-web',
      Value: '{"LOG_LEVEL":"info"}',
      Flags: 0,
      LockIndex: 0,
      CreateIndex: expect.any(Number),
      ModifyIndex: item.CreateIndex,
    });

    agent.setKv('config/order-web', 'plain text, ünïcode');
    const updated = (await consul.kv.get('config/order-web')) as unknown as KvItem;
    expect(updated.Value).toBe('plain text, ünïcode');
    expect(updated.CreateIndex).toBe(item.CreateIndex);
    expect(updated.ModifyIndex).toBeGreaterThan(item.ModifyIndex);

    expect(await consul.kv.set('config/empty', '')).toBe(true);
    expect(((await consul.kv.get('config/empty')) as unknown as KvItem).Value).toBeNull();
    expect(await consul.kv.keys('config/')).toEqual(['config/empty', 'config/order-web']);

    expect(await consul.kv.del('config/order-web')).toBe(true);
    expect(await consul.kv.get('config/order-web')).toBeUndefined();
  });

  it('when a watched KV key changes, then the watch emits each value with an advancing index', async () => {
    const { agent, consul } = await agentAndClient();
    agent.setKv('config/order-web', 'v1');
    const watch = follow<KvItem | undefined>(consul.watch({ method: consul.kv.get, options: { key: 'config/order-web', wait: '5s' } }));
    const first = await watch.next();
    expect(first.data?.Value).toBe('v1');

    agent.setKv('config/order-web', 'v2');
    const second = await watch.next();
    expect(second.data?.Value).toBe('v2');
    expect(second.index).toBeGreaterThan(first.index);

    await consul.kv.set('config/order-web', 'v3');
    const third = await watch.next();
    expect(third.data?.Value).toBe('v3');

    await consul.kv.del('config/order-web');
    const fourth = await watch.next();
    expect(fourth.data).toBeUndefined();
    expect(fourth.index).toBeGreaterThan(third.index);
    expect(watch.errors).toEqual([]);
  });

  it('when the agent stops, then calls and held queries fail; when it starts again, then calls work and the registrations are still there', async () => {
    const { agent, consul } = await agentAndClient();
    const srv = await startHealthServer();
    await consul.agent.service.register(definition('goods-srv-1', 'goods-srv', srv));
    await agent.checkNow();
    agent.setKv('config/order-web', 'kept');
    const before = await queryHealth(consul, 'goods-srv');
    const held = queryHealth(consul, 'goods-srv', { index: before.index, wait: '30s' });
    const heldFailure = held.then(
      () => 'answered',
      (err: Error) => err.message,
    );
    await waitFor(
      async () => agent.heldQueries(),
      (n) => n === 1,
    );
    const watch = follow<HealthEntry[]>(
      consul.watch({ method: consul.health.service, options: { service: 'goods-srv', passing: 'true', wait: '5s' } }),
    );
    expect(ids((await watch.next()).data)).toEqual(['goods-srv-1']);

    await agent.stop();
    expect(await heldFailure).toMatch(/socket hang up|ECONNRESET/);
    await expect(consul.health.service({ service: 'goods-srv', passing: true })).rejects.toThrow(/ECONNREFUSED|ECONNRESET|socket hang up/);
    await expect(consul.agent.service.register(definition('goods-srv-2', 'goods-srv', srv))).rejects.toThrow();
    await waitFor(
      async () => watch.errors.length,
      (n) => n > 0,
    );

    await agent.start();
    expect(agent.address).toBe(`127.0.0.1:${agent.port}`);
    const again = await queryHealth(consul, 'goods-srv');
    expect(ids(again.entries)).toEqual(['goods-srv-1']);
    expect(again.index).toBe(before.index);
    expect(((await consul.kv.get('config/order-web')) as unknown as KvItem).Value).toBe('kept');

    // The watch comes back by itself and sees the next change.
    srv.health.setStatus('', 'NOT_SERVING');
    await agent.checkNow();
    expect((await watch.next(10_000)).data).toEqual([]);
  });

  it('when requests are malformed, misdirected or unknown, then the agent answers like Consul does', async () => {
    const { agent } = await agentAndClient();
    const call = async (method: string, path: string, body?: string) => {
      const res = await fetch(`${agent.url}${path}`, { method, ...(body !== undefined ? { body } : {}) });
      return { status: res.status, text: await res.text(), index: res.headers.get('x-consul-index') };
    };
    expect(await call('PUT', '/v1/agent/service/register', '{"Name": ')).toMatchObject({
      status: 400,
      text: expect.stringMatching(/^Request decode failed: /),
    });
    expect(await call('PUT', '/v1/agent/service/register', '{"ID":"x"}')).toMatchObject({ status: 400, text: 'Missing service name' });
    expect(await call('PUT', '/v1/agent/service/register', '{"Name":"x","Check":{"GRPC":"127.0.0.1:1","Interval":"10x"}}')).toMatchObject({
      status: 400,
      text: 'Request decode failed: time: unknown unit "x" in duration "10x"',
    });
    expect(await call('PUT', '/v1/agent/service/register', '{"Name":"x","Check":{"GRPC":"127.0.0.1:1","Interval":"10"}}')).toMatchObject({
      status: 400,
      text: 'Request decode failed: time: missing unit in duration "10"',
    });
    expect(await call('GET', '/v1/agent/service/register')).toMatchObject({ status: 405 });
    expect(await call('GET', '/v1/health/service/x?index=1&wait=forever')).toMatchObject({ status: 400, text: 'Invalid wait time' });
    expect(await call('GET', '/v1/health/service/x?index=-1')).toMatchObject({ status: 400, text: 'Invalid index' });
    expect(await call('GET', '/v1/health/service/x?passing=maybe')).toMatchObject({ status: 400 });
    expect(await call('GET', '/v1/no/such/endpoint')).toMatchObject({ status: 404 });
    expect(await call('GET', '/v1/health/service/x')).toMatchObject({
      status: 200,
      text: '[]',
      index: expect.stringMatching(/^[1-9]\d*$/),
    });
    // Go's decoder matches field names in any case, as the agent's does.
    expect(await call('PUT', '/v1/agent/service/register', '{"name":"lower","port":1}')).toMatchObject({ status: 200 });
    expect(agent.services().map((s) => [s.id, s.port])).toEqual([['lower', 1]]);
  });

  it('when a client hangs up while its blocking query is held, then the agent lets it go and carries on', async () => {
    const { agent, consul } = await agentAndClient();
    const srv = await startHealthServer();
    const now = await queryHealth(consul, 'goods-srv');
    const abort = new AbortController();
    const hungUp = fetch(`${agent.url}/v1/health/service/goods-srv?passing=1&index=${now.index}&wait=30s`, { signal: abort.signal }).catch(
      (err: Error) => err.name,
    );
    await waitFor(
      async () => agent.heldQueries(),
      (n) => n === 1,
    );
    abort.abort();
    expect(await hungUp).toBe('AbortError');
    await waitFor(
      async () => agent.heldQueries(),
      (n) => n === 0,
    );

    await consul.agent.service.register(definition('goods-srv-1', 'goods-srv', srv));
    await agent.checkNow();
    expect(ids((await queryHealth(consul, 'goods-srv')).entries)).toEqual(['goods-srv-1']);
  });
});
