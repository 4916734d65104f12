// The order srv's RPCs: the cart, and orders as the seed describes them.
// Business rules live here; the gateway only validates, calls and shapes.
import * as grpc from '@grpc/grpc-js';
import type { Kysely, Selectable, Transaction } from 'kysely';
import type { Logger } from '../../../global/logger';
import { centsToYuan, yuanToCents } from '../../../global/money';
import {
  WAIT_BUYER_PAY,
  TRADE_CLOSED,
  isOrderStatus,
  isPaid,
  predecessorsOf,
} from '../../../global/order-status';
import type { CallContext, GoodsClient, InventoryClient } from '../../../global/srv-conn';
import { SrvCallError } from '../../../global/srv-conn';
import type { OrderDefinition } from '../../../proto/types/proto/Order';
import type { OrderInfoResponse } from '../../../proto/types/proto/OrderInfoResponse';
import type { ShopCartInfoResponse } from '../../../proto/types/proto/ShopCartInfoResponse';
import { isUniqueViolation } from '../database';
import { RpcError, type AsyncHandlers, type RpcContext } from '../grpc-server';
import type { OrderSnGenerator } from './order-sn';
import type { OrderInfoTable, OrderSchema, ShoppingCartTable } from './schema';

export interface OrderServiceDeps {
  db: Kysely<OrderSchema>;
  goods: GoodsClient;
  inventory: InventoryClient;
  orderSn: OrderSnGenerator;
  logger: Logger;
  /** The longest a downstream call may take when the caller set no tighter deadline. */
  deadlineMs: number;
  now?: () => number;
}

export const MAX_PAGE_SIZE = 100;
const DEFAULT_PAGE_SIZE = 10;
const PAY_TYPE = 'alipay';

const CART_NOT_FOUND = '购物车记录不存在';
const ORDER_NOT_FOUND = '订单记录不存在';

/** Sell failures that prove the stock did not move; any other failure might have moved it. */
const SELL_REJECTIONS = new Set([
  grpc.status.RESOURCE_EXHAUSTED,
  grpc.status.NOT_FOUND,
  grpc.status.INVALID_ARGUMENT,
  grpc.status.FAILED_PRECONDITION,
  grpc.status.ALREADY_EXISTS,
]);

function invalid(details: string): RpcError {
  return new RpcError(grpc.status.INVALID_ARGUMENT, details);
}

function requirePositive(value: number, field: string): void {
  if (!Number.isInteger(value) || value < 1) throw invalid(`${field} 必须是正整数`);
}

function requireText(value: string, field: string): string {
  const text = value.trim();
  if (!text) throw invalid(`${field} 不能为空`);
  return text;
}

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
  };
}

export function createOrderService(deps: OrderServiceDeps): AsyncHandlers<OrderDefinition> {
  const { db, goods, inventory, logger } = deps;
  const now = deps.now ?? Date.now;

  /** Downstream calls inherit the caller's deadline (less a margin to answer in), capped by deadlineMs. */
  function downstream(ctx: RpcContext): CallContext {
    const cap = now() + deps.deadlineMs;
    const inherited = ctx.deadline ? ctx.deadline.getTime() - 50 : cap;
    return { requestId: ctx.requestId, deadline: new Date(Math.min(cap, inherited)), signal: ctx.signal };
  }

  /**
   * Gives back what orderSn took. Reback is keyed by orderSn and idempotent, and leaves a tombstone
   * when the Sell has not arrived, so calling it after an uncertain Sell is always safe.
   */
  async function giveStockBack(orderSn: string, ctx: RpcContext): Promise<void> {
    try {
      await inventory.Reback({ orderSn, goodsInfo: [] }, { requestId: ctx.requestId, deadline: new Date(now() + deps.deadlineMs) });
    } catch (err) {
      logger.error({ err, orderSn, requestId: ctx.requestId }, 'stock reback failed; stock stays sold for this orderSn');
    }
  }

  async function findCartRow(db: Kysely<OrderSchema> | Transaction<OrderSchema>, userId: number, goodsId: number) {
    return db
      .selectFrom('shopping_cart')
      .selectAll()
      .where('user_id', '=', userId)
      .where('goods_id', '=', goodsId)
      .executeTakeFirst();
  }

  /** Adds to the user's row of this goods, or creates it (checked). Unique (user, goods) settles races. */
  async function mergeIntoCart(userId: number, goodsId: number, nums: number): Promise<Selectable<ShoppingCartTable>> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await db.transaction().execute(async (tx) => {
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
        });
      } catch (err) {
        // Another request inserted the same (user, goods) first: add to its row instead.
        if (attempt < 2 && isUniqueViolation(err)) continue;
        throw err;
      }
    }
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

    async CreateOrder(request, ctx) {
      requirePositive(request.userId, 'userId');
      const address = requireText(request.address, 'address');
      const name = requireText(request.name, 'name');
      const mobile = requireText(request.mobile, 'mobile');
      const post = requireText(request.post, 'post');

      const items = await db
        .selectFrom('shopping_cart')
        .selectAll()
        .where('user_id', '=', request.userId)
        .where('checked', '=', 1)
        .orderBy('goods_id')
        .execute();
      if (items.length === 0) throw new RpcError(grpc.status.NOT_FOUND, '没有选中结算的商品');

      // Prices come from the goods srv, never from the client.
      const { data: goodsList } = await goods.BatchGetGoods({ id: items.map((i) => i.goods_id) }, downstream(ctx));
      const goodsById = new Map(goodsList.map((g) => [g.id, g]));
      const lines = items.map((item) => {
        const g = goodsById.get(item.goods_id);
        if (!g) throw new RpcError(grpc.status.NOT_FOUND, `商品不存在: ${item.goods_id}`);
        return { cartId: item.id, goodsId: g.id, name: g.name, image: g.goodsFrontImage, priceCents: yuanToCents(g.shopPrice), nums: item.nums };
      });
      const totalCents = lines.reduce((sum, l) => sum + l.priceCents * l.nums, 0);

      const orderSn = deps.orderSn.next();
      try {
        await inventory.Sell({ orderSn, goodsInfo: lines.map((l) => ({ goodsId: l.goodsId, num: l.nums })) }, downstream(ctx));
      } catch (err) {
        // A timeout or outage leaves it unknown whether stock moved: give it back to be sure.
        if (!(err instanceof SrvCallError) || !SELL_REJECTIONS.has(err.code)) await giveStockBack(orderSn, ctx);
        throw err;
      }

      try {
        const row = await db.transaction().execute(async (tx) => {
          const ts = now();
          // Claim exactly the cart rows we priced and sold; if one changed meanwhile, this order is void.
          for (const line of lines) {
            const removed = await tx
              .deleteFrom('shopping_cart')
              .where('id', '=', line.cartId)
              .where('nums', '=', line.nums)
              .where('checked', '=', 1)
              .executeTakeFirst();
            if (Number(removed.numDeletedRows) !== 1) throw new RpcError(grpc.status.ABORTED, '购物车已变化，请重试');
          }
          const inserted = await tx
            .insertInto('order_info')
            .values({
              user_id: request.userId,
              order_sn: orderSn,
              pay_type: PAY_TYPE,
              status: WAIT_BUYER_PAY,
              trade_no: null,
              total_cents: totalCents,
              address,
              signer_name: name,
              signer_mobile: mobile,
              post,
              pay_time: null,
              created_at: ts,
              updated_at: ts,
            })
            .executeTakeFirstOrThrow();
          const orderId = Number(inserted.insertId);
          await tx
            .insertInto('order_goods')
            .values(
              lines.map((l) => ({
                order_id: orderId,
                goods_id: l.goodsId,
                goods_name: l.name,
                goods_image: l.image,
                goods_price_cents: l.priceCents,
                nums: l.nums,
              })),
            )
            .execute();
          return tx.selectFrom('order_info').selectAll().where('id', '=', orderId).executeTakeFirstOrThrow();
        });
        return orderInfo(row);
      } catch (err) {
        // The order was not written, but the stock left inventory: return it before answering.
        await giveStockBack(orderSn, ctx);
        throw err;
      }
    },

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
      requirePositive(request.id, 'id');
      let query = db.selectFrom('order_info').selectAll().where('id', '=', request.id);
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

    async UpdateOrderStatus(request, ctx) {
      const orderSn = requireText(request.orderSn, 'orderSn');
      if (!isOrderStatus(request.status) || request.status === WAIT_BUYER_PAY) throw invalid(`未知的订单状态: ${request.status}`);
      const target = request.status;
      const payTime = request.payTime > 0 ? request.payTime : null;
      // Compare-and-set: the transition happens only from an allowed predecessor, so racing writers
      // (a payment and a close) cannot both win and nothing ever moves backwards.
      const moved = await db
        .updateTable('order_info')
        .set({ status: target, updated_at: now(), ...(payTime !== null ? { pay_time: payTime } : {}) })
        .where('order_sn', '=', orderSn)
        .where('status', 'in', [...predecessorsOf(target)])
        .executeTakeFirst();
      if (Number(moved.numUpdatedRows) === 1) {
        if (target === TRADE_CLOSED) await giveStockBack(orderSn, ctx);
        return {};
      }
      const current = await db.selectFrom('order_info').select('status').where('order_sn', '=', orderSn).executeTakeFirst();
      if (!current) throw new RpcError(grpc.status.NOT_FOUND, ORDER_NOT_FOUND);
      // A repeat of what already happened, or a stale "paid" after the order moved further along.
      if (current.status === target || (isPaid(target) && isPaid(current.status))) return {};
      throw new RpcError(grpc.status.FAILED_PRECONDITION, `订单状态不能从 ${current.status} 变为 ${target}`);
    },
  };
}
