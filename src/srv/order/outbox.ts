// The outbox: what a committed transaction promised to do elsewhere ("give the stock of X back",
// "close X when it expires", "refund X's late payment"), written in that same transaction and
// delivered by the relay until it succeeds.
import type { Kysely, Transaction } from 'kysely';
import type { Backlog } from './metrics';
import type { OrderSchema, OutboxTopic } from './schema';

type Db = Kysely<OrderSchema> | Transaction<OrderSchema>;

export async function enqueue(
  tx: Transaction<OrderSchema>,
  message: { topic: OutboxTopic; orderSn: string; availableAt: number; now: number },
) {
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

/** The order is no longer unpaid (closed or paid): its timeout has nothing left to do. */
export async function dropCloseMessage(db: Db, orderSn: string): Promise<void> {
  await db.deleteFrom('outbox').where('topic', '=', 'order.close').where('order_sn', '=', orderSn).execute();
}

/** Messages due by `now` and not delivered yet, and how long the first of them has waited. */
export async function dueBacklog(db: Db, now: number): Promise<Backlog> {
  const row = await db
    .selectFrom('outbox')
    .select((eb) => [eb.fn.countAll<number | string>().as('n'), eb.fn.min('available_at').as('oldest')])
    .where('available_at', '<=', now)
    .executeTakeFirst();
  const oldest = row?.oldest;
  return { messages: Number(row?.n ?? 0), oldestMs: oldest === null || oldest === undefined ? 0 : Math.max(0, now - Number(oldest)) };
}
