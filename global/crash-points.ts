// The order srv's crash points, named here so its config can be validated with the rest: a testing
// aid (ORDER_SRV_CRASH_AT) that makes the srv SIGKILL itself at one step, so tests prove recovery
// from a crash at that very point. Never set in production.

export const CRASH_POINTS = [
  'attempt-claimed', // the in-flight attempt is committed, nothing sold yet
  'stock-sold', // inventory sold the stock, the order is not written
  'order-written', // inside the order's transaction, before commit
  'order-committed', // the order is committed, the answer not sent
  'attempt-recovering', // relay: the attempt is marked recovering, stock not given back
  'order-closed', // the close is committed, its stock return not delivered
  'stock-returned', // relay: Reback succeeded (with a broker: the stock return confirmed), the outbox row not yet deleted
] as const;
export type CrashPoint = (typeof CRASH_POINTS)[number];

/** The inventory srv's (INVENTORY_SRV_CRASH_AT): the same testing aid for its broker consumer. */
export const INVENTORY_CRASH_POINTS = [
  'stock-return-committed', // a stock.return message applied and committed, not yet acked
] as const;
export type InventoryCrashPoint = (typeof INVENTORY_CRASH_POINTS)[number];
