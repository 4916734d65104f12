// CreateOrder, crash-safe and idempotent.
//
//   1. claim   an `order_attempt` row (committed), keyed by orderSn and unique per (user, Idempotency-Key),
//              and reserve the user's checked cart rows for it, so a user's concurrent checkouts never
//              sell the same cart twice
//   2. price   the reserved cart items from the goods srv (never from the client)
//   3. sell    the stock through inventory, keyed by orderSn
//   4. commit  one local transaction: consume the attempt, remove exactly the bought cart rows, write
//              the order + goods snapshot, and promise its close at expiry (outbox)
//
// Whatever fails or crashes after 1, the attempt stays behind until it is either consumed by 4 or
// given back: at once by this code when it can, else by the relay (Reback by orderSn, which also
// refuses a Sell that arrives later). So stock that left inventory belongs to an order or comes back.
import crypto from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import type { Kysely, Selectable } from 'kysely';
import { yuanToCents } from '../../../global/money';
import { WAIT_BUYER_PAY } from '../../../global/order-status';
import { ErrorReason, IDEMPOTENCY_KEY_PATTERN, REPLAYED_KEY, SrvCallError } from '../../../global/srv-conn';
import type { OrderInfoResponse } from '../../../proto/types/proto/OrderInfoResponse';
import type { OrderRequest__Output } from '../../../proto/types/proto/OrderRequest';
import { inTransaction, isUniqueViolation } from '../database';
import { type RpcContext, RpcError } from '../grpc-server';
import { invalid, requirePositive, requireText } from './checks';
import { downstream, type OrderSrvContext, ownCall } from './context';
import { enqueue } from './outbox';
import type { OrderAttemptTable, OrderInfoTable, OrderSchema } from './schema';

const PAY_TYPE = 'alipay';
const IN_FLIGHT_POLL_MS = 25;

/** Sell failures that prove the stock did not move; after any other failure it might have. */
const SELL_REJECTIONS = new Set([
  grpc.status.RESOURCE_EXHAUSTED,
  grpc.status.NOT_FOUND,
  grpc.status.INVALID_ARGUMENT,
  grpc.status.FAILED_PRECONDITION,
  grpc.status.ALREADY_EXISTS,
]);

export interface OrderInput {
  userId: number;
  address: string;
  name: string;
  mobile: string;
  post: string;
}

export function checkOrderRequest(request: OrderRequest__Output): OrderInput {
  requirePositive(request.userId, 'userId');
  return {
    userId: request.userId,
    address: requireText(request.address, 'address'),
    name: requireText(request.name, 'name'),
    mobile: requireText(request.mobile, 'mobile'),
    post: requireText(request.post, 'post'),
  };
}

/** What "the same request" means for an idempotency key: the same order form. */
export function requestHash(input: OrderInput): string {
  return crypto
    .createHash('sha256')
    .update(JSON.stringify([input.address, input.name, input.mobile, input.post]))
    .digest('hex');
}

/**
 * Ends an attempt that did not become an order: its cart rows are released (they stay in the cart)
 * and the attempt row goes, in one transaction. `state` guards against ending one the relay now owns.
 */
export async function endAttempt(db: Kysely<OrderSchema>, orderSn: string, state: OrderAttemptTable['state']): Promise<void> {
  await inTransaction(db, async (tx) => {
    const ended = await tx.deleteFrom('order_attempt').where('order_sn', '=', orderSn).where('state', '=', state).executeTakeFirst();
    if (Number(ended.numDeletedRows) === 1) {
      await tx.updateTable('shopping_cart').set({ attempt_sn: null }).where('attempt_sn', '=', orderSn).execute();
    }
  });
}

const keyReused = () => new RpcError(grpc.status.FAILED_PRECONDITION, '该幂等键已用于内容不同的请求', ErrorReason.IdempotencyKeyReused);

export function createOrderHandler(ctx: OrderSrvContext, toResponse: (row: Selectable<OrderInfoTable>) => OrderInfoResponse) {
  const { db, logger } = ctx;

  /** The order an earlier request with this key created, replayed; or a refusal when the request differs. */
  async function earlierOrder(input: OrderInput, key: string, hash: string, rpc: RpcContext) {
    const row = await db
      .selectFrom('order_info')
      .selectAll()
      .where('user_id', '=', input.userId)
      .where('idempotency_key', '=', key)
      .executeTakeFirst();
    if (!row) return undefined;
    if (row.request_hash !== hash) throw keyReused();
    rpc.setResponseMetadata(REPLAYED_KEY, 'true');
    return toResponse(row);
  }

  /**
   * Writes the in-flight attempt and reserves the user's checked, unreserved cart rows for it; false
   * when another request with the same key holds an attempt. Nothing to reserve: nothing to order.
   */
  async function claimAttempt(input: OrderInput, orderSn: string, key: string | undefined, hash: string): Promise<boolean> {
    try {
      await inTransaction(db, async (tx) => {
        const now = ctx.now();
        await tx
          .insertInto('order_attempt')
          .values({
            order_sn: orderSn,
            user_id: input.userId,
            idempotency_key: key ?? null,
            request_hash: hash,
            state: 'open',
            recover_at: now + ctx.attemptRecoverMs,
            lease_until: null,
            created_at: now,
          })
          .execute();
        const reserved = await tx
          .updateTable('shopping_cart')
          .set({ attempt_sn: orderSn })
          .where('user_id', '=', input.userId)
          .where('checked', '=', 1)
          .where('attempt_sn', 'is', null)
          .executeTakeFirst();
        if (Number(reserved.numUpdatedRows) === 0) throw new RpcError(grpc.status.NOT_FOUND, '没有选中结算的商品');
      });
      return true;
    } catch (err) {
      if (key !== undefined && isUniqueViolation(err)) return false;
      throw err;
    }
  }

  /**
   * Ends an attempt that will not become an order. While the attempt row exists no order was
   * committed for it (the two change together), so giving stock back first is safe; if this fails
   * or crashes half-way, the row stays and the relay finishes the job.
   */
  async function abandon(orderSn: string, stockMayHaveMoved: boolean, requestId: string | undefined): Promise<void> {
    try {
      const attempt = await db.selectFrom('order_attempt').select('state').where('order_sn', '=', orderSn).executeTakeFirst();
      if (attempt?.state !== 'open') return; // committed, or the relay has it
      if (stockMayHaveMoved) await ctx.inventory.Reback({ orderSn, goodsInfo: [] }, ownCall(ctx, requestId));
      await endAttempt(db, orderSn, 'open');
    } catch (err) {
      logger.warn({ err, orderSn, requestId }, 'could not end the order attempt now; the relay will give its stock back');
    }
  }

  /** `sellSent` turns true just before the Sell leaves: from then on stock may have moved. */
  async function create(
    input: OrderInput,
    orderSn: string,
    key: string | undefined,
    hash: string,
    rpc: RpcContext,
    progress: { sellSent: boolean },
  ) {
    ctx.faults('attempt-claimed');
    const items = await db.selectFrom('shopping_cart').selectAll().where('attempt_sn', '=', orderSn).orderBy('goods_id').execute();
    if (items.length === 0) throw new RpcError(grpc.status.ABORTED, '购物车已变化，请重试');

    const { data: goodsList } = await ctx.goods.BatchGetGoods({ id: items.map((i) => i.goods_id) }, downstream(ctx, rpc));
    const goodsById = new Map(goodsList.map((g) => [g.id, g]));
    const lines = items.map((item) => {
      const g = goodsById.get(item.goods_id);
      if (!g) throw new RpcError(grpc.status.NOT_FOUND, `商品不存在: ${item.goods_id}`);
      return {
        cartId: item.id,
        goodsId: g.id,
        name: g.name,
        image: g.goodsFrontImage,
        priceCents: yuanToCents(g.shopPrice),
        nums: item.nums,
      };
    });
    const totalCents = lines.reduce((sum, l) => sum + l.priceCents * l.nums, 0);

    progress.sellSent = true;
    await ctx.inventory.Sell({ orderSn, goodsInfo: lines.map((l) => ({ goodsId: l.goodsId, num: l.nums })) }, downstream(ctx, rpc));
    ctx.faults('stock-sold');

    return inTransaction(db, async (tx) => {
      const now = ctx.now();
      // Consume the attempt; if the relay already took it over, this order must not exist.
      const consumed = await tx.deleteFrom('order_attempt').where('order_sn', '=', orderSn).where('state', '=', 'open').executeTakeFirst();
      if (Number(consumed.numDeletedRows) !== 1) throw new RpcError(grpc.status.ABORTED, '下单超时，请重试');
      // Remove exactly the reserved rows we priced and sold; if one changed meanwhile, this order is void.
      for (const line of lines) {
        const removed = await tx
          .deleteFrom('shopping_cart')
          .where('id', '=', line.cartId)
          .where('attempt_sn', '=', orderSn)
          .where('nums', '=', line.nums)
          .executeTakeFirst();
        if (Number(removed.numDeletedRows) !== 1) throw new RpcError(grpc.status.ABORTED, '购物车已变化，请重试');
      }
      const expireAt = now + ctx.orderTimeoutMs;
      const inserted = await tx
        .insertInto('order_info')
        .values({
          user_id: input.userId,
          order_sn: orderSn,
          pay_type: PAY_TYPE,
          status: WAIT_BUYER_PAY,
          trade_no: null,
          total_cents: totalCents,
          address: input.address,
          signer_name: input.name,
          signer_mobile: input.mobile,
          post: input.post,
          pay_time: null,
          expire_at: expireAt,
          idempotency_key: key ?? null,
          request_hash: hash,
          created_at: now,
          updated_at: now,
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
      await enqueue(tx, { topic: 'order.close', orderSn, availableAt: expireAt, now });
      ctx.faults('order-written');
      return tx.selectFrom('order_info').selectAll().where('id', '=', orderId).executeTakeFirstOrThrow();
    });
  }

  return async function CreateOrder(request: OrderRequest__Output, rpc: RpcContext): Promise<OrderInfoResponse> {
    const input = checkOrderRequest(request);
    const key = rpc.idempotencyKey;
    if (key !== undefined && !IDEMPOTENCY_KEY_PATTERN.test(key)) {
      throw invalid('Idempotency-Key 必须是1到128个可见字符');
    }
    const hash = requestHash(input);
    const giveUpAt = (rpc.deadline?.getTime() ?? ctx.now() + ctx.deadlineMs) - 100;

    for (;;) {
      if (key !== undefined) {
        const replay = await earlierOrder(input, key, hash, rpc);
        if (replay) return replay;
      }
      const orderSn = ctx.orderSn.next();
      if (await claimAttempt(input, orderSn, key, hash)) {
        const progress = { sellSent: false };
        try {
          const row = await create(input, orderSn, key, hash, rpc, progress);
          ctx.faults('order-committed');
          return toResponse(row);
        } catch (err) {
          // A definite refusal from inventory means nothing moved; any other failure once the Sell
          // was sent (a timeout, an outage, our own transaction) may have left stock sold.
          const refused = err instanceof SrvCallError && err.srv === 'inventory' && SELL_REJECTIONS.has(err.code);
          await abandon(orderSn, progress.sellSent && !refused, rpc.requestId);
          throw err;
        }
      }
      // Another request with this key is in flight: wait for its outcome, then replay it or retry.
      const inFlight = await db
        .selectFrom('order_attempt')
        .select('request_hash')
        .where('user_id', '=', input.userId)
        .where('idempotency_key', '=', key ?? '')
        .executeTakeFirst();
      if (inFlight && inFlight.request_hash !== hash) throw keyReused();
      if (ctx.now() >= giveUpAt) {
        throw new RpcError(grpc.status.ABORTED, '相同幂等键的请求正在处理，请稍后重试', ErrorReason.IdempotencyInFlight);
      }
      await new Promise((resolve) => setTimeout(resolve, IN_FLIGHT_POLL_MS));
    }
  };
}
