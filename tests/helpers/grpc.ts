// Test helpers for the srvs: a fresh store per suite (an SQLite dir, or a throwaway MariaDB database when
// one is reachable) and the shape of a gRPC failure as a srv-conn client reports it.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type * as grpc from '@grpc/grpc-js';
import { type Connection, createConnection } from 'mysql2/promise';
import type { SrvName } from '../../global/wire';

export type StoreKind = 'sqlite' | 'mariadb';

/**
 * The stores the srv suites run on: the one TEST_STORE names (as .ci/run sets it, one run per store),
 * else both. MariaDB suites skip, saying why, when no server answers.
 */
export const STORE_KINDS: StoreKind[] =
  process.env.TEST_STORE === 'sqlite' || process.env.TEST_STORE === 'mariadb' ? [process.env.TEST_STORE] : ['sqlite', 'mariadb'];

/** Where MariaDB/MySQL tests connect (root with an empty password on the project's machines). */
export const TEST_MYSQL_URL = process.env.TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306';

export interface TestStore {
  kind: StoreKind;
  /** The storage part of a srv config. */
  env: { DATA_DIR: string; DATABASE_URL?: string };
  cleanup(): Promise<void>;
}

/** A fresh, empty store, or the reason this kind cannot run here. */
export async function createTestStore(kind: StoreKind, prefix: string): Promise<TestStore | { skipped: string }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `order-web-${prefix}-`));
  const removeDir = async () => fs.rmSync(dataDir, { recursive: true, force: true });
  if (kind === 'sqlite') return { kind, env: { DATA_DIR: dataDir }, cleanup: removeDir };

  const database = `order_web_test_${prefix.replace(/\W/g, '_')}_${crypto.randomBytes(4).toString('hex')}`;
  let admin: Connection;
  try {
    admin = await createConnection({ uri: TEST_MYSQL_URL, connectTimeout: 2000 });
  } catch (err) {
    await removeDir();
    return { skipped: `MariaDB not reachable at ${TEST_MYSQL_URL} (${(err as Error).message}); set TEST_MYSQL_URL to run these` };
  }
  try {
    await admin.query(`CREATE DATABASE \`${database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  } finally {
    await admin.end();
  }
  return {
    kind,
    env: { DATA_DIR: dataDir, DATABASE_URL: `${TEST_MYSQL_URL}/${database}` },
    async cleanup() {
      const conn = await createConnection({ uri: TEST_MYSQL_URL });
      try {
        await conn.query(`DROP DATABASE IF EXISTS \`${database}\``);
      } finally {
        await conn.end();
      }
      await removeDir();
    },
  };
}

/** What a srv-conn client rejects with for a gRPC status (compare with toMatchObject). */
export function rpcFailure(srv: SrvName, code: grpc.status, details: string) {
  return { name: 'SrvCallError', srv, code, details };
}
