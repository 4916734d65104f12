// The one writer of order_info.status. Every change is a compare-and-set built on the predecessor
// table (global/order-status.ts), so statuses only move forward and of two racing changes exactly one
// wins: a payment recorded first stays paid, a close recorded first stays closed (and a payment that
// arrives after it is a late payment, refunded, never applied). Whatever a change promises elsewhere
// (the stock return of a close, the refund of a late payment) is written in its transaction.
import * as grpc from '@grpc/grpc-js';
import type { Transaction } from 'kysely';
import { centsToYuan } from '../../../global/money';
import { isPaid, isUnpaid, type OrderStatusName, predecessorsOf, TRADE_CLOSED } from '../../../global/order-status';
import { ErrorReason, type PaymentOutcome } from '../../../global/wire';
import { inTransaction } from '../database';
import { RpcError } from '../grpc-server';
import type { OrderSrvContext } from './context';
import { alertLatePayment, type LatePayment, recordLatePayment } from './late-payments';
import { type CloseCause, ordersClosed, payments } from './metrics';
import { dropCloseMessage, enqueue, enqueueEvent } from './outbox';
import type { OrderSchema } from './schema';

export const ORDER_NOT_FOUND = '订单记录不存在';

/** Moves the order to `to` if it is in one of `to`'s predecessors; true when it moved. */
async function move(
  tx: Transaction<OrderSchema>,
  orderSn: string,
  to: OrderStatusName,
  now: number,
  fields: { trade_no?: string; pay_time?: number } = {},
): Promise<boolean> {
  const moved = await tx
    .updateTable('order_info')
    .set({ status: to, updated_at: now, ...fields })
    .where('order_sn', '=', orderSn)
    .where('status', 'in', [...predecessorsOf(to)])
    .executeTakeFirst();
  if (Number(moved.numUpdatedRows) !== 1) return false;
  await dropCloseMessage(tx, orderSn); // unpaid no more: nothing left for the timeout to do
  return true;
}

async function statusOf(tx: Transaction<OrderSchema>, orderSn: string): Promise<string | undefined> {
  const row = await tx.selectFrom('order_info').select('status').where('order_sn', '=', orderSn).executeTakeFirst();
  return row?.status;
}

/** The cause an `order.closed` event names (CONTRACT §7). */
const EVENT_CAUSE: Record<CloseCause, string> = { timeout: 'timeout', cancel: 'user', alipay: 'alipay' };

/** With a broker: the stock return's body and the `order.closed` event, written beside the close. */
async function enqueueCloseMessages(ctx: OrderSrvContext, tx: Transaction<OrderSchema>, orderSn: string, cause: CloseCause, now: number) {
  if (!ctx.brokered) {
    await enqueue(tx, { topic: 'stock.reback', orderSn, availableAt: now, now });
    return;
  }
  const order = await tx.selectFrom('order_info').select(['id', 'user_id']).where('order_sn', '=', orderSn).executeTakeFirstOrThrow();
  const items = await tx
    .selectFrom('order_goods')
    .select(['goods_id', 'nums'])
    .where('order_id', '=', order.id)
    .orderBy('goods_id')
    .execute();
  const payload = { order_sn: orderSn, items: items.map((i) => ({ goods: i.goods_id, nums: i.nums })), cause: EVENT_CAUSE[cause] };
  await enqueue(tx, { topic: 'stock.reback', orderSn, availableAt: now, now, payload });
  await enqueueEvent(ctx, tx, 'order.closed', orderSn, now, { user: order.user_id, cause: EVENT_CAUSE[cause] });
}

/** `closed`: this call closed it; otherwise `status` says why not (already TRADE_CLOSED, or paid). */
export interface CloseOutcome {
  closed: boolean;
  status: string;
}

/**
 * Closes an unpaid order (timeout, cancel, Alipay's TRADE_CLOSED) and promises its stock return in
 * the same transaction. NOT_FOUND when there is no such order.
 */
export async function closeOrder(ctx: OrderSrvContext, orderSn: string, cause: CloseCause): Promise<CloseOutcome> {
  const outcome = await inTransaction(ctx.db, async (tx) => {
    const now = ctx.now();
    if (await move(tx, orderSn, TRADE_CLOSED, now)) {
      await enqueueCloseMessages(ctx, tx, orderSn, cause, now);
      return { closed: true, status: TRADE_CLOSED };
    }
    const status = await statusOf(tx, orderSn);
    if (status === undefined) throw new RpcError(grpc.status.NOT_FOUND, ORDER_NOT_FOUND);
    return { closed: false, status };
  });
  if (outcome.closed) ordersClosed.inc({ cause });
  return outcome;
}

/** FAILED_PRECONDITION for a move the predecessor table forbids. */
export function refusedMove(from: string, to: string): RpcError {
  return new RpcError(grpc.status.FAILED_PRECONDITION, `订单状态不能从 ${from} 变为 ${to}`);
}

export interface Payment {
  status: Extract<OrderStatusName, 'TRADE_SUCCESS' | 'TRADE_FINISHED'>;
  tradeNo: string | null;
  /** Unix seconds. */
  paidAt: number | null;
  /** What was paid; undefined when the caller does not say (then it is not checked). */
  amountCents: number | undefined;
}

/**
 * Records a payment (unpaid → paid) or its completion (TRADE_SUCCESS → TRADE_FINISHED): the one path
 * for Alipay's notify, the query before a timeout, and reconciliation. The amount must equal the
 * order's total to the cent. A payment for an order already closed is recorded as late.
 */
export async function payOrder(ctx: OrderSrvContext, orderSn: string, payment: Payment): Promise<PaymentOutcome> {
  const { outcome, late } = await inTransaction(ctx.db, async (tx): Promise<{ outcome: PaymentOutcome; late?: LatePayment }> => {
    const order = await tx
      .selectFrom('order_info')
      .select(['total_cents', 'status', 'user_id'])
      .where('order_sn', '=', orderSn)
      .executeTakeFirst();
    if (!order) throw new RpcError(grpc.status.NOT_FOUND, ORDER_NOT_FOUND);
    const totalCents = Number(order.total_cents);
    if (payment.amountCents !== undefined && payment.amountCents !== totalCents) {
      throw new RpcError(grpc.status.FAILED_PRECONDITION, '支付金额与订单金额不符', ErrorReason.AmountMismatch);
    }
    const now = ctx.now();
    const fields = { ...(payment.tradeNo ? { trade_no: payment.tradeNo } : {}), ...(payment.paidAt ? { pay_time: payment.paidAt } : {}) };
    if (await move(tx, orderSn, payment.status, now, fields)) {
      if (isUnpaid(order.status)) {
        await enqueueEvent(ctx, tx, 'order.paid', orderSn, now, {
          user: order.user_id,
          total: centsToYuan(totalCents),
          trade_no: payment.tradeNo,
        });
      }
      return { outcome: 'paid' };
    }
    const status = (await statusOf(tx, orderSn)) ?? '';
    if (isPaid(status)) return { outcome: 'already' }; // a repeat, or a stale "paid" after it moved on
    if (status !== TRADE_CLOSED) throw refusedMove(status, payment.status);
    const late: LatePayment = { tradeNo: payment.tradeNo, paidAt: payment.paidAt, amountCents: payment.amountCents ?? totalCents };
    return { outcome: await recordLatePayment(ctx, tx, orderSn, late, now), late };
  });
  if (outcome === 'paid') payments.inc({ status: payment.status });
  if (outcome === 'late' && late) alertLatePayment(ctx, orderSn, late);
  return outcome;
}
