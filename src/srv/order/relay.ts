// The relay: delivers outbox messages and recovers abandoned order attempts, until each succeeds.
// Several order srvs may run relays on one store: every row is claimed by a compare-and-set on its
// lease before any work (leases.ts), and every delivery is idempotent (Reback by orderSn, close by
// compare-and-set, refund by out_request_no), so a repeat after a crash changes nothing.
import type { Selectable } from 'kysely';
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
}

export interface RelayStats {
  attemptsRecovered: number;
  ordersClosed: number;
  stockReturned: number;
  failures: number;
}

export interface Relay {
  /** One pass: recover what is due, deliver what is due. Passes never overlap; this one runs after any in progress. */
  tick(): Promise<void>;
  /** Delivers one message now if it is there and unclaimed (e.g. a cancel's stock return). */
  deliver(topic: OutboxTopic, orderSn: string): Promise<void>;
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
  const stats: RelayStats = { attemptsRecovered: 0, ordersClosed: 0, stockReturned: 0, failures: 0 };
  let timer: NodeJS.Timeout | undefined;
  let lastPass: Promise<void> = Promise.resolve();
  let stopped = false;
  const unwatch = watchBacklog(() => dueBacklog(db, ctx.now()));

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
    const due = await db
      .selectFrom('outbox')
      .selectAll()
      .where('available_at', '<=', now)
      .where(leaseFree(now))
      .orderBy('available_at')
      .limit(batch)
      .execute();
    for (const message of due) {
      if (stopped) return;
      if (await claim(message, now)) await handle(message);
    }
  }

  async function deliver(topic: OutboxTopic, orderSn: string): Promise<void> {
    const message = await db.selectFrom('outbox').selectAll().where('topic', '=', topic).where('order_sn', '=', orderSn).executeTakeFirst();
    if (message && (await claim(message, ctx.now()))) await handle(message);
  }

  async function pass(): Promise<void> {
    if (stopped) return;
    try {
      const recovery = await recoverDueAttempts(ctx, { batch, leaseMs, retryInMs: backoffMs(2) });
      stats.attemptsRecovered += recovery.recovered;
      stats.failures += recovery.failed;
      await deliverDue();
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

  return {
    tick,
    deliver,
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
