// Recording a payment: the one path for Alipay's notify, the query before a timeout, and reconciliation.
// The amount must equal the order total to the cent; the status moves forward by compare-and-set; a
// payment for an order already closed is recorded as late (order stays closed, stock stays returned)
// and its refund promised in the same transaction.
import * as grpc from '@grpc/grpc-js';
import { isPaid, type OrderStatusName, predecessorsOf, TRADE_CLOSED } from '../../../global/order-status';
import { ErrorReason } from '../../../global/srv-conn';
import { inTransaction } from '../database';
import { RpcError } from '../grpc-server';
import type { OrderSrvContext } from './context';
import { enqueue } from './outbox';

export interface Payment {
  status: Extract<OrderStatusName, 'TRADE_SUCCESS' | 'TRADE_FINISHED'>;
  tradeNo: string | null;
  /** Unix seconds. */
  paidAt: number | null;
  /** What was paid; undefined when the caller does not say (then it is not checked). */
  amountCents: number | undefined;
}

export type PaymentOutcome = 'paid' | 'already' | 'late';

/** "59.80" → 5980; undefined for anything that is not a plain amount with at most 2 decimals. */
export function parseAmount(text: string): number | undefined {
  const m = /^(\d{1,10})(?:\.(\d{1,2}))?$/.exec(text.trim());
  if (!m) return undefined;
  return Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
}

export async function recordPayment(ctx: OrderSrvContext, orderSn: string, payment: Payment): Promise<PaymentOutcome> {
  const outcome = await inTransaction(ctx.db, async (tx) => {
    const order = await tx.selectFrom('order_info').select(['status', 'total_cents']).where('order_sn', '=', orderSn).executeTakeFirst();
    if (!order) throw new RpcError(grpc.status.NOT_FOUND, '订单记录不存在');
    if (payment.amountCents !== undefined && payment.amountCents !== Number(order.total_cents)) {
      throw new RpcError(grpc.status.FAILED_PRECONDITION, '支付金额与订单金额不符', ErrorReason.AmountMismatch);
    }
    const now = ctx.now();
    const moved = await tx
      .updateTable('order_info')
      .set({
        status: payment.status,
        updated_at: now,
        ...(payment.tradeNo ? { trade_no: payment.tradeNo } : {}),
        ...(payment.paidAt ? { pay_time: payment.paidAt } : {}),
      })
      .where('order_sn', '=', orderSn)
      .where('status', 'in', [...predecessorsOf(payment.status)])
      .executeTakeFirst();
    if (Number(moved.numUpdatedRows) === 1) {
      // Paid: nothing left for the timeout to do.
      await tx.deleteFrom('outbox').where('topic', '=', 'order.close').where('order_sn', '=', orderSn).execute();
      return 'paid' as const;
    }
    const current = await tx.selectFrom('order_info').select('status').where('order_sn', '=', orderSn).executeTakeFirstOrThrow();
    if (isPaid(current.status)) return 'already' as const; // a repeat, or a stale "paid" after it moved on
    if (current.status !== TRADE_CLOSED) {
      throw new RpcError(grpc.status.FAILED_PRECONDITION, `订单状态不能从 ${current.status} 变为 ${payment.status}`);
    }
    // Paid after we closed it. Record it once (Alipay re-sends), and promise the refund.
    const known = await tx.selectFrom('late_payment').select('order_sn').where('order_sn', '=', orderSn).executeTakeFirst();
    if (!known) {
      const refund = ctx.refundLatePayments && ctx.alipay !== undefined;
      await tx
        .insertInto('late_payment')
        .values({
          order_sn: orderSn,
          trade_no: payment.tradeNo ?? '',
          amount_cents: payment.amountCents ?? Number(order.total_cents),
          paid_at: payment.paidAt,
          refund_state: refund ? 'pending' : 'manual',
          refunded_at: null,
          created_at: now,
        })
        .execute();
      if (refund) await enqueue(tx, { topic: 'payment.refund', orderSn, availableAt: now, now });
      ctx.counters.latePayments += 1;
    }
    return known ? ('already' as const) : ('late' as const);
  });
  if (outcome === 'late') {
    ctx.logger.error(
      {
        alert: 'late_payment',
        orderSn,
        tradeNo: payment.tradeNo,
        amountCents: payment.amountCents,
        refund: ctx.refundLatePayments && !!ctx.alipay,
      },
      'ALERT: payment for an order already closed; recorded, order left closed, refund ' +
        (ctx.refundLatePayments && ctx.alipay ? 'issued through Alipay' : 'left to an operator'),
    );
  }
  return outcome;
}

/** Delivers a late payment's refund through Alipay; idempotent by its out_request_no. */
export async function refundLatePayment(ctx: OrderSrvContext, orderSn: string): Promise<void> {
  const late = await ctx.db.selectFrom('late_payment').selectAll().where('order_sn', '=', orderSn).executeTakeFirst();
  if (late?.refund_state !== 'pending') return;
  if (!ctx.alipay) throw new Error('no Alipay client configured to refund with');
  await ctx.alipay.refund({
    orderSn,
    amountCents: Number(late.amount_cents),
    requestNo: `${orderSn}-late`,
    reason: '订单已超时关闭，退还货款',
  });
  await ctx.db
    .updateTable('late_payment')
    .set({ refund_state: 'refunded', refunded_at: ctx.now() })
    .where('order_sn', '=', orderSn)
    .execute();
  ctx.logger.warn({ orderSn, amountCents: Number(late.amount_cents) }, 'late payment refunded');
}
