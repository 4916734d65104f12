// Goods srv table. Money is integer cents; times are epoch milliseconds; booleans are 0/1;
// image lists are JSON text. Category and brand are kept on the row as the brief objects the
// order path answers (this srv serves the catalogue read path, not the course's catalogue admin).
import type { Generated, Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

export interface GoodsTable {
  id: Generated<number>;
  category_id: number;
  category_name: string;
  brand_id: number;
  brand_name: string;
  brand_logo: string;
  name: string;
  goods_sn: string;
  click_num: number;
  sold_num: number;
  fav_num: number;
  market_price_cents: number;
  /** What a purchase costs; tests UPDATE this column directly to simulate a price change. */
  shop_price_cents: number;
  goods_brief: string;
  goods_desc: string;
  ship_free: number;
  /** JSON array of URLs. */
  images: string;
  /** JSON array of URLs. */
  desc_images: string;
  goods_front_image: string;
  is_new: number;
  is_hot: number;
  on_sale: number;
  created_at: number;
  updated_at: number;
}

export interface GoodsSchema {
  goods: GoodsTable;
}

// Written once with the schema builder; Kysely renders it for SQLite and MySQL/MariaDB.
export const migrations: Record<string, Migration> = {
  '0001_goods': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('goods')
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('category_id', 'integer', (c) => c.notNull())
        .addColumn('category_name', 'varchar(64)', (c) => c.notNull())
        .addColumn('brand_id', 'integer', (c) => c.notNull())
        .addColumn('brand_name', 'varchar(64)', (c) => c.notNull())
        .addColumn('brand_logo', 'varchar(255)', (c) => c.notNull())
        .addColumn('name', 'varchar(100)', (c) => c.notNull())
        .addColumn('goods_sn', 'varchar(50)', (c) => c.notNull())
        .addColumn('click_num', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('sold_num', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('fav_num', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('market_price_cents', 'integer', (c) => c.notNull())
        .addColumn('shop_price_cents', 'integer', (c) => c.notNull())
        .addColumn('goods_brief', 'varchar(255)', (c) => c.notNull())
        .addColumn('goods_desc', 'text', (c) => c.notNull())
        .addColumn('ship_free', 'integer', (c) => c.notNull().defaultTo(1))
        .addColumn('images', 'text', (c) => c.notNull())
        .addColumn('desc_images', 'text', (c) => c.notNull())
        .addColumn('goods_front_image', 'varchar(255)', (c) => c.notNull())
        .addColumn('is_new', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('is_hot', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('on_sale', 'integer', (c) => c.notNull().defaultTo(1))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('goods').execute();
    },
  },
};
