// Userop srv tables (the course's UserFav, Address and LeavingMessages). Times are epoch milliseconds.
// Addresses and messages are deleted logically (is_deleted = 1), as the course's BaseModel does; a
// favourite is deleted for real, so it can be added again (its (user, goods) pair is unique).
import type { Generated, Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';
import { UseropLimits } from '../../../global/wire';

export interface UserFavTable {
  id: Generated<number>;
  user_id: number;
  goods_id: number;
  created_at: number;
}

export interface AddressTable {
  id: Generated<number>;
  user_id: number;
  province: string;
  city: string;
  district: string;
  address: string;
  signer_name: string;
  signer_mobile: string;
  is_deleted: number;
  created_at: number;
  updated_at: number;
}

export interface LeavingMessageTable {
  id: Generated<number>;
  user_id: number;
  /** 1 留言, 2 投诉, 3 询问, 4 售后, 5 求购 */
  message_type: number;
  subject: string;
  message: string;
  file: string;
  is_deleted: number;
  created_at: number;
  updated_at: number;
}

export interface UseropSchema {
  user_fav: UserFavTable;
  address: AddressTable;
  leaving_message: LeavingMessageTable;
}

// Written once with the schema builder; Kysely renders it for SQLite and MySQL/MariaDB.
export const migrations: Record<string, Migration> = {
  '0001_userop': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('user_fav')
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('user_id', 'integer', (c) => c.notNull())
        .addColumn('goods_id', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      // One favourite per (user, goods): a second add is refused by the store, even when two race.
      await db.schema.createIndex('user_fav_user_goods').on('user_fav').columns(['user_id', 'goods_id']).unique().execute();
      await db.schema.createIndex('user_fav_goods').on('user_fav').column('goods_id').execute();

      const text = `varchar(${UseropLimits.text})` as const;
      await db.schema
        .createTable('address')
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('user_id', 'integer', (c) => c.notNull())
        .addColumn('province', text, (c) => c.notNull())
        .addColumn('city', text, (c) => c.notNull())
        .addColumn('district', text, (c) => c.notNull())
        .addColumn('address', text, (c) => c.notNull())
        .addColumn('signer_name', text, (c) => c.notNull())
        .addColumn('signer_mobile', `varchar(${UseropLimits.signerMobile})`, (c) => c.notNull())
        .addColumn('is_deleted', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('address_user').on('address').column('user_id').execute();

      await db.schema
        .createTable('leaving_message')
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('user_id', 'integer', (c) => c.notNull())
        .addColumn('message_type', 'integer', (c) => c.notNull())
        .addColumn('subject', text, (c) => c.notNull())
        .addColumn('message', 'text', (c) => c.notNull())
        .addColumn('file', text, (c) => c.notNull())
        .addColumn('is_deleted', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('leaving_message_user').on('leaving_message').column('user_id').execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('leaving_message').execute();
      await db.schema.dropTable('address').execute();
      await db.schema.dropTable('user_fav').execute();
    },
  },
};
