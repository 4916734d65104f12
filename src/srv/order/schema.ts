// Order srv tables. Times are epoch milliseconds (portable across SQLite and MySQL, no time zones);
// money is integer cents; booleans are 0/1.
import { type Kysely, type Migration, type Generated } from 'kysely';

export interface ShoppingCartTable {
  id: Generated<number>;
  user_id: number;
  goods_id: number;
  nums: number;
  checked: number;
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

export interface OrderSchema {
  shopping_cart: ShoppingCartTable;
  order_info: OrderInfoTable;
  order_goods: OrderGoodsTable;
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
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addUniqueConstraint('shopping_cart_user_goods', ['user_id', 'goods_id'])
        .execute();

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
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
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
    },
    async down(db: Kysely<unknown>) {
      for (const table of ['order_goods', 'order_info', 'shopping_cart']) await db.schema.dropTable(table).execute();
    },
  },
};
