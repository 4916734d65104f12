// One query layer (Kysely) over an embedded SQLite file or MySQL/MariaDB, chosen by config.
// Business code writes Kysely queries only; dialect differences stay in this file and the migrations.
import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, MysqlDialect, SqliteDialect, type Migration } from 'kysely';
import { createPool } from 'mysql2';

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
    const db = new Kysely<Schema>({ dialect: new MysqlDialect({ pool }) });
    return { db, dialect: 'mysql', close: () => db.destroy() };
  }
  fs.mkdirSync(storage.DATA_DIR, { recursive: true });
  const file = new SQLite(path.join(storage.DATA_DIR, sqliteFile));
  // WAL lets readers run beside the one writer; the busy timeout covers a second process on the same file.
  file.pragma('journal_mode = WAL');
  file.pragma('busy_timeout = 5000');
  file.pragma('foreign_keys = ON');
  const db = new Kysely<Schema>({ dialect: new SqliteDialect({ database: file }) });
  return { db, dialect: 'sqlite', close: () => db.destroy() };
}

/** Brings the schema up to date. Each srv keeps its own migration table, so srvs can share one MySQL database. */
export async function migrate<Schema>(
  database: Database<Schema>,
  table: string,
  migrations: Record<string, Migration>,
): Promise<void> {
  const migrator = new Migrator({
    db: database.db as Kysely<unknown>,
    provider: { getMigrations: async () => migrations },
    migrationTableName: `${table}_migration`,
    migrationLockTableName: `${table}_migration_lock`,
  });
  const { error } = await migrator.migrateToLatest();
  if (error) throw error;
}

/** True when err is a unique-key violation in either dialect. */
export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; errno?: number };
  return e.code === 'SQLITE_CONSTRAINT_UNIQUE' || e.code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || e.code === 'ER_DUP_ENTRY';
}
