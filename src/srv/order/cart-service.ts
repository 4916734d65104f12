// The cart RPCs, as the course's srv answers them: one row per (user, goods), merged on add.
import * as grpc from '@grpc/grpc-js';
import type { Selectable, Transaction } from 'kysely';
import type { OrderDefinition } from '../../../proto/types/proto/Order';
import { inTransaction, isUniqueViolation } from '../database';
import { type AsyncHandlers, RpcError } from '../grpc-server';
import { invalid, requirePositive } from './checks';
import type { OrderSrvContext } from './context';
import { toCartItem } from './mappers';
import type { OrderSchema, ShoppingCartTable } from './schema';

const CART_NOT_FOUND = '购物车记录不存在';
/** Quantities are int32 on the wire. */
const MAX_NUMS = 2 ** 31 - 1;

type CartRpcs = 'CartItemList' | 'CreateCartItem' | 'UpdateCartItem' | 'DeleteCartItem';

export function cartService(ctx: OrderSrvContext): Pick<AsyncHandlers<OrderDefinition>, CartRpcs> {
  const { db, now } = ctx;

  /** Adds to the user's row of this goods, or creates it (checked). Unique (user, goods) settles races. */
  function mergeIntoCart(userId: number, goodsId: number, nums: number): Promise<Selectable<ShoppingCartTable>> {
    const merge = async (tx: Transaction<OrderSchema>) => {
      const ts = now();
      const updated = await tx
        .updateTable('shopping_cart')
        .set((eb) => ({ nums: eb('nums', '+', nums), updated_at: ts }))
        .where('user_id', '=', userId)
        .where('goods_id', '=', goodsId)
        .where('nums', '<=', MAX_NUMS - nums)
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) === 0) {
        const row = await tx
          .selectFrom('shopping_cart')
          .select('id')
          .where('user_id', '=', userId)
          .where('goods_id', '=', goodsId)
          .executeTakeFirst();
        if (row) throw new RpcError(grpc.status.OUT_OF_RANGE, 'nums 超出上限');
        await tx
          .insertInto('shopping_cart')
          .values({ user_id: userId, goods_id: goodsId, nums, checked: 1, created_at: ts, updated_at: ts })
          .execute();
      }
      return tx
        .selectFrom('shopping_cart')
        .selectAll()
        .where('user_id', '=', userId)
        .where('goods_id', '=', goodsId)
        .executeTakeFirstOrThrow();
    };
    // Another request inserted the same (user, goods) first: run again and add to its row.
    return inTransaction(db, merge, isUniqueViolation);
  }

  return {
    async CartItemList(request) {
      requirePositive(request.id, 'userId');
      const rows = await db.selectFrom('shopping_cart').selectAll().where('user_id', '=', request.id).orderBy('id').execute();
      return { total: rows.length, data: rows.map(toCartItem) };
    },

    async CreateCartItem(request) {
      requirePositive(request.userId, 'userId');
      requirePositive(request.goodsId, 'goodsId');
      requirePositive(request.nums, 'nums');
      return toCartItem(await mergeIntoCart(request.userId, request.goodsId, request.nums));
    },

    async UpdateCartItem(request) {
      requirePositive(request.userId, 'userId');
      requirePositive(request.goodsId, 'goodsId');
      if (!Number.isInteger(request.nums) || request.nums < 0) throw invalid('nums 必须是正整数');
      // As the course srv: nums 0 means "leave the quantity", checked is always written.
      const result = await db
        .updateTable('shopping_cart')
        .set({ ...(request.nums > 0 ? { nums: request.nums } : {}), checked: request.checked ? 1 : 0, updated_at: now() })
        .where('user_id', '=', request.userId)
        .where('goods_id', '=', request.goodsId)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) === 0) throw new RpcError(grpc.status.NOT_FOUND, CART_NOT_FOUND);
      return {};
    },

    async DeleteCartItem(request) {
      requirePositive(request.userId, 'userId');
      requirePositive(request.goodsId, 'goodsId');
      const result = await db
        .deleteFrom('shopping_cart')
        .where('user_id', '=', request.userId)
        .where('goods_id', '=', request.goodsId)
        .executeTakeFirst();
      if (Number(result.numDeletedRows) === 0) throw new RpcError(grpc.status.NOT_FOUND, CART_NOT_FOUND);
      return {};
    },
  };
}
