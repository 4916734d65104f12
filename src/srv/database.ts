// One query layer (Kysely) over an embedded SQLite file or MySQL/MariaDB, chosen by config.
// Business code writes Kysely queries only; dialect differences stay in this file and the migrations.
import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, MysqlDialect, type Transaction } from 'kysely';
import { type Migration, Migrator } from 'kysely/migration';
import { createPool } from 'mysql2';
import { GroupCommitSqliteDialect, walSyncOf } from './sqlite-dialect';

export type Dialect = 'sqlite' | 'mysql';

export interface Database<Schema> {
  db: Kysely<Schema>;
  dialect: Dialect;
  close(): Promise<void>;
}

export interface StorageConfig {
  DATA_DIR: string;
  DATABASE_URL?: string | undefined;
}

/** Opens `DATABASE_URL` when set, else `<DATA_DIR>/<file>`. */
export function openDatabase<Schema>(storage: StorageConfig, sqliteFile: string): Database<Schema> {
  if (storage.DATABASE_URL) {
    const pool = createPool({ uri: storage.DATABASE_URL, connectionLimit: 10, timezone: 'Z', supportBigNumbers: true });
    // READ COMMITTED: no gap locks, so concurrent inserts of new keys do not deadlock. Every check
    // the srvs make is a compare-and-set or a unique key, and none needs a repeatable snapshot.
    pool.on('connection', (connection) => {
      connection.query('SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED');
    });
    const db = new Kysely<Schema>({ dialect: new MysqlDialect({ pool }) });
    return { db, dialect: 'mysql', close: () => db.destroy() };
  }
  fs.mkdirSync(storage.DATA_DIR, { recursive: true });
  const file = new SQLite(path.join(storage.DATA_DIR, sqliteFile));
  // WAL lets readers run beside the one writer; the busy timeout covers a second process on the same file.
  // Group commit (below) flushes the WAL file itself: the file must really be in WAL mode.
  const mode = file.pragma('journal_mode = WAL', { simple: true });
  if (mode !== 'wal') throw new Error(`SQLite file ${sqliteFile} would not switch to WAL (journal_mode is ${String(mode)})`);
  // Every write on disk before anything that awaited it goes on: the consistency design rests on commits
  // in two stores happening in order (the order attempt before the stock sale). NORMAL leaves the flush to
  // the dialect's group commit, which answers a write only after an fdatasync of the log that covers it,
  // off the event loop and shared by the writes committed meanwhile (see sqlite-dialect.ts).
  file.pragma('synchronous = NORMAL');
  file.pragma('busy_timeout = 5000');
  file.pragma('foreign_keys = ON');
  const db = new Kysely<Schema>({ dialect: new GroupCommitSqliteDialect({ database: file, sync: walSyncOf(file) }) });
  return { db, dialect: 'sqlite', close: () => db.destroy() };
}

/** Brings the schema up to date. Each srv keeps its own migration table, so srvs can share one MySQL database. */
export async function migrate<Schema>(database: Database<Schema>, table: string, migrations: Record<string, Migration>): Promise<void> {
  const migrator = new Migrator({
    db: database.db as Kysely<unknown>,
    provider: { getMigrations: async () => migrations },
    migrationTableName: `${table}_migration`,
    migrationLockTableName: `${table}_migration_lock`,
  });
  const { error } = await migrator.migrateToLatest();
  if (error) throw error;
}

function errorCode(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : '';
}

/** A transaction that lost a lock race (deadlock victim, lock wait timeout, busy SQLite file): run it again. */
export function isTransientLockError(err: unknown): boolean {
  const code = errorCode(err);
  return code === 'ER_LOCK_DEADLOCK' || code === 'ER_LOCK_WAIT_TIMEOUT' || code.startsWith('SQLITE_BUSY');
}

const TRANSACTION_ATTEMPTS = 5;

/**
 * Runs work in one transaction, from the start again (re-reading everything) when it fails in a way
 * worth retrying: a lost lock race, or whatever `retryOn` adds.
 */
export async function inTransaction<Schema, T>(
  db: Kysely<Schema>,
  work: (tx: Transaction<Schema>) => Promise<T>,
  retryOn: (err: unknown) => boolean = () => false,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction().execute(work);
    } catch (err) {
      if (attempt >= TRANSACTION_ATTEMPTS || !(isTransientLockError(err) || retryOn(err))) throw err;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * attempt));
    }
  }
}

/** True when err is a unique-key violation in either dialect. */
export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; errno?: number };
  return e.code === 'SQLITE_CONSTRAINT_UNIQUE' || e.code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || e.code === 'ER_DUP_ENTRY';
}
