// Inventory srv tables. Times are epoch milliseconds (portable across SQLite and MySQL, no time zones).
// inventory_sell is the ledger that makes Sell/Reback exactly-once: its key is the orderSn (DESIGN §4).
import { type Kysely, sql } from 'kysely';
import type { Migration } from 'kysely/migration';

export interface InventoryTable {
  goods_id: number;
  stocks: number;
  updated_at: number;
}

export type SellStatus = 'sold' | 'reback';

export interface InventorySellTable {
  order_sn: string;
  /** 'sold': the stock left; 'reback': given back, or a tombstone left by a Reback that came first. */
  status: SellStatus;
  /** JSON [{goodsId,num}], merged per goods and sorted by goodsId; '[]' for a tombstone. */
  detail: string;
  created_at: number;
  updated_at: number;
}

/** Broker messages applied (CONTRACT §7): recorded in the transaction of the stock change they made. */
export interface InventoryMessageTable {
  message_id: string;
  order_sn: string;
  created_at: number;
}

export interface InventorySchema {
  inventory: InventoryTable;
  inventory_sell: InventorySellTable;
  inventory_message: InventoryMessageTable;
}

/** The longest orderSn the ledger stores. */
export const ORDER_SN_MAX_LENGTH = 64;

// Written once with the schema builder; Kysely renders it for SQLite and MySQL/MariaDB.
export const migrations: Record<string, Migration> = {
  '0001_inventory': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('inventory')
        .addColumn('goods_id', 'integer', (c) => c.primaryKey())
        .addColumn('stocks', 'integer', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        // Decrements are conditional already; the constraint makes a negative stock impossible, not just avoided.
        .addCheckConstraint('inventory_stocks_not_negative', sql`stocks >= 0`)
        .execute();
      await db.schema
        .createTable('inventory_sell')
        .addColumn('order_sn', `varchar(${ORDER_SN_MAX_LENGTH})`, (c) => c.primaryKey())
        .addColumn('status', 'varchar(16)', (c) => c.notNull())
        .addColumn('detail', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('inventory_sell').execute();
      await db.schema.dropTable('inventory').execute();
    },
  },
  '0002_inventory_message': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('inventory_message')
        .addColumn('message_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('order_sn', `varchar(${ORDER_SN_MAX_LENGTH})`, (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        // An outbox id is unique in its order store only; with the orderSn it is unique everywhere.
        .addPrimaryKeyConstraint('inventory_message_pk', ['message_id', 'order_sn'])
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('inventory_message').execute();
    },
  },
};
