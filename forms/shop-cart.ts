// Shopping cart inputs (CONTRACT §2 Routes: /o/v1/shopcarts).
import { INT32_MAX, IntField, IntParam, OptionalBooleanField } from './rules';

/** The most of one goods a cart row may hold; keeps totals far from int32 and float32 trouble. */
export const MAX_CART_NUMS = 10_000;

/** POST /o/v1/shopcarts */
export class ShopCartItemForm {
  @IntField(1, INT32_MAX)
  goods!: number;

  @IntField(1, MAX_CART_NUMS)
  nums!: number;
}

/** PATCH /o/v1/shopcarts/:goodsId. An absent `checked` leaves the item's checked state alone (CONTRACT §4.5). */
export class ShopCartItemUpdateForm {
  @IntField(1, MAX_CART_NUMS)
  nums!: number;

  @OptionalBooleanField()
  checked?: boolean;
}

/** :goodsId in /o/v1/shopcarts/:goodsId */
export class GoodsIdParams {
  @IntParam(1)
  goodsId!: number;
}
