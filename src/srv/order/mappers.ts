// Rows of the order store → the proto messages the order srv answers with.

import type { Selectable } from 'kysely';
import { formatAddTime } from '../../../global/add-time';
import { centsToYuan } from '../../../global/money';
import type { OrderInfoResponse } from '../../../proto/types/proto/OrderInfoResponse';
import type { OrderItemResponse } from '../../../proto/types/proto/OrderItemResponse';
import type { ShopCartInfoResponse } from '../../../proto/types/proto/ShopCartInfoResponse';
import type { OrderGoodsTable, OrderInfoTable, ShoppingCartTable } from './schema';

/** `YYYY-MM-DD HH:MM:SS` in the srv's local time, as the course's srvs answer. */

export function toCartItem(row: Selectable<ShoppingCartTable>): ShopCartInfoResponse {
  return { id: row.id, userId: row.user_id, goodsId: row.goods_id, nums: row.nums, checked: row.checked === 1 };
}

export function toOrderInfo(row: Selectable<OrderInfoTable>): OrderInfoResponse {
  return {
    id: row.id,
    userId: row.user_id,
    orderSn: row.order_sn,
    payType: row.pay_type,
    status: row.status,
    post: row.post,
    total: centsToYuan(Number(row.total_cents)),
    address: row.address,
    name: row.signer_name,
    mobile: row.signer_mobile,
    addTime: formatAddTime(Number(row.created_at)),
    expireAt: Math.floor(Number(row.expire_at) / 1000),
  };
}

export function toOrderItem(row: Selectable<OrderGoodsTable>): OrderItemResponse {
  return {
    id: row.id,
    orderId: row.order_id,
    goodsId: row.goods_id,
    goodsName: row.goods_name,
    goodsImage: row.goods_image,
    goodsPrice: centsToYuan(Number(row.goods_price_cents)),
    nums: row.nums,
  };
}
