// Goods srv handlers: the two RPCs the order path uses (CONTRACT §1). Any other course RPC has no
// handler here, so grpc-js answers UNIMPLEMENTED for it.
import * as grpc from '@grpc/grpc-js';
import type { Kysely, Selectable } from 'kysely';
import type { GoodsDefinition } from '../../../proto/types/Goods';
import type { GoodsInfoResponse } from '../../../proto/types/GoodsInfoResponse';
import { type AsyncHandlers, RpcError } from '../grpc-server';
import type { GoodsSchema, GoodsTable } from './schema';

/** Keeps each IN (…) list well under SQLite's bound-parameter limit. */
const ID_CHUNK = 500;
const INT32_MAX = 2 ** 31 - 1;

function jsonList(text: string): string[] {
  try {
    const value: unknown = JSON.parse(text);
    return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
  } catch {
    return [];
  }
}

/** One goods row as the wire message; prices leave as yuan (float32 on the wire), stock lives in inventory. */
export function toGoodsInfo(row: Selectable<GoodsTable>): GoodsInfoResponse {
  return {
    id: row.id,
    categoryId: row.category_id,
    name: row.name,
    goodsSn: row.goods_sn,
    clickNum: row.click_num,
    soldNum: row.sold_num,
    favNum: row.fav_num,
    stocks: 0,
    marketPrice: Number(row.market_price_cents) / 100,
    shopPrice: Number(row.shop_price_cents) / 100,
    goodsBrief: row.goods_brief,
    goodsDesc: row.goods_desc,
    shipFree: Boolean(row.ship_free),
    images: jsonList(row.images),
    descImages: jsonList(row.desc_images),
    goodsFrontImage: row.goods_front_image,
    isNew: Boolean(row.is_new),
    isHot: Boolean(row.is_hot),
    onSale: Boolean(row.on_sale),
    addTime: Math.floor(Number(row.created_at) / 1000),
    category: { id: row.category_id, name: row.category_name },
    brand: { id: row.brand_id, name: row.brand_name, logo: row.brand_logo },
  };
}

const isGoodsId = (id: number) => Number.isInteger(id) && id >= 1 && id <= INT32_MAX;

export function createGoodsService(db: Kysely<GoodsSchema>): AsyncHandlers<GoodsDefinition> {
  return {
    /** The goods that exist, once each, in the order first asked for; missing ids are simply absent. */
    async BatchGetGoods(request) {
      const ids = [...new Set(request.id.filter(isGoodsId))];
      const byId = new Map<number, Selectable<GoodsTable>>();
      for (let i = 0; i < ids.length; i += ID_CHUNK) {
        const rows = await db
          .selectFrom('goods')
          .selectAll()
          .where('id', 'in', ids.slice(i, i + ID_CHUNK))
          .execute();
        for (const row of rows) byId.set(row.id, row);
      }
      const data = ids.flatMap((id) => {
        const row = byId.get(id);
        return row ? [toGoodsInfo(row)] : [];
      });
      return { total: data.length, data };
    },

    async GetGoodsDetail(request) {
      const row = isGoodsId(request.id)
        ? await db.selectFrom('goods').selectAll().where('id', '=', request.id).executeTakeFirst()
        : undefined;
      if (!row) throw new RpcError(grpc.status.NOT_FOUND, '记录不存在');
      return toGoodsInfo(row);
    },
  };
}
