// The outbox: what a committed transaction promised to do elsewhere ("give the stock of X back",
// "close X when it expires"), written in that same transaction and delivered by the relay.
import type { Transaction } from 'kysely';
import { predecessorsOf, TRADE_CLOSED } from '../../../global/order-status';
import { inTransaction } from '../database';
import type { OrderSrvContext } from './context';
import type { OrderSchema, OutboxTopic } from './schema';

export async function enqueue(
  tx: Transaction<OrderSchema>,
  message: { topic: OutboxTopic; orderSn: string; availableAt: number; now: number },
): Promise<void> {
  await tx
    .insertInto('outbox')
    .values({
      topic: message.topic,
      order_sn: message.orderSn,
      available_at: message.availableAt,
      attempts: 0,
      lease_until: null,
      last_error: null,
      created_at: message.now,
    })
    .execute();
}

export type CloseOutcome = 'closed' | 'not unpaid' | 'missing';

/**
 * Closes an unpaid order: a compare-and-set on its status, so a payment recorded first wins and a
 * close never undoes it. The stock return is promised in the same transaction; the timeout's own
 * message is dropped, as there is nothing left for it to do.
 */
export async function closeUnpaid(ctx: OrderSrvContext, orderSn: string): Promise<CloseOutcome> {
  return inTransaction(ctx.db, async (tx) => {
    const now = ctx.now();
    const moved = await tx
      .updateTable('order_info')
      .set({ status: TRADE_CLOSED, updated_at: now })
      .where('order_sn', '=', orderSn)
      .where('status', 'in', [...predecessorsOf(TRADE_CLOSED)])
      .executeTakeFirst();
    await tx.deleteFrom('outbox').where('topic', '=', 'order.close').where('order_sn', '=', orderSn).execute();
    if (Number(moved.numUpdatedRows) === 1) {
      await enqueue(tx, { topic: 'stock.reback', orderSn, availableAt: now, now });
      return 'closed';
    }
    const exists = await tx.selectFrom('order_info').select('id').where('order_sn', '=', orderSn).executeTakeFirst();
    return exists ? 'not unpaid' : 'missing';
  });
}
