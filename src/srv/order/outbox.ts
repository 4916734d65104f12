// The outbox: what a committed transaction promised to do elsewhere ("give the stock of X back",
// "close X when it expires", "refund X's late payment"), written in that same transaction and
// delivered by the relay until it succeeds. With a broker (CONTRACT §7) it is the half message: the relay
// publishes each row and deletes it only once the broker has confirmed it.
import type { Kysely, Transaction } from 'kysely';
import { currentTraceparent } from '../broker';
import type { OrderSrvContext } from './context';
import type { Backlog } from './metrics';
import type { EventTopic, OrderSchema, OutboxTopic } from './schema';

type Db = Kysely<OrderSchema> | Transaction<OrderSchema>;

export async function enqueue(
  tx: Transaction<OrderSchema>,
  message: { topic: OutboxTopic; orderSn: string; availableAt: number; now: number; payload?: unknown },
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
      payload: message.payload === undefined ? null : JSON.stringify(message.payload),
      traceparent: currentTraceparent() ?? null,
    })
    .execute();
}

/** An integration event, written only when a broker carries them (nothing else would deliver it). */
export async function enqueueEvent(
  ctx: Pick<OrderSrvContext, 'brokered'>,
  tx: Transaction<OrderSchema>,
  topic: EventTopic,
  orderSn: string,
  now: number,
  body: Record<string, unknown>,
): Promise<void> {
  if (!ctx.brokered) return;
  await enqueue(tx, { topic, orderSn, availableAt: now, now, payload: { order_sn: orderSn, ...body, at: new Date(now).toISOString() } });
}

/** The order is no longer unpaid (closed or paid): its timeout has nothing left to do. */
export async function dropCloseMessage(db: Db, orderSn: string): Promise<void> {
  await db.deleteFrom('outbox').where('topic', '=', 'order.close').where('order_sn', '=', orderSn).execute();
}

/**
 * Messages due by `now` and not delivered yet, and how long the first of them has waited. With a broker
 * a timeout is due as soon as it is written: it waits in the broker's delay queue, not here.
 */
export async function dueBacklog(db: Db, now: number, brokered = false): Promise<Backlog> {
  const row = await db
    .selectFrom('outbox')
    .select((eb) => [eb.fn.countAll<number | string>().as('n'), eb.fn.min(brokered ? 'created_at' : 'available_at').as('oldest')])
    .where((eb) => (brokered ? eb.or([eb('available_at', '<=', now), eb('topic', '=', 'order.close')]) : eb('available_at', '<=', now)))
    .executeTakeFirst();
  const oldest = row?.oldest;
  return { messages: Number(row?.n ?? 0), oldestMs: oldest === null || oldest === undefined ? 0 : Math.max(0, now - Number(oldest)) };
}
