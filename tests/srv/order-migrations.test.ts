// The order store's migrations on a store that already holds rows: 0003 makes idempotency keys compare
// byte for byte (CONTRACT §2) and keeps the keys already stored. On both stores.
import { sql } from 'kysely';
import { Migrator } from 'kysely/migration';
import { afterEach, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../../src/srv/database';
import { migrations } from '../../src/srv/order/schema';
import { createTestStore, STORE_KINDS, type TestStore } from '../helpers/grpc';

describe.each(STORE_KINDS)('order store migrations on %s', (kind) => {
  let store: TestStore | undefined;
  let database: Database<unknown> | undefined;
  afterEach(async () => {
    await database?.close();
    await store?.cleanup();
  });

  it('when keys were stored before 0003 then they are kept, and afterwards a key in other letter case is another key', async (ctx) => {
    const made = await createTestStore(kind, 'migrations');
    if ('skipped' in made) return ctx.skip(made.skipped);
    store = made;
    database = openDatabase<unknown>(store.env, 'order.db');
    const migrator = new Migrator({
      db: database.db,
      provider: { getMigrations: async () => migrations },
      migrationTableName: 'order_migration',
      migrationLockTableName: 'order_migration_lock',
    });
    expect((await migrator.migrateTo('0002_attempt_work_until')).error).toBeUndefined();
    const row = (user: number, sn: string, key: string) => sql`
      INSERT INTO order_info (user_id, order_sn, pay_type, status, total_cents, address, signer_name, signer_mobile, post,
        expire_at, idempotency_key, request_hash, created_at, updated_at)
      VALUES (${user}, ${sn}, 'alipay', 'paying', 100, 'a', 'n', '13800138000', '', 0, ${key}, 'h', 0, 0)`;
    await row(7, 'SN-1', 'Order-AbC').execute(database.db);

    expect((await migrator.migrateToLatest()).error).toBeUndefined();
    await row(7, 'SN-2', 'order-abc').execute(database.db);
    const found = await sql<{
      order_sn: string;
    }>`SELECT order_sn FROM order_info WHERE user_id = 7 AND idempotency_key = ${'order-abc'}`.execute(database.db);
    expect(found.rows).toEqual([{ order_sn: 'SN-2' }]);
    const kept = await sql<{ idempotency_key: string }>`SELECT idempotency_key FROM order_info WHERE order_sn = 'SN-1'`.execute(
      database.db,
    );
    expect(kept.rows).toEqual([{ idempotency_key: 'Order-AbC' }]);
  });
});
