// Payments that arrive after their order was closed: recorded once (Alipay re-sends), never applied
// (the order stays closed, its stock stays returned), alerted, and refunded through Alipay by the
// relay unless refunds are turned off or Alipay is not configured (then an operator refunds).
import type { Transaction } from 'kysely';
import type { OrderSrvContext } from './context';
import { latePayments, lateRefunds } from './metrics';
import { enqueue } from './outbox';
import type { OrderSchema } from './schema';

export interface LatePayment {
  tradeNo: string | null;
  /** Unix seconds. */
  paidAt: number | null;
  amountCents: number;
}

function refundsByItself(ctx: OrderSrvContext): boolean {
  return ctx.refundLatePayments && ctx.alipay !== undefined;
}

/** Inside the payment's transaction: 'late' the first time, 'already' when Alipay sends it again. */
export async function recordLatePayment(
  ctx: OrderSrvContext,
  tx: Transaction<OrderSchema>,
  orderSn: string,
  payment: LatePayment,
  now: number,
): Promise<'late' | 'already'> {
  const known = await tx.selectFrom('late_payment').select('order_sn').where('order_sn', '=', orderSn).executeTakeFirst();
  if (known) return 'already';
  const refund = refundsByItself(ctx);
  await tx
    .insertInto('late_payment')
    .values({
      order_sn: orderSn,
      trade_no: payment.tradeNo ?? '',
      amount_cents: payment.amountCents,
      paid_at: payment.paidAt,
      refund_state: refund ? 'pending' : 'manual',
      refunded_at: null,
      created_at: now,
    })
    .execute();
  if (refund) await enqueue(tx, { topic: 'payment.refund', orderSn, availableAt: now, now });
  return 'late';
}

/** Once the late payment is committed: counted, and an alert for whoever watches the logs. */
export function alertLatePayment(ctx: OrderSrvContext, orderSn: string, payment: LatePayment): void {
  ctx.counters.latePayments += 1;
  latePayments.inc();
  const refund = refundsByItself(ctx);
  ctx.logger.error(
    { alert: 'late_payment', orderSn, tradeNo: payment.tradeNo, amountCents: payment.amountCents, refund },
    `ALERT: payment for an order already closed; recorded, order left closed, refund ${refund ? 'issued through Alipay' : 'left to an operator'}`,
  );
}

/** The relay's `payment.refund` delivery; idempotent by its out_request_no. */
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
  lateRefunds.inc();
  ctx.logger.warn({ orderSn, amountCents: Number(late.amount_cents) }, 'late payment refunded');
}
