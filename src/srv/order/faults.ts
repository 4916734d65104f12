// Crash points for the crash-recovery tests: the order srv can be told (ORDER_SRV_CRASH_AT) to kill
// itself with SIGKILL at one named step, so tests prove recovery from a crash at that very point.
// Unset, every point is a no-op.

export const CRASH_POINTS = [
  'attempt-claimed', // the in-flight attempt is committed, nothing sold yet
  'stock-sold', // inventory sold the stock, the order is not written
  'order-written', // inside the order's transaction, before commit
  'order-committed', // the order is committed, the answer not sent
  'attempt-recovering', // relay: the attempt is marked recovering, stock not given back
  'order-closed', // the close is committed, its stock return not delivered
  'stock-returned', // relay: Reback succeeded, the outbox row not yet deleted
] as const;
export type CrashPoint = (typeof CRASH_POINTS)[number];

export type Faults = (point: CrashPoint) => void;

export const noFaults: Faults = () => undefined;

export function crashAt(point: CrashPoint): Faults {
  return (reached) => {
    if (reached === point) process.kill(process.pid, 'SIGKILL');
  };
}
