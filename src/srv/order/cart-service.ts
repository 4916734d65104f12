// The cart RPCs: one row per (user, goods), merged on add, as the course's srv keeps it, plus the rules
// the course's srv leaves to its gateway, enforced here where they can be atomic: the goods must exist,
// and a row never holds more than the goods' stock, however many adds race (compare-and-set on the row).
// The srv says so in every answer (features stock-cap and keep-checked, see index.ts).
import * as grpc from '@grpc/grpc-js';
import type { Selectable, Transaction } from 'kysely';
import { SrvCallError } from '../../../global/srv-conn';
import { ErrorReason } from '../../../global/wire';
import type { OrderDefinition } from '../../../proto/types/proto/Order';
import { inTransaction, isUniqueViolation } from '../database';
import { type AsyncHandlers, type RpcContext, RpcError } from '../grpc-server';
import { invalid, requirePositive } from './checks';
import { downstream, type OrderSrvContext } from './context';
import { toCartItem } from './mappers';
import type { OrderSchema, ShoppingCartTable } from './schema';

const CART_NOT_FOUND = '购物车记录不存在';

const overStock = () => new RpcError(grpc.status.RESOURCE_EXHAUSTED, '库存不足', ErrorReason.CartOverStock);

type CartRpcs = 'CartItemList' | 'CreateCartItem' | 'UpdateCartItem' | 'DeleteCartItem';

export function cartService(ctx: OrderSrvContext): Pick<AsyncHandlers<OrderDefinition>, CartRpcs> {
  const { db, now } = ctx;

  /** The goods' stock now; a goods without a stock record has none to put in a cart. */
  async function stockOf(goodsId: number, rpc: RpcContext): Promise<number> {
    try {
      return (await ctx.inventory.InvDetail({ goodsId }, downstream(ctx, rpc))).num;
    } catch (err) {
      if (err instanceof SrvCallError && err.code === grpc.status.NOT_FOUND) return 0;
      throw err;
    }
  }

  /**
   * Adds to the user's row of this goods, or creates it (checked), never past `stock`: the add is a
   * compare-and-set on the row's quantity. Unique (user, goods) settles two first adds racing.
   */
  function mergeIntoCart(userId: number, goodsId: number, nums: number, stock: number): Promise<Selectable<ShoppingCartTable>> {
    if (nums > stock) throw overStock();
    const merge = async (tx: Transaction<OrderSchema>) => {
      const ts = now();
      const add = () =>
        tx
          .updateTable('shopping_cart')
          .set((eb) => ({ nums: eb('nums', '+', nums), updated_at: ts }))
          .where('user_id', '=', userId)
          .where('goods_id', '=', goodsId)
          .where('nums', '<=', stock - nums)
          .executeTakeFirst();
      if (Number((await add()).numUpdatedRows) === 0) {
        const row = await tx
          .selectFrom('shopping_cart')
          .select('nums')
          .where('user_id', '=', userId)
          .where('goods_id', '=', goodsId)
          .executeTakeFirst();
        if (!row) {
          await tx
            .insertInto('shopping_cart')
            .values({ user_id: userId, goods_id: goodsId, nums, checked: 1, created_at: ts, updated_at: ts })
            .execute();
        } else if (row.nums > stock - nums || Number((await add()).numUpdatedRows) === 0) {
          // Full. (Under READ COMMITTED, MySQL's, the row may have been committed by a racing first add
          // between the update that found nothing and this read: then it is not full, and the add is
          // made again on it; only a row that is still too full refuses.)
          throw overStock();
        }
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

    async CreateCartItem(request, rpc) {
      requirePositive(request.userId, 'userId');
      requirePositive(request.goodsId, 'goodsId');
      requirePositive(request.nums, 'nums');
      // The goods must exist (NOT_FOUND "记录不存在" from the goods srv); its stock caps the row.
      const [, stock] = await Promise.all([
        ctx.goods.GetGoodsDetail({ id: request.goodsId }, downstream(ctx, rpc)),
        stockOf(request.goodsId, rpc),
      ]);
      const row = await mergeIntoCart(request.userId, request.goodsId, request.nums, stock);
      return toCartItem(row);
    },

    async UpdateCartItem(request, rpc) {
      requirePositive(request.userId, 'userId');
      requirePositive(request.goodsId, 'goodsId');
      if (!Number.isInteger(request.nums) || request.nums < 0) throw invalid('nums 必须是正整数');
      // As the course srv: nums 0 means "leave the quantity". checked is written unless keepChecked says not to.
      if (request.nums > 0 && request.nums > (await stockOf(request.goodsId, rpc))) throw overStock();
      const result = await db
        .updateTable('shopping_cart')
        .set({
          ...(request.nums > 0 ? { nums: request.nums } : {}),
          ...(request.keepChecked ? {} : { checked: request.checked ? 1 : 0 }),
          updated_at: now(),
        })
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
