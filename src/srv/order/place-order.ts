// Placing an order, in four steps, each of which may fail without losing or overselling a unit:
//
//   claim   an attempt, reserving the user's checked cart rows (committed before anything is sold)
//   price   the reserved items from the goods srv (never from the client)
//   sell    the stock through inventory, keyed by the orderSn
//   commit  one local transaction: the attempt becomes the order, its goods snapshot, exactly the
//           bought cart rows removed, and the close at expiry promised (outbox)
//
// A failure after the claim abandons the attempt, giving back at once what may have been sold; a crash
// leaves the attempt to the relay (attempts.ts). Idempotency keys are handled around this (idempotency.ts).
import * as grpc from '@grpc/grpc-js';
import type { Insertable, Selectable } from 'kysely';
import { centsToYuan, yuanToCents } from '../../../global/money';
import { NEW_ORDER_STATUS } from '../../../global/order-status';
import { type CallContext, SrvCallError } from '../../../global/srv-conn';
import { ErrorReason } from '../../../global/wire';
import { inTransaction } from '../database';
import { type RpcContext, RpcError } from '../grpc-server';
import { abandonAttempt, claimAttempt, consumeAttempt } from './attempts';
import { downstream, type OrderSrvContext } from './context';
import { ordersCreated, outOfStockRefusals } from './metrics';
import { enqueue, enqueueEvent } from './outbox';
import type { OrderInfoTable, ShoppingCartTable } from './schema';

const PAY_TYPE = 'alipay';
const COMMIT_MARGIN_MS = 1000;

/** What the buyer asked for. */
export interface OrderForm {
  userId: number;
  address: string;
  name: string;
  mobile: string;
  post: string;
}

/** One bought item, priced at the moment of purchase. */
interface Line {
  cartId: number;
  goodsId: number;
  name: string;
  image: string;
  priceCents: number;
  nums: number;
}

/** The attempt is made, but another request holds the same idempotency key. */
export const KEY_HELD = Symbol('key held by another attempt');

/** Sell failures that prove the stock did not move; after any other failure it might have. */
const SELL_REJECTIONS = new Set([
  grpc.status.RESOURCE_EXHAUSTED,
  grpc.status.NOT_FOUND,
  grpc.status.INVALID_ARGUMENT,
  grpc.status.FAILED_PRECONDITION,
  grpc.status.ALREADY_EXISTS,
]);

export async function placeOrder(
  ctx: OrderSrvContext,
  form: OrderForm,
  request: { key: string | undefined; requestHash: string },
  rpc: RpcContext,
): Promise<Selectable<OrderInfoTable> | typeof KEY_HELD> {
  const orderSn = ctx.orderSn.next();
  // One deadline for all of it: the caller's, less a margin to answer in, capped by deadlineMs.
  const call = downstream(ctx, rpc);
  const leftMs = Math.max(0, (call.deadline?.getTime() ?? Date.now()) - Date.now());
  // In business time, when this request will have stopped working on its attempt: its deadline, plus a
  // moment for a commit after a Sell answered just in time. After that the attempt is stale.
  const workUntil = ctx.now() + leftMs + COMMIT_MARGIN_MS;
  const reserved = await claimAttempt(ctx, { orderSn, userId: form.userId, workUntil, ...request });
  if (reserved === undefined) return KEY_HELD;
  ctx.faults('attempt-claimed');
  let sellSent = false;
  try {
    const lines = await price(ctx, reserved, call);
    sellSent = true; // from the moment the Sell leaves, stock may have moved
    await sell(ctx, orderSn, lines, call);
    ctx.faults('stock-sold');
    const order = await commit(ctx, orderSn, form, request, lines);
    ordersCreated.inc();
    ctx.faults('order-committed');
    return order;
  } catch (err) {
    if (err instanceof SrvCallError && err.reason === ErrorReason.OutOfStock) outOfStockRefusals.inc();
    // A definite refusal from inventory means nothing moved; any other failure once the Sell was sent
    // (a timeout, an outage, our own transaction) may have left stock sold.
    const refused = err instanceof SrvCallError && err.srv === 'inventory' && SELL_REJECTIONS.has(err.code);
    await abandonAttempt(ctx, orderSn, sellSent && !refused, rpc.requestId);
    throw err;
  }
}

/** Prices the reserved cart rows from the goods srv (never from the client). */
async function price(ctx: OrderSrvContext, items: readonly Selectable<ShoppingCartTable>[], call: CallContext): Promise<Line[]> {
  const { data } = await ctx.goods.BatchGetGoods({ id: items.map((i) => i.goods_id) }, call);
  const goodsById = new Map(data.map((g) => [g.id, g]));
  return items.map((item) => {
    const goods = goodsById.get(item.goods_id);
    if (!goods) throw new RpcError(grpc.status.NOT_FOUND, `商品不存在: ${item.goods_id}`);
    const priceCents = yuanToCents(goods.shopPrice);
    return { cartId: item.id, goodsId: goods.id, name: goods.name, image: goods.goodsFrontImage, priceCents, nums: item.nums };
  });
}

async function sell(ctx: OrderSrvContext, orderSn: string, lines: readonly Line[], call: CallContext): Promise<void> {
  await ctx.inventory.Sell({ orderSn, goodsInfo: lines.map((l) => ({ goodsId: l.goodsId, num: l.nums })) }, call);
}

async function commit(
  ctx: OrderSrvContext,
  orderSn: string,
  form: OrderForm,
  request: { key: string | undefined; requestHash: string },
  lines: readonly Line[],
): Promise<Selectable<OrderInfoTable>> {
  return inTransaction(ctx.db, async (tx) => {
    const now = ctx.now();
    await consumeAttempt(tx, orderSn, lines);
    const expireAt = now + ctx.orderTimeoutMs;
    const row: Insertable<OrderInfoTable> & Omit<Selectable<OrderInfoTable>, 'id'> = {
      user_id: form.userId,
      order_sn: orderSn,
      pay_type: PAY_TYPE,
      status: NEW_ORDER_STATUS,
      trade_no: null,
      total_cents: lines.reduce((sum, l) => sum + l.priceCents * l.nums, 0),
      address: form.address,
      signer_name: form.name,
      signer_mobile: form.mobile,
      post: form.post,
      pay_time: null,
      expire_at: expireAt,
      idempotency_key: request.key ?? null,
      request_hash: request.requestHash,
      created_at: now,
      updated_at: now,
    };
    const inserted = await tx.insertInto('order_info').values(row).executeTakeFirstOrThrow();
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
    await enqueueEvent(ctx, tx, 'order.created', orderSn, now, {
      user: form.userId,
      total: centsToYuan(row.total_cents),
      items: lines.map((l) => ({ goods: l.goodsId, nums: l.nums, price: centsToYuan(l.priceCents) })),
    });
    ctx.faults('order-written');
    // The row as written: reading it back would only return what is in hand.
    return { ...row, id: orderId };
  });
}
