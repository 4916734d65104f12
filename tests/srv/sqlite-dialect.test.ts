// The SQLite dialect's statement cache and group commit, on a real WAL file in a temp dir. The flush of the log is
// held by the test, to see exactly what waits for it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { type Generated, Kysely } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { inTransaction } from '../../src/srv/database';
import { GroupCommitSqliteDialect, WalSync, walSyncOf } from '../../src/srv/sqlite-dialect';

interface Schema {
  item: { id: Generated<number>; name: string };
}

/** A flush the test lets finish (or fail) when it chooses, counting how many were asked for. */
class HeldFlush {
  calls = 0;
  #pending: { resolve: () => void; reject: (err: Error) => void }[] = [];
  readonly flush = (_fd: number) => {
    this.calls += 1;
    return new Promise<void>((resolve, reject) => this.#pending.push({ resolve, reject }));
  };
  get waiting(): number {
    return this.#pending.length;
  }
  finish(): void {
    this.#pending.shift()?.resolve();
  }
  fail(): void {
    this.#pending.shift()?.reject(new Error('EIO: disk gone'));
  }
}

/** Whether the promise has settled after the event loop had a few turns. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  promise.then(
    () => {
      done = true;
    },
    () => {
      done = true;
    },
  );
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
  return done;
}

describe('the SQLite dialect', () => {
  let dir: string;
  let file: SQLite.Database;
  let held: HeldFlush;
  let db: Kysely<Schema>;
  let prepared: string[];

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'order-web-dialect-'));
    file = new SQLite(path.join(dir, 'test.db'));
    file.pragma('journal_mode = WAL');
    file.pragma('synchronous = NORMAL');
    file.exec('CREATE TABLE item (id INTEGER PRIMARY KEY, name TEXT NOT NULL)');
    prepared = [];
    const prepare = file.prepare.bind(file);
    file.prepare = ((sql: string) => {
      prepared.push(sql);
      return prepare(sql);
    }) as typeof file.prepare;
    held = new HeldFlush();
    db = new Kysely<Schema>({
      dialect: new GroupCommitSqliteDialect({ database: file, sync: new WalSync(`${file.name}-wal`, held.flush) }),
    });
  });

  afterEach(async () => {
    while (held.waiting > 0) held.finish();
    await db.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const insert = (name: string) => db.insertInto('item').values({ name }).executeTakeFirstOrThrow();
  const names = () => db.selectFrom('item').select('name').orderBy('id').execute();

  it('when the same query runs again with other values then its statement is not prepared again', async () => {
    const select = (id: number) => db.selectFrom('item').selectAll().where('id', '=', id).execute();
    await select(1);
    await select(2);
    await select(3);
    expect(prepared.filter((sql) => sql.startsWith('select'))).toEqual(['select * from "item" where "id" = ?']);
  });

  it('when a write commits then it is answered only once a flush of the log that started after it has finished', async () => {
    const write = insert('a');
    expect(await settled(write)).toBe(false);
    expect(held.calls).toBe(1);
    held.finish();
    await expect(write).resolves.toMatchObject({ insertId: 1n, numInsertedOrUpdatedRows: 1n });
  });

  it('when a transaction wrote then its commit waits for the flush, and so does a read that saw it meanwhile', async () => {
    const wrote = inTransaction(db, async (tx) => {
      await tx.insertInto('item').values({ name: 'a' }).execute();
      return 'committed';
    });
    expect(await settled(wrote)).toBe(false);
    let seen: unknown;
    const read = inTransaction(db, async (tx) => {
      seen = await tx.selectFrom('item').select('name').execute();
      return seen;
    });
    const readAlone = names();
    // The connection was given back before the flush: both reads ran meanwhile, but neither answers yet.
    expect(await settled(Promise.race([read, readAlone]))).toBe(false);
    expect(seen).toEqual([{ name: 'a' }]);
    held.finish();
    await expect(wrote).resolves.toBe('committed');
    await expect(read).resolves.toEqual([{ name: 'a' }]);
    await expect(readAlone).resolves.toEqual([{ name: 'a' }]);
    expect(held.calls).toBe(1);
  });

  it('when nothing written is waiting for the disk then a read answers without a flush', async () => {
    const write = insert('a');
    while (held.waiting === 0) await new Promise((resolve) => setImmediate(resolve));
    held.finish();
    await write;
    await expect(names()).resolves.toEqual([{ name: 'a' }]);
    await expect(inTransaction(db, (tx) => tx.selectFrom('item').select('name').execute())).resolves.toEqual([{ name: 'a' }]);
    expect(held.calls).toBe(1);
  });

  it('when writes commit while a flush runs then they share the next flush, and none is answered before it', async () => {
    const first = insert('a');
    expect(await settled(first)).toBe(false);
    const later = [insert('b'), insert('c'), insert('d')];
    expect(await settled(Promise.all(later))).toBe(false);
    held.finish(); // the first flush began before b, c and d were written: it answers only a
    await first;
    expect(await settled(Promise.race(later))).toBe(false);
    expect(held.calls).toBe(2);
    held.finish();
    await Promise.all(later);
    expect(held.calls).toBe(2);
    expect(await names()).toEqual([{ name: 'a' }, { name: 'b' }, { name: 'c' }, { name: 'd' }]);
  });

  it('when the flush fails then the writes waiting for it fail, and so does every later write and read until a restart', async () => {
    const write = insert('a');
    const tx = inTransaction(db, (t) => t.insertInto('item').values({ name: 'b' }).execute());
    expect(await settled(Promise.all([write, tx]))).toBe(false);
    held.fail(); // one flush ran: it fails both (the transaction's write may not be on disk either)
    await expect(write).rejects.toThrow('EIO');
    await expect(tx).rejects.toThrow('EIO');
    // A later flush could succeed without the lost pages (Linux marks them clean): nothing since can be promised.
    await expect(insert('c')).rejects.toThrow('could not be flushed');
    await expect(names()).rejects.toThrow('could not be flushed');
    expect(held.calls).toBe(1);
  });

  it('when a statement on its own is refused while an earlier write is not on disk then the refusal waits for it', async () => {
    const write = insert('a');
    expect(await settled(write)).toBe(false);
    const duplicate = db.insertInto('item').values({ id: 1, name: 'again' }).execute();
    expect(await settled(duplicate)).toBe(false); // refused because of a, which is not on disk yet
    held.finish();
    await write;
    await expect(duplicate).rejects.toThrow('UNIQUE');
  });

  it('when a transaction that read an earlier write not on disk yet rolls back then its refusal waits for that write', async () => {
    const write = insert('a');
    expect(await settled(write)).toBe(false);
    const refused = inTransaction(db, async (t) => {
      const rows = await t.selectFrom('item').select('name').execute();
      throw new Error(`refused on ${rows.length} row`);
    });
    expect(await settled(refused)).toBe(false);
    held.finish();
    await write;
    await expect(refused).rejects.toThrow('refused on 1 row');
    expect(held.calls).toBe(1);
  });

  it('when queries wait for the connection while a transaction holds it then they run after it, in turn', async () => {
    let inside: () => void = () => {};
    const holding = inTransaction(db, async (t) => {
      await t.insertInto('item').values({ name: 'a' }).execute();
      await new Promise<void>((resolve) => {
        inside = resolve;
      });
      await t.insertInto('item').values({ name: 'b' }).execute();
    });
    const meanwhile = insert('c');
    expect(await settled(meanwhile)).toBe(false);
    inside();
    while (held.waiting === 0) await new Promise((resolve) => setImmediate(resolve));
    held.finish();
    await holding;
    while (held.waiting === 0) await new Promise((resolve) => setImmediate(resolve));
    held.finish();
    await meanwhile;
    expect(await names()).toEqual([{ name: 'a' }, { name: 'b' }, { name: 'c' }]);
  });
});

describe('the SQLite dialect on a file opened through a link', () => {
  it('when the file is opened by a symbolic link then writes flush the log beside the real file and succeed', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'order-web-dialect-link-'));
    try {
      fs.mkdirSync(path.join(dir, 'real'));
      new SQLite(path.join(dir, 'real', 'test.db')).close();
      fs.symlinkSync(path.join(dir, 'real', 'test.db'), path.join(dir, 'link.db'));
      const file = new SQLite(path.join(dir, 'link.db'));
      file.pragma('journal_mode = WAL');
      file.pragma('synchronous = NORMAL');
      file.exec('CREATE TABLE item (id INTEGER PRIMARY KEY, name TEXT NOT NULL)');
      const db = new Kysely<Schema>({ dialect: new GroupCommitSqliteDialect({ database: file, sync: walSyncOf(file) }) });
      await db.insertInto('item').values({ name: 'a' }).execute();
      await expect(db.selectFrom('item').select('name').execute()).resolves.toEqual([{ name: 'a' }]);
      await db.destroy();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
