// Order srv tables. Times are epoch milliseconds (portable across SQLite and MySQL, no time zones);
// money is integer cents; booleans are 0/1.
import { type Generated, type Kysely, MysqlAdapter, sql } from 'kysely';
import type { Migration } from 'kysely/migration';

export interface ShoppingCartTable {
  id: Generated<number>;
  user_id: number;
  goods_id: number;
  nums: number;
  checked: number;
  /** The in-flight order attempt that reserved this row for checkout, if any. */
  attempt_sn: string | null;
  created_at: number;
  updated_at: number;
}

export interface OrderInfoTable {
  id: Generated<number>;
  user_id: number;
  order_sn: string;
  pay_type: string;
  status: string;
  trade_no: string | null;
  total_cents: number;
  address: string;
  signer_name: string;
  signer_mobile: string;
  post: string;
  pay_time: number | null;
  /** When an unpaid order closes by itself. */
  expire_at: number;
  /** The client's Idempotency-Key (unique per user) and a hash of the request it came with. */
  idempotency_key: string | null;
  request_hash: string;
  created_at: number;
  updated_at: number;
}

export interface OrderGoodsTable {
  id: Generated<number>;
  order_id: number;
  goods_id: number;
  goods_name: string;
  goods_image: string;
  goods_price_cents: number;
  nums: number;
}

/**
 * An order being created, written before stock is sold, together with the reservation of the user's
 * checked cart rows. The order's own transaction consumes it; if that never happens (a crash, a
 * failure), it is superseded or recovered: the relay gives the stock back by orderSn.
 * `open` → consumed (deleted with the order) or → `recovering` (never becomes an order). See attempts.ts.
 */
export interface OrderAttemptTable {
  order_sn: string;
  user_id: number;
  idempotency_key: string | null;
  request_hash: string;
  state: 'open' | 'recovering';
  /** Until when its request may still be working on it (its deadline); after that it is stale. */
  work_until: number;
  /** From when the relay may take over a still-open attempt. */
  recover_at: number;
  lease_until: number | null;
  created_at: number;
}

/**
 * A payment that arrived after its order was closed: recorded, never applied (the order stays closed,
 * its stock stays returned), and refunded through Alipay unless refunds are turned off.
 */
export interface LatePaymentTable {
  order_sn: string;
  trade_no: string;
  amount_cents: number;
  paid_at: number | null;
  /** pending → refunded, or manual when we do not refund by ourselves. */
  refund_state: 'pending' | 'refunded' | 'manual';
  refunded_at: number | null;
  created_at: number;
}

export const OUTBOX_TOPICS = ['order.close', 'stock.reback', 'payment.refund', 'order.created', 'order.paid', 'order.closed'] as const;
export type OutboxTopic = (typeof OUTBOX_TOPICS)[number];
/** Integration events for whoever else listens (CONTRACT §7): written only when a broker carries them. */
export type EventTopic = Extract<OutboxTopic, 'order.created' | 'order.paid' | 'order.closed'>;

/** Work that a committed transaction promised, delivered by the relay until it succeeds. */
export interface OutboxTable {
  id: Generated<number>;
  topic: OutboxTopic;
  order_sn: string;
  available_at: number;
  attempts: number;
  lease_until: number | null;
  last_error: string | null;
  created_at: number;
  /** The message body (JSON) when a broker carries it; null for work only the relay does. */
  payload: string | null;
  /** W3C traceparent of the transaction that wrote it, so a trace follows the message. */
  traceparent: string | null;
}

export interface OrderSchema {
  shopping_cart: ShoppingCartTable;
  order_info: OrderInfoTable;
  order_goods: OrderGoodsTable;
  order_attempt: OrderAttemptTable;
  outbox: OutboxTable;
  late_payment: LatePaymentTable;
}

// Each migration is written once with the schema builder; Kysely renders it per dialect.
export const migrations: Record<string, Migration> = {
  '0001_cart_and_orders': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('shopping_cart')
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('user_id', 'integer', (c) => c.notNull())
        .addColumn('goods_id', 'integer', (c) => c.notNull())
        .addColumn('nums', 'integer', (c) => c.notNull())
        .addColumn('checked', 'integer', (c) => c.notNull().defaultTo(1))
        .addColumn('attempt_sn', 'varchar(32)')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addUniqueConstraint('shopping_cart_user_goods', ['user_id', 'goods_id'])
        .execute();
      await db.schema.createIndex('shopping_cart_attempt').on('shopping_cart').column('attempt_sn').execute();

      await db.schema
        .createTable('order_info')
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('user_id', 'integer', (c) => c.notNull())
        .addColumn('order_sn', 'varchar(32)', (c) => c.notNull().unique())
        .addColumn('pay_type', 'varchar(16)', (c) => c.notNull())
        .addColumn('status', 'varchar(32)', (c) => c.notNull())
        .addColumn('trade_no', 'varchar(64)')
        .addColumn('total_cents', 'bigint', (c) => c.notNull())
        .addColumn('address', 'varchar(255)', (c) => c.notNull())
        .addColumn('signer_name', 'varchar(64)', (c) => c.notNull())
        .addColumn('signer_mobile', 'varchar(16)', (c) => c.notNull())
        .addColumn('post', 'varchar(255)', (c) => c.notNull())
        .addColumn('pay_time', 'bigint')
        .addColumn('expire_at', 'bigint', (c) => c.notNull())
        .addColumn('idempotency_key', 'varchar(128)')
        .addColumn('request_hash', 'varchar(64)', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        // The database, not the code, guarantees one order per (user, key); NULL keys never collide.
        .addUniqueConstraint('order_info_user_idempotency', ['user_id', 'idempotency_key'])
        .execute();
      await db.schema.createIndex('order_info_user').on('order_info').columns(['user_id', 'id']).execute();

      await db.schema
        .createTable('order_goods')
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('order_id', 'integer', (c) => c.notNull())
        .addColumn('goods_id', 'integer', (c) => c.notNull())
        .addColumn('goods_name', 'varchar(255)', (c) => c.notNull())
        .addColumn('goods_image', 'varchar(512)', (c) => c.notNull())
        .addColumn('goods_price_cents', 'bigint', (c) => c.notNull())
        .addColumn('nums', 'integer', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('order_goods_order').on('order_goods').column('order_id').execute();

      await db.schema
        .createTable('order_attempt')
        .addColumn('order_sn', 'varchar(32)', (c) => c.primaryKey())
        .addColumn('user_id', 'integer', (c) => c.notNull())
        .addColumn('idempotency_key', 'varchar(128)')
        .addColumn('request_hash', 'varchar(64)', (c) => c.notNull())
        .addColumn('state', 'varchar(16)', (c) => c.notNull())
        .addColumn('recover_at', 'bigint', (c) => c.notNull())
        .addColumn('lease_until', 'bigint')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addUniqueConstraint('order_attempt_user_idempotency', ['user_id', 'idempotency_key'])
        .execute();
      await db.schema.createIndex('order_attempt_recover').on('order_attempt').column('recover_at').execute();

      await db.schema
        .createTable('outbox')
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('topic', 'varchar(32)', (c) => c.notNull())
        .addColumn('order_sn', 'varchar(32)', (c) => c.notNull())
        .addColumn('available_at', 'bigint', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('lease_until', 'bigint')
        .addColumn('last_error', 'varchar(255)')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addUniqueConstraint('outbox_topic_order', ['topic', 'order_sn'])
        .execute();
      await db.schema.createIndex('outbox_available').on('outbox').column('available_at').execute();

      await db.schema
        .createTable('late_payment')
        .addColumn('order_sn', 'varchar(32)', (c) => c.primaryKey())
        .addColumn('trade_no', 'varchar(64)', (c) => c.notNull())
        .addColumn('amount_cents', 'bigint', (c) => c.notNull())
        .addColumn('paid_at', 'bigint')
        .addColumn('refund_state', 'varchar(16)', (c) => c.notNull())
        .addColumn('refunded_at', 'bigint')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
    },
    async down(db: Kysely<unknown>) {
      for (const table of ['late_payment', 'outbox', 'order_attempt', 'order_goods', 'order_info', 'shopping_cart']) {
        await db.schema.dropTable(table).execute();
      }
    },
  },
  '0002_attempt_work_until': {
    async up(db: Kysely<unknown>) {
      // 0: an attempt from before this column, which no request is working on any more.
      await db.schema
        .alterTable('order_attempt')
        .addColumn('work_until', 'bigint', (c) => c.notNull().defaultTo(0))
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.alterTable('order_attempt').dropColumn('work_until').execute();
    },
  },
  '0003_idempotency_key_bytes': {
    // Keys are compared byte for byte (CONTRACT §2): under MySQL/MariaDB's usual utf8mb4_unicode_ci, `Order-AbC`
    // and `order-abc` were one key, so a checkout replayed another's order. Keys are printable ASCII, so the
    // column becomes ascii_bin; rows already stored keep their keys. SQLite compares bytes already (BINARY).
    async up(db: Kysely<unknown>) {
      if (!isMysql(db)) return;
      for (const table of ['order_info', 'order_attempt']) {
        await sql`ALTER TABLE ${sql.table(table)} MODIFY idempotency_key varchar(128) CHARACTER SET ascii COLLATE ascii_bin NULL`.execute(
          db,
        );
      }
    },
    async down(db: Kysely<unknown>) {
      if (!isMysql(db)) return;
      for (const table of ['order_info', 'order_attempt']) {
        await sql`ALTER TABLE ${sql.table(table)} MODIFY idempotency_key varchar(128) NULL`.execute(db);
      }
    },
  },
  '0004_outbox_payload': {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('outbox').addColumn('payload', 'text').execute();
      await db.schema.alterTable('outbox').addColumn('traceparent', 'varchar(64)').execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.alterTable('outbox').dropColumn('traceparent').execute();
      await db.schema.alterTable('outbox').dropColumn('payload').execute();
    },
  },
};

function isMysql(db: Kysely<unknown>): boolean {
  return db.getExecutor().adapter instanceof MysqlAdapter;
}
