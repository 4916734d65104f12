// Several order srvs may share one store, each with a relay. A relay claims a row (an outbox message,
// an abandoned attempt) by a compare-and-set on its lease before any work, so one relay at a time
// handles it; a relay that dies mid-work holds it only until the lease lapses.
import type { ExpressionBuilder } from 'kysely';
import type { OrderSchema } from './schema';

/** The row's lease is free at `now`: never taken, or lapsed. */
export function leaseFree(now: number) {
  return (eb: ExpressionBuilder<OrderSchema, 'order_attempt' | 'outbox'>) =>
    eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]);
}
