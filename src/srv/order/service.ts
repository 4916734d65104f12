// The order srv's RPCs: the cart, and orders as the seed describes them.
// Business rules live here; the gateway only validates, calls and shapes.
import * as grpc from '@grpc/grpc-js';
import type { Kysely, Selectable, Transaction } from 'kysely';
import { centsToYuan } from '../../../global/money';
import { isOrderStatus, TRADE_CLOSED, WAIT_BUYER_PAY } from '../../../global/order-status';
import { PAYMENT_OUTCOME_KEY } from '../../../global/srv-conn';
import type { OrderDefinition } from '../../../proto/types/proto/Order';
import type { OrderInfoResponse } from '../../../proto/types/proto/OrderInfoResponse';
import type { ShopCartInfoResponse } from '../../../proto/types/proto/ShopCartInfoResponse';
import { inTransaction, isUniqueViolation } from '../database';
import { type AsyncHandlers, RpcError } from '../grpc-server';
import { invalid, requirePositive, requireText } from './checks';
import type { OrderSrvContext } from './context';
import { createOrderHandler } from './create-order';
import { reconcileUnpaid } from './expiry';
import { closeUnpaid } from './outbox';
import { parseAmount, recordPayment } from './payments';
import type { Relay } from './relay';
import type { OrderInfoTable, OrderSchema, ShoppingCartTable } from './schema';

export const MAX_PAGE_SIZE = 100;
const DEFAULT_PAGE_SIZE = 10;

const CART_NOT_FOUND = '购物车记录不存在';
const ORDER_NOT_FOUND = '订单记录不存在';

/** `YYYY-MM-DD HH:MM:SS` in the srv's local time, as the course's srvs answer. */
export function formatAddTime(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

function cartRow(row: Selectable<ShoppingCartTable>): ShopCartInfoResponse {
  return { id: row.id, userId: row.user_id, goodsId: row.goods_id, nums: row.nums, checked: row.checked === 1 };
}

function orderInfo(row: Selectable<OrderInfoTable>): OrderInfoResponse {
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

export function createOrderService(ctx: OrderSrvContext, relay: Pick<Relay, 'deliver'>): AsyncHandlers<OrderDefinition> {
  const { db, now } = ctx;

  async function findCartRow(db: Kysely<OrderSchema> | Transaction<OrderSchema>, userId: number, goodsId: number) {
    return db.selectFrom('shopping_cart').selectAll().where('user_id', '=', userId).where('goods_id', '=', goodsId).executeTakeFirst();
  }

  /** Adds to the user's row of this goods, or creates it (checked). Unique (user, goods) settles races. */
  function mergeIntoCart(userId: number, goodsId: number, nums: number): Promise<Selectable<ShoppingCartTable>> {
    const merge = async (tx: Transaction<OrderSchema>) => {
      const ts = now();
      const updated = await tx
        .updateTable('shopping_cart')
        .set((eb) => ({ nums: eb('nums', '+', nums), updated_at: ts }))
        .where('user_id', '=', userId)
        .where('goods_id', '=', goodsId)
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) === 0) {
        await tx
          .insertInto('shopping_cart')
          .values({ user_id: userId, goods_id: goodsId, nums, checked: 1, created_at: ts, updated_at: ts })
          .execute();
      }
      const row = await findCartRow(tx, userId, goodsId);
      if (!row) throw new Error('cart row vanished inside its own transaction');
      return row;
    };
    // Another request inserted the same (user, goods) first: run again and add to its row.
    return inTransaction(db, merge, isUniqueViolation);
  }

  return {
    async CartItemList(request) {
      requirePositive(request.id, 'userId');
      const rows = await db.selectFrom('shopping_cart').selectAll().where('user_id', '=', request.id).orderBy('id').execute();
      return { total: rows.length, data: rows.map(cartRow) };
    },

    async CreateCartItem(request) {
      requirePositive(request.userId, 'userId');
      requirePositive(request.goodsId, 'goodsId');
      requirePositive(request.nums, 'nums');
      return cartRow(await mergeIntoCart(request.userId, request.goodsId, request.nums));
    },

    async UpdateCartItem(request) {
      requirePositive(request.userId, 'userId');
      requirePositive(request.goodsId, 'goodsId');
      if (!Number.isInteger(request.nums) || request.nums < 0) throw invalid('nums 必须是正整数');
      // As the course srv: nums 0 means "leave the quantity", checked is always written.
      const result = await db
        .updateTable('shopping_cart')
        .set({
          ...(request.nums > 0 ? { nums: request.nums } : {}),
          checked: request.checked ? 1 : 0,
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

    CreateOrder: createOrderHandler(ctx, orderInfo),

    async OrderList(request) {
      if (!Number.isInteger(request.userId) || request.userId < 0) throw invalid('userId 必须是非负整数');
      const size = Math.min(Math.max(request.pagePerNums || DEFAULT_PAGE_SIZE, 1), MAX_PAGE_SIZE);
      const page = Math.max(request.pages || 1, 1);
      let query = db.selectFrom('order_info');
      if (request.userId > 0) query = query.where('user_id', '=', request.userId);
      const [count, rows] = await Promise.all([
        query.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
        query
          .selectAll()
          .orderBy('id', 'desc')
          .limit(size)
          .offset((page - 1) * size)
          .execute(),
      ]);
      return { total: Number(count.n), data: rows.map(orderInfo) };
    },

    async OrderDetail(request) {
      // By id, or (id 0) by order number, as the payment return page and `npm run pay` look orders up.
      let query = db.selectFrom('order_info').selectAll();
      if (request.id === 0 && request.orderSn) query = query.where('order_sn', '=', request.orderSn);
      else {
        requirePositive(request.id, 'id');
        query = query.where('id', '=', request.id);
      }
      // userId 0 reads any order (admin); otherwise someone else's order is simply not found.
      if (request.userId > 0) query = query.where('user_id', '=', request.userId);
      const row = await query.executeTakeFirst();
      if (!row) throw new RpcError(grpc.status.NOT_FOUND, ORDER_NOT_FOUND);
      const goodsRows = await db.selectFrom('order_goods').selectAll().where('order_id', '=', row.id).orderBy('id').execute();
      return {
        orderInfo: orderInfo(row),
        data: goodsRows.map((g) => ({
          id: g.id,
          orderId: g.order_id,
          goodsId: g.goods_id,
          goodsName: g.goods_name,
          goodsImage: g.goods_image,
          goodsPrice: centsToYuan(Number(g.goods_price_cents)),
          nums: g.nums,
        })),
      };
    },

    async UpdateOrderStatus(request, rpc) {
      const orderSn = requireText(request.orderSn, 'orderSn');
      if (!isOrderStatus(request.status) || request.status === WAIT_BUYER_PAY) throw invalid(`未知的订单状态: ${request.status}`);
      if (request.status === TRADE_CLOSED) {
        // The same path as the timeout: compare-and-set, and the stock return promised in that transaction.
        const outcome = await closeUnpaid(ctx, orderSn);
        if (outcome === 'missing') throw new RpcError(grpc.status.NOT_FOUND, ORDER_NOT_FOUND);
        if (outcome === 'closed')
          await relay.deliver('stock.reback', orderSn); // now if it can; else the relay retries
        else {
          const current = await db.selectFrom('order_info').select('status').where('order_sn', '=', orderSn).executeTakeFirstOrThrow();
          if (current.status !== TRADE_CLOSED) {
            throw new RpcError(grpc.status.FAILED_PRECONDITION, `订单状态不能从 ${current.status} 变为 ${TRADE_CLOSED}`);
          }
        }
        return {};
      }
      const amountCents = request.totalAmount ? parseAmount(request.totalAmount) : undefined;
      if (request.totalAmount && amountCents === undefined) throw invalid(`totalAmount 不是合法金额: ${request.totalAmount}`);
      const outcome = await recordPayment(ctx, orderSn, {
        status: request.status,
        tradeNo: request.tradeNo.trim() || null,
        paidAt: request.payTime > 0 ? request.payTime : null,
        amountCents,
      });
      rpc.setResponseMetadata(PAYMENT_OUTCOME_KEY, outcome);
      return {};
    },

    async ReconcileOrders(request) {
      if (!Number.isInteger(request.olderThanSeconds) || request.olderThanSeconds < 0) throw invalid('olderThanSeconds 必须是非负整数');
      return reconcileUnpaid(ctx, request.olderThanSeconds * 1000);
    },
  };
}
