// When an unpaid order's time is up, ask Alipay instead of guessing (the seed's best-effort
// notification plus a query interface): paid → settle it as paid; created but unpaid → close it at
// Alipay first (so nobody can pay it any more), then here; unknown to Alipay → close it here.
// Alipay that cannot be asked is an error the relay retries with backoff; after ASK_ATTEMPTS tries the
// order closes here anyway: page pay's time_expire has already stopped Alipay from taking money for it,
// and a payment that still arrives is caught as a late payment and refunded.
import { yuanToCents } from '../../../global/money';
import { isPaid, isUnpaid } from '../../../global/order-status';
import type { OrderSrvContext } from './context';
import { closeUnpaid } from './outbox';
import { recordPayment } from './payments';

export type ExpiryOutcome = 'paid' | 'closed' | 'not unpaid';

/** Tries at asking Alipay before an expired order closes without its answer. */
export const ASK_ATTEMPTS = 5;

/** Settles an unpaid order from Alipay's answer; closes it when Alipay has no payment and `close` is set. */
async function settle(ctx: OrderSrvContext, orderSn: string, close: boolean, closeUnasked = false): Promise<ExpiryOutcome | 'unchanged'> {
  if (ctx.alipay) {
    const trade = await ctx.alipay.queryTrade(orderSn).catch((err: unknown) => {
      if (!close || !closeUnasked) throw err;
      ctx.logger.warn({ err, orderSn }, 'Alipay could not be asked again; closing the expired order without its answer');
      return 'unasked' as const;
    });
    if (trade === 'unasked') return (await closeUnpaid(ctx, orderSn)) === 'closed' ? 'closed' : 'not unpaid';
    if (trade && isPaid(trade.status)) {
      await recordPayment(ctx, orderSn, {
        status: trade.status as 'TRADE_SUCCESS' | 'TRADE_FINISHED',
        tradeNo: trade.tradeNo,
        paidAt: trade.paidAt ? Math.floor(trade.paidAt / 1000) : null,
        amountCents: yuanToCents(Number(trade.totalAmount)),
      });
      ctx.logger.info({ orderSn, tradeNo: trade.tradeNo }, 'paid at Alipay without a notify: settled as paid');
      return 'paid';
    }
    if (!close) return 'unchanged';
    if (trade?.status === 'WAIT_BUYER_PAY') {
      const closed = await ctx.alipay.closeTrade(orderSn);
      // Paid in the instant between the query and the close: settle it on the next try.
      if (closed === 'not-closable') throw new Error(`Alipay would not close trade ${orderSn}; will ask again`);
    }
  } else if (!close) {
    return 'unchanged';
  }
  const outcome = await closeUnpaid(ctx, orderSn);
  return outcome === 'closed' ? 'closed' : 'not unpaid';
}

/** The timeout's work for one order (the relay's `order.close` message, on its `attempt`-th delivery). */
export async function closeExpired(ctx: OrderSrvContext, orderSn: string, attempt: number): Promise<ExpiryOutcome> {
  const order = await ctx.db.selectFrom('order_info').select('status').where('order_sn', '=', orderSn).executeTakeFirst();
  if (!order || !isUnpaid(order.status)) {
    await ctx.db.deleteFrom('outbox').where('topic', '=', 'order.close').where('order_sn', '=', orderSn).execute();
    return 'not unpaid';
  }
  const outcome = await settle(ctx, orderSn, true, attempt >= ASK_ATTEMPTS);
  return outcome === 'unchanged' ? 'not unpaid' : outcome;
}

export interface ReconcileCounts {
  checked: number;
  paid: number;
  closed: number;
  unchanged: number;
  failed: number;
}

/** Re-checks every unpaid order created at least olderThanMs ago: paid → settled, expired → closed. */
export async function reconcileUnpaid(ctx: OrderSrvContext, olderThanMs: number): Promise<ReconcileCounts> {
  const now = ctx.now();
  const unpaid = await ctx.db
    .selectFrom('order_info')
    .select(['order_sn', 'expire_at', 'status'])
    .where('created_at', '<=', now - olderThanMs)
    .where('status', 'in', ['WAIT_BUYER_PAY', 'paying'])
    .orderBy('id')
    .execute();
  const counts: ReconcileCounts = { checked: unpaid.length, paid: 0, closed: 0, unchanged: 0, failed: 0 };
  for (const order of unpaid) {
    try {
      const outcome = await settle(ctx, order.order_sn, Number(order.expire_at) <= now);
      if (outcome === 'paid') counts.paid += 1;
      else if (outcome === 'closed') counts.closed += 1;
      else counts.unchanged += 1;
      if (outcome === 'closed') await ctx.relay?.deliver('stock.reback', order.order_sn);
    } catch (err) {
      counts.failed += 1;
      ctx.logger.warn({ err, orderSn: order.order_sn }, 'reconcile: could not settle this order now');
    }
  }
  ctx.logger.info(counts, 'reconciled unpaid orders');
  return counts;
}
