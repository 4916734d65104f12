// The real system for a test file: goods, inventory, order and userop srvs on 127.0.0.1 port 0 with
// SQLite files in a fresh temp dir, and the real gateway app over real gRPC clients.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import type express from 'express';
import { createConnection } from 'mysql2/promise';
import { describe, it } from 'vitest';
import { type Env, type GatewayConfig, gatewaySchema, parseConfig } from '../../global/config';
import { createLogger, type Logger, silentLogger } from '../../global/logger';

const debugLogger = process.env.TEST_LOG ? createLogger({ name: 'test', level: process.env.TEST_LOG }) : silentLogger;

import type { SrvConn, SrvTargets } from '../../global/srv-conn';
import type { SrvName } from '../../global/wire';
import { signToken } from '../../middlewares/auth';
import type { AlipayPagePay } from '../../src/alipay/page-pay';
import { buildGatewayApp } from '../../src/gateway';
import { type AllSrvs, type AllSrvsOptions, startAllSrvs } from '../../src/srv/all';
import { startTestBroker, type TestBroker } from './broker';
import { createTestClock, type TestClock } from './clock';
import { createTestStore, type StoreKind, type TestStore } from './grpc';
import { waitFor } from './wait';

export interface RsaPair {
  privateKey: string;
  publicKey: string;
}

let cachedPairs: { app: RsaPair; alipay: RsaPair } | undefined;

/** Key pairs for the app and for a stand-in Alipay; generated once per test file. */
export function testKeys(): { app: RsaPair; alipay: RsaPair } {
  const pair = (): RsaPair => {
    const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
    return {
      privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    };
  };
  cachedPairs ??= { app: pair(), alipay: pair() };
  return cachedPairs;
}

export const TEST_JWT_KEY = 'test-jwt-key-0123456789abcdef';
export const TEST_APP_ID = '2021000000000001';

export function makeTempDir(prefix = 'order-web-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function gatewayConfig(targets: SrvTargets, overrides: Env = {}): GatewayConfig {
  const keys = testKeys();
  return parseConfig(gatewaySchema, {
    JWT_KEY: TEST_JWT_KEY,
    HOST: '127.0.0.1',
    GOODS_SRV: targets.goods,
    INVENTORY_SRV: targets.inventory,
    ORDER_SRV: targets.order,
    USEROP_SRV: targets.userop,
    GRPC_DEADLINE_MS: '2000',
    ALIPAY_APP_ID: TEST_APP_ID,
    ALIPAY_PRIVATE_KEY: keys.app.privateKey,
    ALIPAY_PUBLIC_KEY: keys.alipay.publicKey,
    ALIPAY_GATEWAY: 'http://127.0.0.1:9/gateway.do',
    ALIPAY_NOTIFY_URL: 'http://127.0.0.1:8023/o/v1/pay/alipay/notify',
    ALIPAY_RETURN_URL: 'http://127.0.0.1:8080/pay/return',
    ...overrides,
  });
}

export interface Gateway {
  app: express.Express;
  srv: SrvConn;
  alipay: AlipayPagePay;
  close(): void;
}

export interface GatewayOptions {
  /** The clock the pay window reads (default the real one). */
  now?: () => number;
  /** Where the gateway logs (default nowhere, or TEST_LOG's level). */
  logger?: Logger;
}

/** The real gateway app in front of the given srv addresses. */
export function buildGateway(
  targets: SrvTargets,
  overrides: Env = {},
  { now = Date.now, logger = debugLogger }: GatewayOptions = {},
): Gateway {
  const { app, srv, alipay } = buildGatewayApp(gatewayConfig(targets, overrides), logger, now);
  return { app, srv, alipay, close: () => srv.close() };
}

export interface Stack extends Gateway {
  /** The business clock of the order srv (and the gateway's pay window): stands still until advanced. */
  clock: TestClock;
  /** One pass of the order srv's relay, after any in progress (the relay has no timer here). */
  tick(): Promise<void>;
  /** Moves the clock forward, then runs a relay pass: what that much time would have done. */
  passTime(ms: number): Promise<void>;
  dataDir: string;
  /** The storage settings every srv of this stack uses (DATA_DIR, and DATABASE_URL on MariaDB). */
  storage: Env;
  store: StoreKind;
  targets: SrvTargets;
  srvs: AllSrvs;
  /** With TEST_TRANSPORT=broker: the stack's broker prefix. */
  broker: TestBroker | undefined;
  token(userId: number, options?: { admin?: boolean }): string;
  /** Plain SQL against a srv's own store (SQLite file or MariaDB database), for arranging and checking. */
  query<Row = Record<string, unknown>>(srv: SrvName, sql: string, params?: unknown[]): Promise<Row[]>;
  stop(): Promise<void>;
}

/** Plain SQL against a srv's store given by its storage settings. */
export async function queryStore<Row>(storage: Env, srv: SrvName, sql: string, params: unknown[]): Promise<Row[]> {
  if (storage.DATABASE_URL) {
    const conn = await createConnection({ uri: storage.DATABASE_URL });
    try {
      const [rows] = await conn.query(sql, params);
      return (Array.isArray(rows) ? rows : []) as Row[];
    } finally {
      await conn.end();
    }
  }
  const file = new SQLite(path.join(storage.DATA_DIR ?? '', `${srv}.db`));
  try {
    const statement = file.prepare(sql);
    if (statement.reader) return statement.all(...params) as Row[];
    statement.run(...params);
    return [];
  } finally {
    file.close();
  }
}

/**
 * The store the suite runs on: SQLite files by default; a throwaway MariaDB database per stack with
 * TEST_STORE=mariadb (.ci/run runs the suite both ways).
 */
/** Every srv on a free port of 127.0.0.1. */
export const ON_ANY_PORT: Env = {
  GOODS_SRV: '127.0.0.1:0',
  INVENTORY_SRV: '127.0.0.1:0',
  ORDER_SRV: '127.0.0.1:0',
  USEROP_SRV: '127.0.0.1:0',
};

/** A target for the srvs a test's gateway never calls: nothing listens there (calls would fail at once). */
export const UNUSED_TARGET = '127.0.0.1:9';

export const TEST_STORE: StoreKind = process.env.TEST_STORE === 'mariadb' ? 'mariadb' : 'sqlite';

/**
 * How the order system's messages travel: the outbox relay (default) or RabbitMQ with TEST_TRANSPORT=broker
 * (each stack on its own prefix of TEST_BROKER_URL, deleted when it stops). Tests that drive the unpaid-order
 * timeout by the clock are the relay's; the broker's delayed timeout is real time (tests/e2e/broker.test.ts).
 */
export const TEST_TRANSPORT: 'relay' | 'broker' = process.env.TEST_TRANSPORT === 'broker' ? 'broker' : 'relay';

/**
 * `it` where a test applies, and nothing where it cannot: a test of the relay's own deliveries has nothing to check
 * when RabbitMQ carries the messages, nor a fleet sharing one store on SQLite. It is then not registered at all,
 * rather than reported as skipped, which would read as a check left undone.
 */
export function itWhere(applies: boolean): typeof it {
  return applies ? it : (notRegistered as unknown as typeof it);
}

/** `describe` for a group whose every test applies only where itWhere would register it. */
export function describeWhere(applies: boolean): typeof describe {
  return applies ? describe : (notRegistered as unknown as typeof describe);
}
const notRegistered = () => {};

/** The whole system with the demo catalogue (goods 1..20, stock 100 each). */
export interface StackOptions {
  /** Settings for the gateway, for every srv, and for the order srv only. */
  gateway?: Env;
  srvs?: Env;
  order?: Env;
  /** Injected srv failures (see RpcFaults). */
  faults?: AllSrvsOptions['faults'];
  /** A store made by the caller (its cleanup becomes the stack's); else a fresh one on TEST_STORE. */
  store?: TestStore;
  /** A clock shared with another stack (e.g. two order srvs on one store); else a new one. */
  clock?: TestClock;
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const store = options.store ?? (await createTestStore(TEST_STORE, 'stack'));
  if ('skipped' in store) throw new Error(store.skipped);
  const dataDir = store.env.DATA_DIR;
  const clock = options.clock ?? createTestClock();
  const broker = TEST_TRANSPORT === 'broker' ? await startTestBroker('stack') : undefined;
  const srvs = await startAllSrvs({
    env: { ...store.env, ...ON_ANY_PORT, LOG_LEVEL: 'silent', GRPC_DEADLINE_MS: '2000', ...broker?.env, ...options.srvs },
    orderEnv: options.order ?? {},
    logger: debugLogger,
    seedDemo: true,
    order: { now: clock.now, relayTimer: false },
    ...(options.faults ? { faults: options.faults } : {}),
  });
  const relayTick = () => srvs.order.relay.tick();
  // With a broker a pass publishes; the stock returns it published are applied when the inventory srvs
  // have consumed them, so a tick waits for that (as a relay pass waits for its Rebacks).
  const tick = broker
    ? async () => {
        await publishAll(relayTick, store.env);
        const published = () => srvs.order.relay.stats.published['stock.return'] ?? 0;
        const handled = await waitFor(
          () => broker.handled('stockReturn'),
          (n) => n >= published(),
          10_000,
        );
        if (!(handled >= published())) throw new Error(`${published() - handled} stock returns published but not consumed within 10 s`);
      }
    : relayTick;
  const { targets } = srvs;
  const gateway = buildGateway(targets, options.gateway, { now: clock.now });
  return {
    ...gateway,
    clock,
    tick,
    async passTime(ms) {
      clock.advance(ms);
      await tick();
    },
    dataDir,
    storage: store.env,
    store: TEST_STORE,
    targets,
    srvs,
    broker,
    query: (srv, sql, params = []) => queryStore(store.env, srv, sql, params),
    token: (userId, opts = {}) => signToken(TEST_JWT_KEY, { userId, nickName: `user${userId}`, admin: opts.admin ?? false }),
    async stop() {
      gateway.close();
      await srvs.stop();
      await broker?.cleanup();
      await store.cleanup();
    },
  };
}

/**
 * With a broker: relay passes until the outbox holds nothing left to publish (a srv that has just started
 * may not have connected yet, and a pass before that publishes nothing). Refunds are the relay's own work.
 */
export async function publishAll(relayTick: () => Promise<void>, storage: Env, timeoutMs = 10_000): Promise<void> {
  const left = await waitFor(
    async () => {
      await relayTick();
      const rows = await queryStore<{ n: number }>(
        storage,
        'order',
        "SELECT COUNT(*) AS n FROM outbox WHERE topic <> 'payment.refund'",
        [],
      );
      return Number(rows[0]?.n);
    },
    (n) => n === 0,
    timeoutMs,
  );
  if (left !== 0) throw new Error(`${left} outbox messages still unpublished after ${timeoutMs} ms`);
}

/**
 * The invariant's other half: units of goodsId held by unpaid and paid orders (a closed order gave its
 * units back). initial stock = stock left + this, whatever happened.
 */
export async function unitsHeld(storage: Env, goodsId: number): Promise<number> {
  const rows = await queryStore<{ units: number | string | null }>(
    storage,
    'order',
    `SELECT SUM(g.nums) AS units FROM order_goods g JOIN order_info o ON o.id = g.order_id
     WHERE g.goods_id = ? AND o.status <> 'TRADE_CLOSED'`,
    [goodsId],
  );
  return Number(rows[0]?.units ?? 0);
}
