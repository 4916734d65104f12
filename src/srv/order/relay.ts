// The relay: delivers outbox messages and recovers abandoned order attempts, until each succeeds.
// Several order srvs may run relays on one store: every row is claimed by a compare-and-set on its
// lease before any work (leases.ts), and every delivery is idempotent (Reback by orderSn, close by
// compare-and-set, refund by out_request_no), so a repeat after a crash changes nothing.
//
// With a broker (CONTRACT §7) the relay publishes instead of delivering: stock returns, the delayed
// timeout and the integration events go out oldest first, each row deleted only once the broker has
// confirmed it; a row published but not confirmed (a crash, a cut connection) goes out again. Refunds
// of late payments stay the relay's own work.
import type { Selectable } from 'kysely';
import { type Broker, type OutgoingMessage, ROUTE } from '../broker';
import { recoverDueAttempts } from './attempts';
import { type OrderSrvContext, ownCall } from './context';
import { closeExpired } from './expiry';
import { refundLatePayment } from './late-payments';
import { leaseFree } from './leases';
import { stockReturned, watchBacklog } from './metrics';
import { dueBacklog } from './outbox';
import type { OutboxTable, OutboxTopic } from './schema';

export interface RelayOptions {
  /** Pause between passes of the timer (start()). */
  intervalMs: number;
  /** Rows taken per pass and kind. */
  batch?: number;
  /** How long a claim keeps other relays off a row. */
  leaseMs?: number;
  /** Publish on this broker instead of delivering (CONTRACT §7). */
  broker?: Broker | undefined;
  /** The delay queue the timeouts go to (the order timeout, in seconds); with a broker. */
  orderTimeoutSeconds?: number;
}

export interface RelayStats {
  attemptsRecovered: number;
  ordersClosed: number;
  stockReturned: number;
  /** Messages the broker confirmed (with a broker), by routing key. */
  published: Record<string, number>;
  failures: number;
}

export interface Relay {
  /** One pass: recover what is due, deliver what is due. Passes never overlap; this one runs after any in progress. */
  tick(): Promise<void>;
  /**
   * After a caller's answer, never before it: delivers this message (e.g. a cancel's stock return) or,
   * with a broker, publishes what is pending. Chained after the pass in progress, so tick() waits for it;
   * resolves when done (never rejects: what fails stays in the outbox).
   */
  deliverSoon(topic: OutboxTopic, orderSn: string): Promise<void>;
  /** Runs a pass every intervalMs until stop(). */
  start(): void;
  stop(): Promise<void>;
  readonly stats: RelayStats;
}

const BACKOFF_BASE_MS = 500;
const BACKOFF_MAX_MS = 60_000;

/** Exponential backoff with jitter: 0.5 s, 1 s, 2 s … up to a minute. */
export function backoffMs(attempts: number): number {
  const base = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, attempts - 1));
  return Math.round(base * (0.8 + Math.random() * 0.4));
}

export function createRelay(ctx: OrderSrvContext, options: RelayOptions): Relay {
  const { db, logger } = ctx;
  const batch = options.batch ?? 50;
  const leaseMs = options.leaseMs ?? 30_000;
  const { broker } = options;
  const stats: RelayStats = { attemptsRecovered: 0, ordersClosed: 0, stockReturned: 0, published: {}, failures: 0 };
  let timer: NodeJS.Timeout | undefined;
  let lastPass: Promise<void> = Promise.resolve();
  let stopped = false;
  let publishQueued = false;
  const unwatch = watchBacklog(() => dueBacklog(db, ctx.now(), broker !== undefined));

  /** Claims one message by compare-and-set on its lease; false when another relay has it. */
  async function claim(message: Selectable<OutboxTable>, now: number): Promise<boolean> {
    const claimed = await db
      .updateTable('outbox')
      .set({ lease_until: now + leaseMs, attempts: message.attempts + 1 })
      .where('id', '=', message.id)
      .where('attempts', '=', message.attempts)
      .where(leaseFree(now))
      .executeTakeFirst();
    return Number(claimed.numUpdatedRows) === 1;
  }

  async function handle(message: Selectable<OutboxTable>): Promise<void> {
    const orderSn = message.order_sn;
    try {
      switch (message.topic) {
        case 'order.close': {
          // Closing (or settling as paid) removes this message in its own transaction.
          const outcome = await closeExpired(ctx, orderSn, message.attempts + 1);
          if (outcome === 'closed') {
            stats.ordersClosed += 1;
            ctx.faults('order-closed');
            logger.info({ orderSn }, 'unpaid order expired and closed');
            await deliver('stock.reback', orderSn);
          }
          return;
        }
        case 'stock.reback':
          await ctx.inventory.Reback({ orderSn, goodsInfo: [] }, ownCall(ctx));
          ctx.faults('stock-returned');
          stats.stockReturned += 1;
          stockReturned.inc();
          break;
        case 'payment.refund':
          await refundLatePayment(ctx, orderSn);
          break;
      }
      await db.deleteFrom('outbox').where('id', '=', message.id).execute();
    } catch (err) {
      stats.failures += 1;
      await db
        .updateTable('outbox')
        .set({ lease_until: null, available_at: ctx.now() + backoffMs(message.attempts + 1), last_error: errorText(err) })
        .where('id', '=', message.id)
        .execute()
        .catch((e: unknown) => logger.error({ err: e }, 'could not reschedule an outbox message'));
      logger.warn({ err, topic: message.topic, orderSn, attempts: message.attempts + 1 }, 'outbox delivery failed; will retry');
    }
  }

  async function deliverDue(): Promise<void> {
    const now = ctx.now();
    let query = db.selectFrom('outbox').selectAll().where('available_at', '<=', now).where(leaseFree(now));
    if (broker) query = query.where('topic', '=', 'payment.refund');
    const due = await query.orderBy('available_at').limit(batch).execute();
    for (const message of due) {
      if (stopped) return;
      if (await claim(message, now)) await handle(message);
    }
  }

  async function deliver(topic: OutboxTopic, orderSn: string): Promise<void> {
    const message = await db.selectFrom('outbox').selectAll().where('topic', '=', topic).where('order_sn', '=', orderSn).executeTakeFirst();
    if (message && (await claim(message, ctx.now()))) await handle(message);
  }

  /** What a row says on the broker. */
  function outgoing(message: Selectable<OutboxTable>, now: number): OutgoingMessage {
    const base = { messageId: String(message.id), traceparent: message.traceparent };
    const body: unknown = message.payload ? JSON.parse(message.payload) : { order_sn: message.order_sn };
    switch (message.topic) {
      case 'order.close':
        // Due already (published late, e.g. after the broker was away): straight to the order srvs.
        return message.available_at <= now
          ? { ...base, route: ROUTE.orderTimeout, body }
          : { ...base, route: ROUTE.orderTimeout, body, delaySeconds: options.orderTimeoutSeconds ?? 1800 };
      case 'stock.reback':
        return { ...base, route: ROUTE.stockReturn, body };
      default:
        return { ...base, route: message.topic, body };
    }
  }

  /** Publishes pending rows oldest first, deleting each once confirmed. Stops at the first failure. */
  async function publishPending(bus: Broker): Promise<void> {
    for (;;) {
      if (stopped || !bus.connected) return; // they wait in the outbox until the broker is back
      const now = ctx.now();
      const pending = await db
        .selectFrom('outbox')
        .selectAll()
        .where('topic', '!=', 'payment.refund')
        .where((eb) => eb.or([eb('available_at', '<=', now), eb('topic', '=', 'order.close')]))
        .where(leaseFree(now))
        .orderBy('id')
        .limit(batch)
        .execute();
      const claimed: Selectable<OutboxTable>[] = [];
      for (const message of pending) if (await claim(message, now)) claimed.push(message);
      // One channel keeps them in order; all in flight at once, each confirmed on its own.
      const messages = claimed.map((message) => outgoing(message, now));
      const results = await Promise.allSettled(messages.map((message) => bus.publish(message)));
      const sent = claimed.filter((_, i) => results[i]?.status === 'fulfilled').map((m) => m.id);
      const unsent = claimed.filter((_, i) => results[i]?.status === 'rejected').map((m) => m.id);
      if (sent.length > 0) {
        // Confirmed, not yet marked sent: a crash here publishes them again (consumers drop the repeats).
        if (claimed.some((m, i) => m.topic === 'stock.reback' && results[i]?.status === 'fulfilled')) {
          ctx.faults('stock-returned');
        }
        await db.deleteFrom('outbox').where('id', 'in', sent).execute();
        for (const [i, message] of messages.entries()) {
          if (results[i]?.status === 'fulfilled') stats.published[message.route] = (stats.published[message.route] ?? 0) + 1;
        }
      }
      if (unsent.length > 0) {
        stats.failures += unsent.length;
        // Free at once: the next pass publishes them again, still oldest first.
        await db.updateTable('outbox').set({ lease_until: null }).where('id', 'in', unsent).execute();
        const reason = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
        logger.warn({ err: reason.reason, unsent: unsent.length }, 'broker did not confirm; messages stay in the outbox');
        return;
      }
      if (pending.length < batch) return;
    }
  }

  async function pass(): Promise<void> {
    if (stopped) return;
    try {
      const recovery = await recoverDueAttempts(ctx, { batch, leaseMs, retryInMs: backoffMs(2) });
      stats.attemptsRecovered += recovery.recovered;
      stats.failures += recovery.failed;
      await deliverDue();
      if (broker) await publishPending(broker);
    } catch (err) {
      logger.error({ err }, 'relay pass failed');
    }
  }

  function tick(): Promise<void> {
    lastPass = lastPass.then(pass);
    return lastPass;
  }

  function schedule(): void {
    if (stopped) return;
    timer = setTimeout(() => void tick().finally(schedule), options.intervalMs);
  }

  function deliverSoon(topic: OutboxTopic, orderSn: string): Promise<void> {
    if (stopped) return Promise.resolve();
    if (!broker) {
      lastPass = lastPass.then(() => deliver(topic, orderSn).catch((err: unknown) => logger.error({ err }, 'delivery failed')));
      return lastPass;
    }
    if (publishQueued) return lastPass; // the publish already waiting takes this message too
    publishQueued = true;
    lastPass = lastPass.then(() => {
      publishQueued = false;
      return publishPending(broker).catch((err: unknown) => logger.error({ err }, 'publishing the outbox failed'));
    });
    return lastPass;
  }

  return {
    tick,
    deliverSoon,
    stats,
    start: schedule,
    async stop() {
      stopped = true;
      unwatch();
      if (timer) clearTimeout(timer);
      await lastPass;
    },
  };
}

function errorText(err: unknown): string {
  return String(err instanceof Error ? err.message : err).slice(0, 255);
}
