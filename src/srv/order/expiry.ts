// When an unpaid order's time is up, ask Alipay instead of guessing (the seed's best-effort
// notification plus a query interface): paid → settle it as paid; created but unpaid → close it at
// Alipay first (so nobody can pay it any more), then here; unknown to Alipay → close it here.
// Alipay that cannot be asked is an error the relay retries with backoff; after ASK_ATTEMPTS tries the
// order closes here anyway: page pay's time_expire has already stopped Alipay from taking money for it,
// and a payment that still arrives is caught as a late payment and refunded.
import { yuanToCents } from '../../../global/money';
import { isPaid, isUnpaid, UNPAID_STATUSES } from '../../../global/order-status';
import type { OrderSrvContext } from './context';
import { dropCloseMessage } from './outbox';
import { closeOrder, payOrder } from './transitions';

export type ExpiryOutcome = 'paid' | 'closed' | 'not unpaid';

/** Tries at asking Alipay before an expired order closes without its answer. */
export const ASK_ATTEMPTS = 5;

async function close(ctx: OrderSrvContext, orderSn: string): Promise<ExpiryOutcome> {
  return (await closeOrder(ctx, orderSn, 'timeout')).closed ? 'closed' : 'not unpaid';
}

/** Settles an unpaid order from Alipay's answer; closes it when Alipay has no payment and `expired`. */
async function settle(ctx: OrderSrvContext, orderSn: string, expired: boolean, closeUnasked = false): Promise<ExpiryOutcome | 'unchanged'> {
  if (!ctx.alipay) return expired ? close(ctx, orderSn) : 'unchanged';
  const trade = await ctx.alipay.queryTrade(orderSn).catch((err: unknown) => {
    if (!expired || !closeUnasked) throw err;
    ctx.logger.warn({ err, orderSn }, 'Alipay could not be asked again; closing the expired order without its answer');
    return 'unasked' as const;
  });
  if (trade === 'unasked') return close(ctx, orderSn);
  if (trade && isPaid(trade.status)) {
    await payOrder(ctx, orderSn, {
      status: trade.status as 'TRADE_SUCCESS' | 'TRADE_FINISHED',
      tradeNo: trade.tradeNo,
      paidAt: trade.paidAt ? Math.floor(trade.paidAt / 1000) : null,
      amountCents: yuanToCents(Number(trade.totalAmount)),
    });
    ctx.logger.info({ orderSn, tradeNo: trade.tradeNo }, 'paid at Alipay without a notify: settled as paid');
    return 'paid';
  }
  if (!expired) return 'unchanged';
  if (trade?.status === 'WAIT_BUYER_PAY') {
    // Paid in the instant between the query and the close: settle it on the next try.
    if ((await ctx.alipay.closeTrade(orderSn)) === 'not-closable')
      throw new Error(`Alipay would not close trade ${orderSn}; will ask again`);
  }
  return close(ctx, orderSn);
}

/** The timeout's work for one order (the relay's `order.close` message, on its `attempt`-th delivery). */
export async function closeExpired(ctx: OrderSrvContext, orderSn: string, attempt: number): Promise<ExpiryOutcome> {
  const order = await ctx.db.selectFrom('order_info').select('status').where('order_sn', '=', orderSn).executeTakeFirst();
  if (!order || !isUnpaid(order.status)) {
    await dropCloseMessage(ctx.db, orderSn);
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

/**
 * Re-checks every unpaid order created at least olderThanMs ago: paid → settled, expired → closed
 * (then `onClosed`, to deliver its stock return now).
 */
export async function reconcileUnpaid(
  ctx: OrderSrvContext,
  olderThanMs: number,
  onClosed: (orderSn: string) => Promise<void>,
): Promise<ReconcileCounts> {
  const now = ctx.now();
  const unpaid = await ctx.db
    .selectFrom('order_info')
    .select(['order_sn', 'expire_at'])
    .where('created_at', '<=', now - olderThanMs)
    .where('status', 'in', [...UNPAID_STATUSES])
    .orderBy('id')
    .execute();
  const counts: ReconcileCounts = { checked: unpaid.length, paid: 0, closed: 0, unchanged: 0, failed: 0 };
  for (const order of unpaid) {
    try {
      const outcome = await settle(ctx, order.order_sn, Number(order.expire_at) <= now);
      if (outcome === 'paid') counts.paid += 1;
      else if (outcome === 'closed') counts.closed += 1;
      else counts.unchanged += 1;
      if (outcome === 'closed') await onClosed(order.order_sn);
    } catch (err) {
      counts.failed += 1;
      ctx.logger.warn({ err, orderSn: order.order_sn }, 'reconcile: could not settle this order now');
    }
  }
  ctx.logger.info(counts, 'reconciled unpaid orders');
  return counts;
}
