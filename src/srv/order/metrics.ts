// What an operator watches of the order srv, each counted where its event happens (named beside each).
// The relay's backlog is read from the outbox at scrape time, from every relay this process runs.
import { Counter, Gauge } from 'prom-client';

/** place-order.ts: an order committed. */
export const ordersCreated = new Counter({ name: 'order_created_total', help: 'Orders placed' });

/** place-order.ts: inventory refused the sale for want of stock. */
export const outOfStockRefusals = new Counter({ name: 'order_out_of_stock_total', help: 'Orders refused: not enough stock' });

/** idempotency.ts: a request answered with the order an earlier one placed under the same key. */
export const idempotentReplays = new Counter({
  name: 'order_idempotent_replays_total',
  help: 'Order requests answered with the order placed earlier under the same Idempotency-Key',
});

export type CloseCause = 'timeout' | 'cancel' | 'alipay';

/** transitions.ts: an unpaid order closed, by cause. */
export const ordersClosed = new Counter({ name: 'order_closed_total', help: 'Unpaid orders closed, by cause', labelNames: ['cause'] });

/** transitions.ts: a payment recorded (TRADE_SUCCESS), or its completion (TRADE_FINISHED). */
export const payments = new Counter({
  name: 'order_payments_total',
  help: 'Payments recorded, by the status they moved to',
  labelNames: ['status'],
});

/** late-payments.ts: a payment for an order already closed (recorded once, never applied). */
export const latePayments = new Counter({ name: 'order_late_payments_total', help: 'Payments that arrived after their order closed' });

/** late-payments.ts: a late payment refunded through Alipay. */
export const lateRefunds = new Counter({ name: 'order_late_payment_refunds_total', help: 'Late payments refunded through Alipay' });

/** relay.ts: a closed order's stock given back to inventory. */
export const stockReturned = new Counter({ name: 'order_stock_returned_total', help: 'Closed orders whose stock went back to inventory' });

/** What a relay's outbox holds that is due and not delivered yet. */
export interface Backlog {
  messages: number;
  /** How long the longest-waiting due message has waited (ms); 0 when none. */
  oldestMs: number;
}

const backlogProbes = new Set<() => Promise<Backlog>>();

/**
 * Registers a relay's outbox for the backlog gauges; returns how to unregister it. Several relays in one
 * process (tests) may share a store, so the gauges report the largest reading, not the sum.
 */
export function watchBacklog(probe: () => Promise<Backlog>): () => void {
  backlogProbes.add(probe);
  return () => backlogProbes.delete(probe);
}

async function readBacklogs(): Promise<Backlog> {
  const readings = await Promise.all([...backlogProbes].map((probe) => probe().catch(() => undefined)));
  let messages = 0;
  let oldestMs = 0;
  for (const reading of readings) {
    if (!reading) continue;
    messages = Math.max(messages, reading.messages);
    oldestMs = Math.max(oldestMs, reading.oldestMs);
  }
  return { messages, oldestMs };
}

/** Both gauges are collected in one scrape: one reading serves both. */
let reading: Promise<Backlog> | undefined;
function currentBacklog(): Promise<Backlog> {
  reading ??= readBacklogs().finally(() => {
    reading = undefined;
  });
  return reading;
}

new Gauge({
  name: 'order_relay_backlog',
  help: 'Outbox messages due and not yet delivered (stock returns, closes, refunds)',
  async collect() {
    this.set((await currentBacklog()).messages);
  },
});

new Gauge({
  name: 'order_relay_oldest_pending_seconds',
  help: 'How long the longest-waiting due outbox message has waited',
  async collect() {
    this.set((await currentBacklog()).oldestMs / 1000);
  },
});

// The same reading under the names CONTRACT §7 gives them (with a broker, a timeout counts until it is published).
new Gauge({
  name: 'outbox_backlog',
  help: 'Outbox messages due and not yet delivered or confirmed by the broker',
  async collect() {
    this.set((await currentBacklog()).messages);
  },
});

new Gauge({
  name: 'outbox_oldest_age_seconds',
  help: 'How long the longest-waiting due outbox message has waited',
  async collect() {
    this.set((await currentBacklog()).oldestMs / 1000);
  },
});
