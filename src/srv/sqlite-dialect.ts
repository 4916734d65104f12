// Kysely over one better-sqlite3 connection, as Kysely's own SqliteDialect, with two differences that halve
// what a write costs the event loop:
// - Statements are prepared once per SQL text and kept (Kysely's driver prepares every statement again).
// - Group commit. The file runs in WAL with synchronous=NORMAL, so a COMMIT writes the log without waiting for
//   the disk; the write is not answered until an fdatasync of the log, done on libuv's thread pool, has covered
//   it. Writes that commit while one fdatasync runs share the next. A read is not answered either while a write
//   committed before it is still on its way to the disk: nothing anyone learns from the store (the caller of a
//   write, or of a read that saw it) can be lost to a power cut, as with synchronous=FULL, but the event loop
//   never waits for the disk and the connection serves other queries while the log is flushed.
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type SQLite from 'better-sqlite3';
import {
  type CompiledQuery,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type Dialect,
  type DialectAdapter,
  type Driver,
  type Kysely,
  type QueryCompiler,
  type QueryResult,
  SelectQueryNode,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
} from 'kysely';

type Statement = ReturnType<SQLite.Database['prepare']>;

/** Past this many distinct SQL texts (IN lists of many lengths), the oldest statement is dropped. */
const STATEMENT_CACHE_SIZE = 500;

const fdatasync = promisify(fs.fdatasync);

/** fdatasync of the WAL file, one for every write that committed while the previous one ran. */
export class WalSync {
  #fd: number | undefined;
  #written = 0;
  #synced = 0;
  #running: Promise<void> | undefined;
  /**
   * Set for good by a failed flush. After one, Linux may mark the unwritten pages clean, so a later fdatasync can
   * succeed without them: nothing committed since the last good flush can be promised any more, so every later
   * write and read fails (the srv's store probe with them, so it turns NOT_SERVING) until a restart recovers
   * from what is really on disk, as PostgreSQL does after a failed fsync.
   */
  #failed: Error | undefined;

  constructor(
    private readonly walFile: string,
    /** How a file descriptor is flushed (tests hold it to see who waits). */
    private readonly flush: (fd: number) => Promise<void> = fdatasync,
  ) {}

  /** Whether a committed write is not on disk yet. */
  get pending(): boolean {
    return this.#synced < this.#written;
  }

  /** Call after a write committed: resolves once it is on disk. */
  durable(): Promise<void> {
    return this.settled(++this.#written);
  }

  /** Resolves once every write committed so far (or up to `target`) is on disk. */
  async settled(target = this.#written): Promise<void> {
    if (this.#failed) throw this.#failed;
    while (this.#synced < target) {
      if (!this.#running) {
        const upTo = this.#written;
        this.#running = this.#sync()
          .then(
            () => {
              this.#synced = upTo;
            },
            (err: unknown) => {
              this.#failed = new Error(`the SQLite log could not be flushed to disk: ${(err as Error).message}`, { cause: err });
              throw this.#failed;
            },
          )
          .finally(() => {
            this.#running = undefined;
          });
      }
      await this.#running;
    }
  }

  async #sync(): Promise<void> {
    // Opened at the first write, when the log surely exists; SQLite keeps the same file while it is open. The
    // log is created anew when a file is opened, so its directory entry is flushed once too: a power cut must
    // not lose the file that the flushed frames are in.
    if (this.#fd === undefined) {
      this.#fd = fs.openSync(this.walFile, 'r');
      // Once per open file, so the event loop may pay it: a flush of the directory that holds the log.
      const dir = fs.openSync(path.dirname(this.walFile), 'r');
      try {
        fs.fsyncSync(dir);
      } finally {
        fs.closeSync(dir);
      }
    }
    await this.flush(this.#fd);
  }

  /** Waits for a flush under way (its descriptor must not be closed under it), then closes the log. */
  async close(): Promise<void> {
    await this.#running?.catch(() => {});
    if (this.#fd !== undefined) fs.closeSync(this.#fd);
    this.#fd = undefined;
  }
}

/** The one connection, held by one query or transaction at a time. */
class SqliteStore {
  readonly #statements = new Map<string, Statement>();
  #locked: Promise<void> | undefined;
  #unlock: (() => void) | undefined;

  constructor(
    readonly db: SQLite.Database,
    readonly sync: WalSync | undefined,
  ) {}

  statement(sql: string): Statement {
    let statement = this.#statements.get(sql);
    if (statement === undefined) {
      statement = this.db.prepare(sql);
      if (this.#statements.size >= STATEMENT_CACHE_SIZE) this.#statements.delete(this.#statements.keys().next().value as string);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  async lock(): Promise<void> {
    while (this.#locked) await this.#locked;
    this.#locked = new Promise((resolve) => {
      this.#unlock = resolve;
    });
  }

  unlock(): void {
    const unlock = this.#unlock;
    this.#locked = undefined;
    this.#unlock = undefined;
    unlock?.();
  }
}

/** One use of the connection: a query, or a transaction. It gives the connection back before waiting for the disk. */
class Lease implements DatabaseConnection {
  #released = false;
  /** Whether the open transaction wrote anything (then its commit waits for the disk). */
  wrote = false;

  constructor(readonly store: SqliteStore) {}

  async executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    const { sql, parameters } = compiledQuery;
    const statement = this.store.statement(sql);
    let result: QueryResult<R>;
    try {
      if (statement.reader) result = { rows: statement.all(parameters) as R[] };
      else {
        const { changes, lastInsertRowid } = statement.run(parameters);
        result = { numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid), rows: [] };
      }
    } catch (err) {
      // A refusal (a unique key, a constraint) is an answer too, drawn from what earlier writes left: not
      // before they are on disk. Inside a transaction, its rollback waits instead.
      if (!this.store.db.inTransaction) await this.#onDisk(false);
      throw err;
    }
    // Inside a transaction, its commit waits for the disk.
    if (this.store.db.inTransaction) {
      if (!statement.readonly) this.wrote = true;
      return result;
    }
    // On its own, a write committed at once; a read may have seen writes not on disk yet.
    await this.#onDisk(!statement.readonly);
    return result;
  }

  async *streamQuery<R>(compiledQuery: CompiledQuery): AsyncIterableIterator<QueryResult<R>> {
    if (!SelectQueryNode.is(compiledQuery.query)) throw new Error('Sqlite driver only supports streaming of select queries');
    // Not from the cache: an iterated statement is busy until the iteration ends.
    for (const row of this.store.db.prepare(compiledQuery.sql).iterate(compiledQuery.parameters)) yield { rows: [row as R] };
  }

  run(sql: string): void {
    this.store.statement(sql).run([]);
  }

  /**
   * Gives the connection back now, then waits until this lease's write (if it `wrote`) and every write committed
   * before it are on disk; at once when nothing is pending.
   */
  #onDisk(wrote: boolean): Promise<void> {
    const { sync } = this.store;
    if (!sync || !(wrote || sync.pending)) return Promise.resolve();
    this.release();
    return wrote ? sync.durable() : sync.settled();
  }

  async commit(): Promise<void> {
    this.run('commit');
    await this.#onDisk(this.wrote);
  }

  /**
   * After a failed commit's flush the connection is someone else's: the commit itself went through. SQLite may
   * have rolled back by itself (an I/O error): then there is nothing to roll back, and the first error stands.
   * What the transaction read (and so the refusal it ends in) may rest on writes not on disk yet: it waits for them.
   */
  async rollback(): Promise<void> {
    if (this.#released) return;
    if (this.store.db.inTransaction) this.run('rollback');
    await this.#onDisk(false);
  }

  release(): void {
    if (this.#released) return;
    this.#released = true;
    this.store.unlock();
  }
}

class GroupCommitDriver implements Driver {
  readonly #store: SqliteStore;

  constructor(db: SQLite.Database, sync: WalSync | undefined) {
    this.#store = new SqliteStore(db, sync);
  }

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    await this.#store.lock();
    return new Lease(this.#store);
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    (connection as Lease).run('begin');
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await (connection as Lease).commit();
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await (connection as Lease).rollback();
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    (connection as Lease).release();
  }

  async destroy(): Promise<void> {
    await this.#store.sync?.close();
    this.#store.db.close();
  }
}

/**
 * SQLite's adapter, but Kysely is told not to hold its own lock on the one connection: ours (SqliteStore) is
 * given back before a write waits for the disk, and Kysely's would be held until then.
 */
class OwnLockSqliteAdapter extends SqliteAdapter {
  override get supportsMultipleConnections(): boolean {
    return true;
  }
}

/** The WAL sync of a file database (none for an in-memory one). */
export function walSyncOf(database: SQLite.Database): WalSync | undefined {
  // SQLite keeps its log beside the file it really opened (a link resolved), not beside the name it was given.
  return database.memory ? undefined : new WalSync(`${fs.realpathSync(database.name)}-wal`);
}

/**
 * Kysely's SQLite dialect over `database` with cached statements; with a `sync`, writes wait for its flush of
 * the WAL, shared with the writes around them (the file must be in WAL mode, synchronous=NORMAL).
 */
export class GroupCommitSqliteDialect implements Dialect {
  constructor(private readonly options: { database: SQLite.Database; sync: WalSync | undefined }) {}

  createDriver(): Driver {
    return new GroupCommitDriver(this.options.database, this.options.sync);
  }

  createQueryCompiler(): QueryCompiler {
    return new SqliteQueryCompiler();
  }

  createAdapter(): DialectAdapter {
    return new OwnLockSqliteAdapter();
  }

  createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    return new SqliteIntrospector(db);
  }
}
