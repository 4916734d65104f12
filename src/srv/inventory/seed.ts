// The demo stock a fresh dev stack starts with (CONTRACT §5): goods 1..20, 100 each.
import type { Kysely } from 'kysely';
import { isUniqueViolation } from '../database';
import type { InventorySchema } from './schema';

export const DEMO_STOCK = 100;

export const DEMO_INVENTORY: readonly { goodsId: number; num: number }[] = Array.from({ length: 20 }, (_, i) => ({
  goodsId: i + 1,
  num: DEMO_STOCK,
}));

/** Inserts the demo stock when the inventory table is empty; returns how many rows it wrote. */
export async function seedDemoInventory(db: Kysely<InventorySchema>, now: number): Promise<number> {
  try {
    return await db.transaction().execute(async (trx) => {
      const any = await trx.selectFrom('inventory').select('goods_id').limit(1).executeTakeFirst();
      if (any) return 0;
      await trx
        .insertInto('inventory')
        .values(DEMO_INVENTORY.map((i) => ({ goods_id: i.goodsId, stocks: i.num, updated_at: now })))
        .execute();
      return DEMO_INVENTORY.length;
    });
  } catch (err) {
    // Another process sharing the store seeded it first.
    if (isUniqueViolation(err)) return 0;
    throw err;
  }
}
