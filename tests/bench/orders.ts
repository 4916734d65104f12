// `npm run bench:orders`: order creation through the real gateway (HTTP) over the real goods, inventory and
// order srvs, on SQLite and on MariaDB, with the correctness counters of the same run (with the correctness counters it must keep at 0).
//
// Per store and mode, on SQLite files in a temp dir or a throwaway MariaDB database:
//   deployed     every srv and the gateway in a process of its own, from dist/ (`npm run build` first), the gateway
//                with GATEWAY_WORKERS workers: the system as it is run in production;
//   one-process  the whole system in this process as `npm start` runs it (three gRPC srvs on 127.0.0.1 port 0, the
//                gateway app on an http.Server on port 0): one thread for everything, which shows the cost per order.
// The load generator (autocannon) runs in a worker thread so it does not share the measured event loop.
// For every store × scenario × concurrency: N fresh users each get one checked cart row (not measured), then
// N POST /o/v1/orders are sent, each with its own user's token and Idempotency-Key. Afterwards the stores are
// read directly: oversold units, duplicate orders and lost units, once compensations have settled.
//
// Settings (environment, all optional):
//   BENCH_STORES=sqlite,mariadb   BENCH_SCENARIOS=hot,spread (also: scarce)   BENCH_CONCURRENCY=1,8,32,64
//   BENCH_ORDERS=400 (orders per run)   BENCH_MYSQL_URL=mysql://root@127.0.0.1:3306   BENCH_SETTLE_MS=15000
//   BENCH_MODES=deployed,one-process   BENCH_GATEWAY_WORKERS=2 (deployed mode)
//   BENCH_PROFILE_DIR=<dir> (deployed mode: every process runs with --cpu-prof and writes its profile there on exit)
//   BENCH_TRANSPORTS=relay,broker: how stock returns, timeouts and events travel: the outbox relay alone, or
//   published on RabbitMQ at BENCH_BROKER_URL (default amqp://guest:guest@127.0.0.1:5672; skipped, saying why,
//   when it does not answer), each system on a prefix of its own, deleted afterwards (CONTRACT §7)
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type EventLoopUtilization, performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import SQLite from 'better-sqlite3';
import { type Connection, createConnection, createPool, type Pool } from 'mysql2/promise';
import { Connection as AmqpConnection } from 'rabbitmq-client';
import { gatewaySchema, parseConfig } from '../../global/config';
import { silentLogger } from '../../global/logger';
import { TRADE_FINISHED, TRADE_SUCCESS, UNPAID_STATUSES } from '../../global/order-status';
import { createSrvConn, type SrvConn } from '../../global/srv-conn';
import type { SrvName } from '../../global/wire';
import { signToken } from '../../middlewares/auth';
import { ensureDevSecrets } from '../../src/dev-secrets';
import { startGateway } from '../../src/gateway';
import { startAllSrvs } from '../../src/srv/all';
import { brokerNames } from '../../src/srv/broker';
import { freePort, gatewayEnv, outputOf, type Proc, srvTargetsEnv, startBuilt, startSrvProcesses, stopAll } from './deployed';
import type { LoadJob, LoadResult } from './load-worker';
import { groupsCpuMs, processesNamed, processTree, type WatchedGroup } from './proc-cpu';

type StoreKind = 'sqlite' | 'mariadb';
type Scenario = 'hot' | 'spread' | 'scarce';
type Mode = 'deployed' | 'one-process';
type Transport = 'relay' | 'broker';

const GOODS_IDS = Array.from({ length: 20 }, (_, i) => i + 1);
const HOT_GOODS = 1;
/** Statuses whose units left inventory for good (an order that is open or paid). */
const LIVE_STATUSES = [...UNPAID_STATUSES, TRADE_SUCCESS, TRADE_FINISHED];
/** DTM's published figure for its barrier on MySQL (4 cores, 8 GB): the bar we measure against. */
const DTM_BARRIER_TPS = 531;
const DTM_CORES = 4;
const WARM_UP_ORDERS = 300;
/** The database server's process group in the CPU table: shown, but not part of our processes' total. */
const DATABASE_SERVER = 'mariadb';
const ORDER_FORM = { address: '北京市朝阳区望京SOHO T1', name: '压测', mobile: '13800138000', post: '请尽快发货' };

// ---------------------------------------------------------------------------------------------- settings

interface Settings {
  modes: Mode[];
  transports: Transport[];
  brokerUrl: string;
  gatewayWorkers: number;
  stores: StoreKind[];
  scenarios: Scenario[];
  concurrency: number[];
  orders: number;
  mysqlUrl: string;
  settleMs: number;
  profileDir: string | undefined;
}

function readSettings(env: NodeJS.ProcessEnv): Settings {
  const list = (name: string, fallback: string) =>
    (env[name] || fallback)
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  const positive = (name: string, value: string) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must list positive integers`);
    return n;
  };
  const oneOf = <T extends string>(name: string, allowed: readonly T[], value: string): T => {
    if (!(allowed as readonly string[]).includes(value)) throw new Error(`${name}: ${value} is not one of ${allowed.join(', ')}`);
    return value as T;
  };
  return {
    modes: list('BENCH_MODES', 'deployed,one-process').map((s) => oneOf('BENCH_MODES', ['deployed', 'one-process'] as const, s)),
    transports: list('BENCH_TRANSPORTS', 'relay,broker').map((s) => oneOf('BENCH_TRANSPORTS', ['relay', 'broker'] as const, s)),
    brokerUrl: env.BENCH_BROKER_URL || 'amqp://guest:guest@127.0.0.1:5672',
    gatewayWorkers: positive('BENCH_GATEWAY_WORKERS', env.BENCH_GATEWAY_WORKERS || '2'),
    stores: list('BENCH_STORES', 'sqlite,mariadb').map((s) => oneOf('BENCH_STORES', ['sqlite', 'mariadb'] as const, s)),
    scenarios: list('BENCH_SCENARIOS', 'hot,spread').map((s) => oneOf('BENCH_SCENARIOS', ['hot', 'spread', 'scarce'] as const, s)),
    concurrency: list('BENCH_CONCURRENCY', '1,8,32,64').map((s) => positive('BENCH_CONCURRENCY', s)),
    orders: positive('BENCH_ORDERS', env.BENCH_ORDERS || '400'),
    mysqlUrl: (env.BENCH_MYSQL_URL || 'mysql://root@127.0.0.1:3306').replace(/\/+$/, ''),
    settleMs: positive('BENCH_SETTLE_MS', env.BENCH_SETTLE_MS || '15000'),
    profileDir: env.BENCH_PROFILE_DIR ? path.resolve(env.BENCH_PROFILE_DIR) : undefined,
  };
}

// ---------------------------------------------------------------------------------------------- the system

interface Storage {
  env: { DATA_DIR: string; DATABASE_URL?: string };
  /** Plain SQL against a srv's own store, for reading counters. */
  all<Row>(srv: SrvName, sql: string, params?: unknown[]): Promise<Row[]>;
  cleanup(): Promise<void>;
}

async function createStorage(kind: StoreKind, mysqlUrl: string): Promise<Storage | { skipped: string }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `order-web-bench-${kind}-`));
  const removeDir = () => fs.rmSync(dataDir, { recursive: true, force: true });

  if (kind === 'sqlite') {
    const files = new Map<SrvName, SQLite.Database>();
    const fileOf = (srv: SrvName) => {
      let file = files.get(srv);
      if (!file) {
        file = new SQLite(path.join(dataDir, `${srv}.db`), { readonly: true });
        files.set(srv, file);
      }
      return file;
    };
    return {
      env: { DATA_DIR: dataDir },
      all: async <Row>(srv: SrvName, sql: string, params: unknown[] = []) =>
        fileOf(srv)
          .prepare(sql)
          .all(...params) as Row[],
      async cleanup() {
        for (const file of files.values()) file.close();
        removeDir();
      },
    };
  }

  let admin: Connection;
  try {
    admin = await createConnection({ uri: mysqlUrl, connectTimeout: 2000 });
  } catch (err) {
    removeDir();
    return { skipped: `MariaDB not reachable at ${redactUrl(mysqlUrl)} (${(err as Error).message}); set BENCH_MYSQL_URL to run it` };
  }
  const database = `order_web_bench_${crypto.randomBytes(4).toString('hex')}`;
  try {
    await admin.query(`CREATE DATABASE \`${database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  } finally {
    await admin.end();
  }
  const url = `${mysqlUrl}/${database}`;
  let pool: Pool | undefined;
  return {
    env: { DATA_DIR: dataDir, DATABASE_URL: url },
    async all<Row>(_srv: SrvName, sql: string, params: unknown[] = []) {
      pool ??= createPool({ uri: url, connectionLimit: 2 });
      const [rows] = await pool.query(sql, params);
      return rows as Row[];
    },
    async cleanup() {
      await pool?.end();
      const conn = await createConnection({ uri: mysqlUrl });
      try {
        await conn.query(`DROP DATABASE IF EXISTS \`${database}\``);
      } finally {
        await conn.end();
      }
      removeDir();
    },
  };
}

function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}

function rsaPair() {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

// ---------------------------------------------------------------------------------------------- the broker

/** A prefix of its own on RabbitMQ for one system: its settings, what waits in its stock-return queue, cleanup. */
interface BenchBroker {
  env: Record<string, string>;
  waiting(): Promise<number>;
  cleanup(): Promise<void>;
}

async function openBroker(url: string): Promise<BenchBroker | { skipped: string }> {
  const connection = new AmqpConnection({ url, connectionTimeout: 3000, retryLow: 200 });
  connection.on('error', () => undefined);
  try {
    await connection.onConnect(3000, true);
  } catch (err) {
    await connection.close().catch(() => undefined);
    return { skipped: `RabbitMQ not reachable at ${url.replace(/\/\/[^@]*@/, '//')} (${(err as Error).message}); set BENCH_BROKER_URL` };
  }
  const prefix = `bench-${crypto.randomBytes(4).toString('hex')}`;
  const names = brokerNames(prefix);
  return {
    env: { MESSAGE_BROKER_URL: url, MESSAGE_BROKER_PREFIX: prefix },
    async waiting() {
      return (await connection.queueDeclare({ queue: names.stockReturn, passive: true }).catch(() => ({ messageCount: 0 }))).messageCount;
    },
    async cleanup() {
      for (const queue of [names.stockReturn, names.orderTimeout, names.dead, names.delay(1800)])
        await connection.queueDelete({ queue }).catch(() => undefined);
      for (const exchange of [names.exchange, names.dead]) await connection.exchangeDelete({ exchange }).catch(() => undefined);
      await connection.close();
    },
  };
}

interface System {
  mode: Mode;
  /** With a broker: stock returns published and not yet consumed. */
  waitingMessages?: () => Promise<number>;
  url: string;
  srv: SrvConn;
  storage: Storage;
  token(userId: number): string;
  /**
   * The processes whose CPU time makes an order's cost, read from /proc: deployed, the gateway (its workers
   * included) and each srv; one-process, this process.
   */
  processes(): WatchedGroup[];
  stop(): Promise<void>;
}

// Compensations are delivered soon, and an abandoned attempt is recovered well within the settle wait
// (still twice the default deadline, so no attempt is taken over while its request may be running).
const ORDER_SRV_ENV = { RELAY_INTERVAL_MS: '200', ATTEMPT_RECOVER_SECONDS: '10' };

async function startSystem(mode: Mode, storage: Storage, settings: Settings, broker: BenchBroker | undefined): Promise<System> {
  // Every srv gets the broker settings; the inventory and order srvs are the ones that use them.
  const withBroker = broker ? { ...storage, env: { ...storage.env, ...broker.env } } : storage;
  const system =
    mode === 'deployed' ? await startDeployed(withBroker, settings.gatewayWorkers, settings.profileDir) : await startOneProcess(withBroker);
  return broker ? { ...system, storage, waitingMessages: broker.waiting } : system;
}

/** Every srv and the gateway (with its workers) a `node dist/…` process of its own, as in production. */
async function startDeployed(storage: Storage, gatewayWorkers: number, profileDir: string | undefined): Promise<System> {
  const procs: Proc[] = [];
  const srv: { conn?: SrvConn } = {};
  const stop = async () => {
    srv.conn?.close();
    await stopAll(procs);
  };
  try {
    const profile: Record<string, string> = profileDir ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${profileDir}` } : {};
    const common = { ...storage.env, ...profile, LOG_LEVEL: 'warn' };
    const targets = await startSrvProcesses(common, ORDER_SRV_ENV, procs);
    const secrets = ensureDevSecrets(storage.env.DATA_DIR);
    const port = await freePort();
    const env = { ...common, ...gatewayEnv(port, secrets), ...srvTargetsEnv(targets), GATEWAY_WORKERS: String(gatewayWorkers) };
    procs.push(await startBuilt('gateway', 'src/main.js', env, { ready: { port } }));
    srv.conn = createSrvConn(targets, { deadlineMs: 30_000 });
    return {
      mode: 'deployed',
      url: `http://127.0.0.1:${port}`,
      srv: srv.conn,
      storage,
      token: (userId) => signToken(secrets.jwtKey, { userId, nickName: `bench${userId}` }),
      processes: () => procs.map((p) => ({ name: p.name, pids: p.child.pid === undefined ? [] : processTree(p.child.pid) })),
      stop,
    };
  } catch (err) {
    for (const p of procs) process.stderr.write(`--- ${p.name} output:\n${outputOf(p, 2000)}\n`);
    await stop();
    throw err;
  }
}

/** The four srvs and the gateway in this process, started as `npm start` starts them, on the given storage. */
async function startOneProcess(storage: Storage): Promise<System> {
  const srvs = await startAllSrvs({
    env: {
      ...storage.env,
      LOG_LEVEL: 'silent',
      GOODS_SRV: '127.0.0.1:0',
      INVENTORY_SRV: '127.0.0.1:0',
      ORDER_SRV: '127.0.0.1:0',
      USEROP_SRV: '127.0.0.1:0',
    },
    orderEnv: ORDER_SRV_ENV,
    logger: silentLogger,
    seedDemo: true,
  });
  try {
    const app = rsaPair();
    const alipay = rsaPair();
    const config = parseConfig(gatewaySchema, {
      LOG_LEVEL: 'silent',
      HOST: '127.0.0.1',
      PORT: '0',
      JWT_KEY: crypto.randomBytes(24).toString('hex'),
      GOODS_SRV: srvs.targets.goods,
      INVENTORY_SRV: srvs.targets.inventory,
      ORDER_SRV: srvs.targets.order,
      USEROP_SRV: srvs.targets.userop,
      ALIPAY_APP_ID: '2021000000000000',
      ALIPAY_PRIVATE_KEY: app.privateKey,
      ALIPAY_PUBLIC_KEY: alipay.publicKey,
      ALIPAY_GATEWAY: 'http://127.0.0.1:9/gateway.do',
      ALIPAY_NOTIFY_URL: 'http://127.0.0.1:8023/o/v1/pay/alipay/notify',
      ALIPAY_RETURN_URL: 'http://127.0.0.1:8080/pay/return',
    });
    const gateway = await startGateway(config, silentLogger);
    return {
      mode: 'one-process',
      url: `http://127.0.0.1:${gateway.port}`,
      srv: gateway.srv,
      storage,
      token: (userId) => signToken(config.JWT_KEY, { userId, nickName: `bench${userId}` }),
      processes: () => [{ name: 'this process', pids: [process.pid] }],
      async stop() {
        await gateway.stop();
        await srvs.stop();
      },
    };
  } catch (err) {
    await srvs.stop().catch(() => undefined);
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------- one run

interface RunPlan {
  mode: Mode;
  transport: Transport;
  store: StoreKind;
  scenario: Scenario;
  concurrency: number;
  orders: number;
  /** Users firstUser .. firstUser + orders - 1 belong to this run only. */
  firstUser: number;
}

interface Counters {
  /** Orders (open or paid) of this run's users. */
  orders: number;
  /** Units sold beyond the initial stock, plus the sum of any negative stock. */
  oversold: number;
  /** Orders beyond the first per user, plus orders beyond the first per (user, Idempotency-Key). */
  duplicates: number;
  /** initial − left − units in open and paid orders, summed over goods (negative: stock appeared). */
  lost: number;
  /** 2xx answers for which no order exists (a promise the stores do not keep). */
  ackedWithoutOrder: number;
  /** Users with neither an order nor their cart row left (the cart was consumed without an order). */
  cartsVanished: number;
  /** Open attempts and stock-return messages still pending when counting (0 once settled). */
  pending: number;
  settleMs: number;
}

/** How busy the system was while the load ran. */
interface Busy {
  /** One-process mode: event-loop utilisation of the main thread, which runs the gateway and the four srvs (1 = never idle). */
  loop: number;
  /**
   * CPU time per second of wall time, in cores: of this whole process (all threads, the load generator's included) in
   * one-process mode; of the whole machine (every process, MariaDB's included) in deployed mode.
   */
  cores: number;
}

/** CPU time per 2xx order, in ms, by process group (see System.processes), from /proc. */
interface OrderCpu {
  groups: { name: string; msPerOrder: number }[];
  /** All the groups together: gateway + srvs (deployed), or this whole process (one-process). */
  totalMsPerOrder: number;
}

interface RunReport extends RunPlan {
  load: LoadResult;
  busy: Busy;
  cpu: OrderCpu;
  counters: Counters;
}

function initialStock(scenario: Scenario, orders: number): Map<number, number> {
  switch (scenario) {
    case 'hot':
      return new Map([[HOT_GOODS, orders * 2]]);
    case 'spread':
      return new Map(GOODS_IDS.map((id) => [id, orders]));
    case 'scarce':
      // Half the buyers get the goods: the oversold counter under real contention.
      return new Map([[HOT_GOODS, Math.floor(orders / 2)]]);
  }
}

function goodsFor(scenario: Scenario): () => number {
  if (scenario === 'spread') return () => GOODS_IDS[crypto.randomInt(GOODS_IDS.length)]!;
  return () => HOT_GOODS;
}

async function inBatches<T>(items: T[], width: number, work: (item: T) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < items.length; i += width) await Promise.all(items.slice(i, i + width).map(work));
}

async function readStock(storage: Storage): Promise<Map<number, number>> {
  const rows = await storage.all<{ goods_id: number; stocks: number | string }>('inventory', 'SELECT goods_id, stocks FROM inventory');
  return new Map(rows.map((r) => [Number(r.goods_id), Number(r.stocks)]));
}

async function pendingWork(system: System): Promise<number> {
  const { storage } = system;
  const [attempts] = await storage.all<{ n: number | string }>('order', 'SELECT COUNT(*) AS n FROM order_attempt');
  const [rebacks] = await storage.all<{ n: number | string }>('order', "SELECT COUNT(*) AS n FROM outbox WHERE topic = 'stock.reback'");
  const published = system.waitingMessages ? await system.waitingMessages() : 0;
  return Number(attempts?.n ?? 0) + Number(rebacks?.n ?? 0) + published;
}

/** Waits until no order attempt is open and no stock return is queued (or settleMs passed); returns how long it took. */
async function settle(system: System, settleMs: number): Promise<{ pending: number; waitedMs: number }> {
  const started = Date.now();
  for (;;) {
    const pending = await pendingWork(system);
    if (pending === 0 || Date.now() - started >= settleMs) return { pending, waitedMs: Date.now() - started };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

interface BusySample {
  at: number;
  elu: EventLoopUtilization;
  cpu: NodeJS.CpuUsage;
  machineMs: number;
  /** CPU ms of each watched process group so far. */
  groupsMs: number[];
}

/**
 * Samples the main thread's event-loop utilisation, the process's CPU time and the watched processes' CPU time
 * every 100 ms until stopped.
 */
function sampleBusy(groups: readonly WatchedGroup[]): { stop(): BusySample[] } {
  const samples: BusySample[] = [];
  const take = () =>
    samples.push({
      at: performance.timeOrigin + performance.now(),
      elu: performance.eventLoopUtilization(),
      cpu: process.cpuUsage(),
      machineMs: machineBusyMs(),
      groupsMs: groupsCpuMs(groups),
    });
  take();
  const timer = setInterval(take, 100);
  let stopped = false;
  return {
    stop() {
      if (!stopped) {
        stopped = true;
        clearInterval(timer);
        take();
      }
      return samples;
    },
  };
}

/** The last sample at or before `from` and the first at or after `to`. */
function samplesAround(samples: BusySample[], window: { from: number; to: number }): { first: BusySample; last: BusySample } {
  return {
    first: [...samples].reverse().find((s) => s.at <= window.from) ?? samples[0]!,
    last: samples.find((s) => s.at >= window.to) ?? samples[samples.length - 1]!,
  };
}

/** Busy-ness between the samples around the window. */
function busyIn(mode: Mode, samples: BusySample[], window: { from: number; to: number }): Busy {
  const { first, last } = samplesAround(samples, window);
  const wallMs = Math.max(1, last.at - first.at);
  if (mode === 'deployed') return { loop: Number.NaN, cores: (last.machineMs - first.machineMs) / wallMs };
  const elu = performance.eventLoopUtilization(last.elu, first.elu);
  const cpuMs = (last.cpu.user - first.cpu.user + last.cpu.system - first.cpu.system) / 1000;
  return { loop: elu.utilization, cores: cpuMs / wallMs };
}

/** Each watched group's CPU time in the window, per 2xx order. */
function cpuPerOrder(
  groups: readonly WatchedGroup[],
  samples: BusySample[],
  window: { from: number; to: number },
  orders: number,
): OrderCpu {
  const { first, last } = samplesAround(samples, window);
  const perOrder = groups.map((g, i) => ({
    name: g.name,
    msPerOrder: ((last.groupsMs[i] ?? 0) - (first.groupsMs[i] ?? 0)) / Math.max(1, orders),
  }));
  const ours = perOrder.filter((g) => g.name !== DATABASE_SERVER);
  return { groups: perOrder, totalMsPerOrder: ours.reduce((sum, g) => sum + g.msPerOrder, 0) };
}

function runLoad(job: LoadJob): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(path.join(__dirname, 'load-worker.js'), { workerData: job });
    worker.once('message', (message: { ok: true; result: LoadResult } | { ok: false; error: string }) => {
      if (message.ok) resolve(message.result);
      else reject(new Error(`load generator failed: ${message.error}`));
    });
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`load generator exited with ${code}`));
    });
  });
}

async function count(system: System, plan: RunPlan, initial: Map<number, number>, load: LoadResult, settleMs: number): Promise<Counters> {
  const { storage } = system;
  const lastUser = plan.firstUser + plan.orders - 1;
  const settled = await settle(system, settleMs);
  const placeholders = LIVE_STATUSES.map(() => '?').join(', ');

  const orders = await storage.all<{ user_id: number; idempotency_key: string | null; status: string }>(
    'order',
    'SELECT user_id, idempotency_key, status FROM order_info WHERE user_id BETWEEN ? AND ?',
    [plan.firstUser, lastUser],
  );
  const live = orders.filter((o) => LIVE_STATUSES.includes(o.status));
  const perUser = new Map<number, number>();
  const perKey = new Map<string, number>();
  for (const o of live) {
    perUser.set(Number(o.user_id), (perUser.get(Number(o.user_id)) ?? 0) + 1);
    if (o.idempotency_key !== null) {
      const k = `${o.user_id}\n${o.idempotency_key}`;
      perKey.set(k, (perKey.get(k) ?? 0) + 1);
    }
  }
  const extra = (m: Map<unknown, number>) => [...m.values()].reduce((sum, n) => sum + Math.max(0, n - 1), 0);

  const units = await storage.all<{ goods_id: number; units: number | string }>(
    'order',
    `SELECT g.goods_id, SUM(g.nums) AS units FROM order_goods g JOIN order_info o ON o.id = g.order_id
      WHERE o.user_id BETWEEN ? AND ? AND o.status IN (${placeholders}) GROUP BY g.goods_id`,
    [plan.firstUser, lastUser, ...LIVE_STATUSES],
  );
  const sold = new Map(units.map((u) => [Number(u.goods_id), Number(u.units)]));
  const left = await readStock(storage);
  let oversold = 0;
  let lost = 0;
  for (const [goodsId, stock] of left) {
    if (stock < 0) oversold += -stock;
    const start = initial.get(goodsId);
    if (start === undefined) continue;
    const out = sold.get(goodsId) ?? 0;
    oversold += Math.max(0, out - start);
    lost += start - stock - out;
  }
  for (const goodsId of sold.keys()) if (!initial.has(goodsId)) oversold += sold.get(goodsId) ?? 0; // sold goods we never stocked

  const [carts] = await storage.all<{ n: number | string }>(
    'order',
    'SELECT COUNT(DISTINCT user_id) AS n FROM shopping_cart WHERE user_id BETWEEN ? AND ?',
    [plan.firstUser, lastUser],
  );
  const ok = Object.entries(load.statuses).reduce((sum, [status, n]) => (status.startsWith('2') ? sum + n : sum), 0);
  return {
    orders: live.length,
    oversold,
    duplicates: extra(perUser) + extra(perKey),
    lost,
    ackedWithoutOrder: Math.max(0, ok - perUser.size),
    cartsVanished: Math.max(0, plan.orders - perUser.size - Number(carts?.n ?? 0)),
    pending: settled.pending,
    settleMs: settled.waitedMs,
  };
}

async function runOne(system: System, plan: RunPlan, settleMs: number): Promise<RunReport> {
  // Arrange (not measured): stock for this run, and one checked cart row per fresh user.
  const stock = initialStock(plan.scenario, plan.orders);
  for (const [goodsId, num] of stock) await system.srv.inventory.SetInv({ goodsId, num });
  const initial = await readStock(system.storage);
  const pickGoods = goodsFor(plan.scenario);
  const users = Array.from({ length: plan.orders }, (_, i) => plan.firstUser + i);
  await inBatches(users, 32, (userId) => system.srv.order.CreateCartItem({ userId, goodsId: pickGoods(), nums: 1, checked: true }));
  const tokens = users.map((userId) => system.token(userId));

  // The database server works for the orders too; on MariaDB its process is shown beside ours (it may serve others).
  const database =
    plan.store === 'mariadb' && plan.mode === 'deployed' ? [{ name: DATABASE_SERVER, pids: processesNamed(['mariadbd', 'mysqld']) }] : [];
  const watched = [...system.processes(), ...database];
  const sampler = sampleBusy(watched);
  let load: LoadResult;
  try {
    load = await runLoad({
      url: system.url,
      tokens,
      keyPrefix: `bench-${plan.firstUser}-`,
      body: JSON.stringify(ORDER_FORM),
      connections: Math.min(plan.concurrency, plan.orders),
      timeoutSeconds: 30,
    });
  } finally {
    sampler.stop();
  }
  const samples = sampler.stop();
  const busy = busyIn(plan.mode, samples, load.window);
  const cpu = cpuPerOrder(watched, samples, load.window, okCount(load));
  const counters = await count(system, plan, initial, load, settleMs);
  return { ...plan, load, busy, cpu, counters };
}

// ---------------------------------------------------------------------------------------------- output

function okCount(load: LoadResult): number {
  return load.okLatenciesMs.length + load.firstLatenciesMs.length;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

interface Row {
  cells: string[];
  flagged: boolean;
}

function rowOf(r: RunReport): Row {
  const ok = okCount(r.load);
  // Each connection's first answer waited for the connection to be accepted (see LoadResult); with one
  // request per connection there is nothing else to report.
  const latencies = [...(r.load.okLatenciesMs.length > 0 ? r.load.okLatenciesMs : r.load.firstLatenciesMs)].sort((a, b) => a - b);
  const non2xx = Object.entries(r.load.statuses)
    .filter(([status]) => !status.startsWith('2'))
    .map(([status, n]) => `${n}×${status}`)
    .join(' ');
  const noAnswer = r.load.errors > 0 ? ` ${r.load.errors}×err` : '';
  const c = r.counters;
  const flagged =
    c.oversold !== 0 || c.duplicates !== 0 || c.lost !== 0 || c.ackedWithoutOrder !== 0 || c.cartsVanished !== 0 || c.pending !== 0;
  const expected = r.scenario === 'scarce' ? Math.min(r.orders, initialStock('scarce', r.orders).get(HOT_GOODS) ?? 0) : r.orders;
  return {
    flagged,
    cells: [
      r.mode,
      r.transport,
      r.store,
      r.scenario,
      String(r.concurrency),
      `${ok}/${r.orders}`,
      ((ok / r.load.wallMs) * 1000).toFixed(0),
      percentile(latencies, 50).toFixed(1),
      percentile(latencies, 99).toFixed(1),
      Number.isNaN(r.busy.loop) ? '—' : `${(r.busy.loop * 100).toFixed(0)}%`,
      r.busy.cores.toFixed(2),
      `${r.orders - ok}${non2xx || noAnswer ? ` (${(non2xx + noAnswer).trim()})` : ''}`,
      `${c.orders}${c.orders === expected ? '' : ` (want ${expected})`}`,
      String(c.oversold),
      String(c.duplicates),
      String(c.lost),
      String(c.ackedWithoutOrder + c.cartsVanished),
      `${c.pending}${c.settleMs > 150 ? ` (${(c.settleMs / 1000).toFixed(1)}s)` : ''}`,
      flagged ? 'CHECK' : 'ok',
    ],
  };
}

const HEADER = [
  'mode',
  'transport',
  'store',
  'scenario',
  'conc',
  '2xx',
  'orders/s',
  'p50 ms',
  'p99 ms',
  'loop',
  'cores',
  'non-2xx',
  'orders',
  'oversold',
  'dup',
  'lost',
  'orphan',
  'pending',
  'consistent',
];

function table(rows: string[][]): string {
  const widths = HEADER.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]?.length ?? 0)));
  const line = (cells: string[]) => cells.map((cell, i) => (i < 5 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');
  return [line(HEADER), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

const out = (text = '') => process.stdout.write(`${text}\n`);

function cpuLine(cpu: OrderCpu): string {
  return `${cpu.totalMsPerOrder.toFixed(2)} (${cpu.groups.map((g) => `${g.name} ${g.msPerOrder.toFixed(2)}`).join(', ')})`;
}

/** Whole-system CPU per order beside orders/s: one row per run, one column per process group. */
function cpuTable(reports: RunReport[]): string {
  const names = [...new Set(reports.flatMap((r) => r.cpu.groups.map((g) => g.name)))];
  const header = ['mode', 'transport', 'store', 'scenario', 'conc', 'orders/s', 'CPU ms/order', ...names];
  const rows = reports.map((r) => [
    r.mode,
    r.transport,
    r.store,
    r.scenario,
    String(r.concurrency),
    ((okCount(r.load) / r.load.wallMs) * 1000).toFixed(0),
    r.cpu.totalMsPerOrder.toFixed(2),
    ...names.map((name) => {
      const group = r.cpu.groups.find((g) => g.name === name);
      return group ? group.msPerOrder.toFixed(2) : '—';
    }),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]?.length ?? 0)));
  const line = (cells: string[]) => cells.map((cell, i) => (i < 5 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');
  return [
    'whole-system CPU per order (user + system time from /proc over the run, ÷ 2xx orders): CPU ms/order = the gateway (its',
    'workers included) and the srvs in deployed mode, this whole process (load generator included) in one-process mode;',
    `${DATABASE_SERVER} = the database server's own CPU, beside the total, not in it (it may be serving other work too);`,
    "with the broker transport RabbitMQ's own CPU is not in it either.",
    line(header),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...rows.map(line),
  ].join('\n');
}

/** Busy CPU time of the whole machine (all processes), in ms. */
function machineBusyMs(): number {
  return os.cpus().reduce((sum, { times }) => sum + times.user + times.nice + times.sys + times.irq, 0);
}

/** Cores kept busy by other processes than this one since `from` (MariaDB's work for us included). */
function othersBusy(from: { at: number; machine: number; own: NodeJS.CpuUsage }): number {
  const own = process.cpuUsage(from.own);
  return (machineBusyMs() - from.machine - (own.user + own.system) / 1000) / Math.max(1, Date.now() - from.at);
}

function busyMark() {
  return { at: Date.now(), machine: machineBusyMs(), own: process.cpuUsage() };
}

function machineFacts(): string {
  const cpus = os.cpus();
  const model = cpus[0]?.model.trim() ?? 'unknown CPU';
  const sqliteVersion = (() => {
    const db = new SQLite(':memory:');
    try {
      return (db.prepare('SELECT sqlite_version() AS v').get() as { v: string }).v;
    } finally {
      db.close();
    }
  })();
  return [
    `machine: ${cpus.length} cores (${model}), ${(os.totalmem() / 2 ** 30).toFixed(1)} GB RAM, ${os.platform()} ${os.release()}`,
    `node ${process.version}; SQLite ${sqliteVersion} (better-sqlite3, WAL); load generator in a worker thread of this process`,
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------- main

async function main(): Promise<void> {
  const settings = readSettings(process.env);
  const idleCheck = busyMark();
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const busyBefore = othersBusy(idleCheck);
  const benchStart = busyMark();
  out('order-web bench: POST /o/v1/orders through the gateway over the goods, inventory and order srvs (userop runs too)');
  out(machineFacts());
  out(
    `other processes before start: ${busyBefore.toFixed(2)} of ${os.cpus().length} cores busy` +
      (busyBefore > 0.2 ? ' (something else is running: figures will be lower and noisier)' : ''),
  );
  out(
    `runs: modes ${settings.modes.join(',')} × stores ${settings.stores.join(',')} × scenarios ${settings.scenarios.join(',')} × concurrency ${settings.concurrency.join(',')}, ` +
      `${settings.orders} orders each (hot: all buy goods ${HOT_GOODS}, stock ${settings.orders * 2}; spread: goods 1..20 at random, ` +
      `stock ${settings.orders} each; scarce: goods ${HOT_GOODS} with stock ${Math.floor(settings.orders / 2)})`,
  );
  out();

  const reports: RunReport[] = [];
  const skipped: string[] = [];
  let nextUser = 1_000_000;
  for (const mode of settings.modes) {
    for (const transport of settings.transports) {
      for (const store of settings.stores) {
        const broker = transport === 'broker' ? await openBroker(settings.brokerUrl) : undefined;
        if (broker && 'skipped' in broker) {
          skipped.push(`${mode} broker ${store}: skipped: ${broker.skipped}`);
          out(`${mode} broker ${store}: skipped: ${broker.skipped}`);
          continue;
        }
        const storage = await createStorage(store, settings.mysqlUrl);
        if ('skipped' in storage) {
          skipped.push(`${mode} ${store}: skipped: ${storage.skipped}`);
          out(`${mode} ${store}: skipped: ${storage.skipped}`);
          await broker?.cleanup();
          continue;
        }
        let system: System | undefined;
        try {
          system = await startSystem(mode, storage, settings, broker);
          out(
            (mode === 'deployed'
              ? `deployed ${store}: 4 srv processes and the gateway with GATEWAY_WORKERS=${settings.gatewayWorkers}, from dist/`
              : `one-process ${store}: the 4 srvs and the gateway on this process's main thread`) +
              (broker ? `; messages on RabbitMQ (${broker.env.MESSAGE_BROKER_PREFIX})` : '; messages by the outbox relay'),
          );
          if (store === 'mariadb') {
            const [v] = await storage.all<{ v: string }>('order', 'SELECT VERSION() AS v');
            out(`  mariadb: server ${v?.v ?? '?'}, throwaway database, READ COMMITTED, pool of 10 per srv`);
          }
          // Warm-up (not reported): connects every gRPC channel and lets the JIT optimise the hot paths.
          const warmUp = {
            mode,
            transport,
            store,
            scenario: 'spread' as const,
            concurrency: 16,
            orders: WARM_UP_ORDERS,
            firstUser: nextUser,
          };
          await runOne(system, warmUp, settings.settleMs);
          nextUser += WARM_UP_ORDERS;
          for (const scenario of settings.scenarios) {
            for (const concurrency of settings.concurrency) {
              const plan = { mode, transport, store, scenario, concurrency, orders: settings.orders, firstUser: nextUser };
              const report = await runOne(system, plan, settings.settleMs);
              nextUser += settings.orders;
              reports.push(report);
              const { cells } = rowOf(report);
              const first = [...report.load.firstLatenciesMs].sort((a, b) => a - b);
              out(
                `  done ${cells.slice(0, 5).join(' ')}: ${cells[6]} orders/s, p50 ${cells[7]} ms, p99 ${cells[8]} ms, cores ${cells[10]}, ` +
                  `consistent: ${cells[18]}; first answer per connection: p50 ${percentile(first, 50).toFixed(1)} ms, max ${percentile(first, 100).toFixed(1)} ms`,
              );
              out(`    CPU ms per order: ${cpuLine(report.cpu)}`);
            }
          }
        } finally {
          await system?.stop();
          await storage.cleanup();
          await broker?.cleanup();
        }
      }
    }
  }

  const rows = reports.map(rowOf);
  out();
  out(table(rows.map((r) => r.cells)));
  out();
  const legend = [
    'orders/s = 2xx answers / wall time of the run (first request sent to last answer). p50/p99 over the 2xx answers on kept-alive',
    'connections; the first answer on each connection also waited for the saturated server to accept it (shown per run above).',
    "orders = open or paid orders of the run's users in the order store. oversold = units sold beyond the initial stock + any",
    'negative stock. dup = orders beyond one per user and per (user, Idempotency-Key). lost = initial stock − stock left − units in',
    'open and paid orders, after compensations settled (pending = open attempts + queued stock returns still there when counted).',
    'orphan = 2xx without an order + carts consumed without an order. loop (one-process) = event-loop utilisation of the one thread',
    'running the gateway and the four srvs. cores = CPU seconds per wall second: one-process, of this whole process (that thread, GC',
    "and libuv threads, the load generator; MariaDB's own CPU is not in it); deployed, of the whole machine (every process).",
  ];
  for (const line of legend) out(line);
  for (const s of skipped) out(s);
  out();
  out(cpuTable(reports));
  out();

  const best = new Map<string, number>();
  // A scarce run refuses half its requests on purpose; its rate is not a throughput figure.
  for (const r of reports.filter((report) => report.scenario !== 'scarce')) {
    const rate = (okCount(r.load) / r.load.wallMs) * 1000;
    const key = `${r.mode} ${r.transport} ${r.store}`;
    best.set(key, Math.max(best.get(key) ?? 0, rate));
  }
  const cores = os.cpus().length;
  out(
    `bar: DTM's published ${DTM_BARRIER_TPS} transactions/s with its barrier on MySQL (${DTM_CORES} cores, 8 GB) ≈ ${(DTM_BARRIER_TPS / DTM_CORES).toFixed(0)}/s per core; here ${cores} cores.`,
  );
  for (const [store, rate] of best) {
    out(
      `  best ${store}: ${rate.toFixed(0)} orders/s = ${((rate / DTM_BARRIER_TPS) * 100).toFixed(0)}% of the bar, ` +
        `${(rate / cores).toFixed(0)}/s per core = ${((rate / cores / (DTM_BARRIER_TPS / DTM_CORES)) * 100).toFixed(0)}% per core`,
    );
  }
  out(`other processes during the bench (MariaDB included): ${othersBusy(benchStart).toFixed(2)} cores on average`);
  const inconsistent = rows.filter((r) => r.flagged).length;
  out(
    inconsistent === 0
      ? 'correctness: every run consistent (0 oversold, 0 duplicate, 0 lost, 0 orphan, nothing pending).'
      : `correctness: ${inconsistent} run(s) flagged CHECK above.`,
  );
  if (inconsistent > 0) process.exitCode = 1;
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${(err as Error)?.stack ?? String(err)}\n`);
  process.exitCode = 1;
});
