// The demo catalogue a fresh dev stack starts with (CONTRACT §5): goods 1..20 of a 生鲜 shop,
// each with an image and a price with cents. Exported so tests and docs can name goods and prices.
import type { Kysely } from 'kysely';
import { isUniqueViolation } from '../database';
import type { GoodsSchema } from './schema';

export const DEMO_IMAGE_BASE = 'https://static.mxshop.dev';

export const DEMO_CATEGORIES = {
  fruit: { id: 1, name: '新鲜水果' },
  seafood: { id: 2, name: '海鲜水产' },
  meat: { id: 3, name: '精品肉类' },
  vegetable: { id: 4, name: '蔬菜蛋品' },
  grain: { id: 5, name: '粮油米面' },
} as const;

export const DEMO_BRAND = { id: 1, name: '慕学生鲜', logo: `${DEMO_IMAGE_BASE}/brands/mxshop.png` } as const;

export interface DemoGoods {
  id: number;
  name: string;
  goodsSn: string;
  category: { id: number; name: string };
  shopPriceCents: number;
  marketPriceCents: number;
  brief: string;
  frontImage: string;
  isNew: boolean;
  isHot: boolean;
}

type Row = [id: number, name: string, category: keyof typeof DEMO_CATEGORIES, shop: number, market: number, brief: string];

const ROWS: Row[] = [
  [1, '烟台红富士苹果 5kg', 'fruit', 5980, 6990, '脆甜多汁，产地直发'],
  [2, '丹东99草莓 500g', 'fruit', 4590, 5800, '奶香浓郁，当天采摘'],
  [3, '海南贵妃芒 2.5kg', 'fruit', 3990, 4990, '树上熟，果肉细腻无丝'],
  [4, '赣南脐橙 5kg', 'fruit', 4990, 5990, '果园现摘，酸甜适口'],
  [5, '阳光玫瑰葡萄 1kg', 'fruit', 3580, 4500, '玫瑰香气，无籽可连皮吃'],
  [6, '智利车厘子 JJ级 1kg', 'fruit', 12800, 15800, '果径28-30mm，冷链直达'],
  [7, '新疆哈密瓜 2个装', 'fruit', 2990, 3680, '日照充足，清甜爽口'],
  [8, '舟山带鱼段 1kg', 'seafood', 6850, 7900, '东海野生，急冻锁鲜'],
  [9, '厄瓜多尔白虾 1.8kg', 'seafood', 9900, 11900, '大号白虾，盐冻保鲜'],
  [10, '大连鲜活扇贝 1kg', 'seafood', 4560, 5500, '鲜活发货，肉质饱满'],
  [11, '挪威三文鱼刺身 300g', 'seafood', 7990, 9900, '冰鲜空运，可直接刺身'],
  [12, '内蒙古羔羊排 1kg', 'meat', 11880, 13900, '草原散养，肥瘦相宜'],
  [13, '黑猪五花肉 500g', 'meat', 3250, 3990, '土黑猪，层次分明'],
  [14, '澳洲谷饲牛腱 1kg', 'meat', 8990, 10900, '谷饲150天，卤煮皆宜'],
  [15, '散养土鸡蛋 30枚', 'vegetable', 3690, 4500, '林下散养，蛋黄饱满'],
  [16, '有机西兰花 500g', 'vegetable', 990, 1280, '有机认证，翠绿鲜嫩'],
  [17, '云南小番茄 1kg', 'vegetable', 1580, 1990, '自然成熟，酸甜多汁'],
  [18, '山东章丘大葱 2.5kg', 'vegetable', 1235, 1500, '葱白长，甜而不辣'],
  [19, '五常稻花香大米 5kg', 'grain', 6990, 8500, '当季新米，软糯清香'],
  [20, '温县铁棍山药 2kg', 'vegetable', 2640, 3200, '垆土种植，粉糯香甜'],
];

const twoDigits = (n: number) => String(n).padStart(2, '0');

export const DEMO_GOODS: readonly DemoGoods[] = ROWS.map(([id, name, category, shop, market, brief]) => ({
  id,
  name,
  goodsSn: `SX${String(id).padStart(4, '0')}`,
  category: { ...DEMO_CATEGORIES[category] },
  shopPriceCents: shop,
  marketPriceCents: market,
  brief,
  frontImage: `${DEMO_IMAGE_BASE}/goods/${twoDigits(id)}.jpg`,
  isNew: id % 5 === 0,
  isHot: id % 3 === 0,
}));

/** Inserts the demo catalogue when the goods table is empty; returns how many rows it wrote. */
export async function seedDemoGoods(db: Kysely<GoodsSchema>, now: number): Promise<number> {
  try {
    return await db.transaction().execute(async (trx) => {
      const any = await trx.selectFrom('goods').select('id').limit(1).executeTakeFirst();
      if (any) return 0;
      await trx
        .insertInto('goods')
        .values(
          DEMO_GOODS.map((g) => ({
            id: g.id,
            category_id: g.category.id,
            category_name: g.category.name,
            brand_id: DEMO_BRAND.id,
            brand_name: DEMO_BRAND.name,
            brand_logo: DEMO_BRAND.logo,
            name: g.name,
            goods_sn: g.goodsSn,
            click_num: 0,
            sold_num: 0,
            fav_num: 0,
            market_price_cents: g.marketPriceCents,
            shop_price_cents: g.shopPriceCents,
            goods_brief: g.brief,
            goods_desc: `${g.name}：${g.brief}`,
            ship_free: 1,
            images: JSON.stringify([g.frontImage, `${DEMO_IMAGE_BASE}/goods/${twoDigits(g.id)}-2.jpg`]),
            desc_images: JSON.stringify([`${DEMO_IMAGE_BASE}/goods/${twoDigits(g.id)}-desc.jpg`]),
            goods_front_image: g.frontImage,
            is_new: g.isNew ? 1 : 0,
            is_hot: g.isHot ? 1 : 0,
            on_sale: 1,
            created_at: now,
            updated_at: now,
          })),
        )
        .execute();
      return DEMO_GOODS.length;
    });
  } catch (err) {
    // Another process sharing the store seeded it first.
    if (isUniqueViolation(err)) return 0;
    throw err;
  }
}
