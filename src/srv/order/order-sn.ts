// Order numbers: fixed length (24 digits), ordered by time, unique without asking the database.
//   yyyyMMddHHmmssSSS (17, UTC) + node (3) + sequence within the millisecond (4)
// The node number separates processes (random per start unless configured); the sequence separates
// orders within one millisecond of one process. The database's unique index is the final guard.

const SEQ_LIMIT = 10_000;

export interface OrderSnGenerator {
  next(): string;
}

function stamp(ms: number): string {
  return new Date(ms).toISOString().replace(/\D/g, '').slice(0, 17);
}

export function createOrderSnGenerator(options: { node?: number; now?: () => number } = {}): OrderSnGenerator {
  const node = options.node ?? Math.floor(Math.random() * 1000);
  if (!Number.isInteger(node) || node < 0 || node > 999) throw new RangeError('node must be 0..999');
  const now = options.now ?? Date.now;
  const nodePart = String(node).padStart(3, '0');
  let lastMs = 0;
  let seq = 0;
  return {
    next() {
      // Never go back in time: a clock step backwards keeps issuing from the last millisecond seen.
      let ms = Math.max(now(), lastMs);
      if (ms === lastMs) {
        seq += 1;
        if (seq >= SEQ_LIMIT) {
          // The sequence ran out within one millisecond: borrow the next one.
          ms = lastMs + 1;
          seq = 0;
        }
      } else {
        seq = 0;
      }
      lastMs = ms;
      return `${stamp(ms)}${nodePart}${String(seq).padStart(4, '0')}`;
    },
  };
}

/** The node part of an order number (see the layout above); undefined when it has none. */
export function orderSnNode(orderSn: string): number | undefined {
  const node = /^\d{17}(\d{3})\d{4}$/.exec(orderSn)?.[1];
  return node === undefined ? undefined : Number(node);
}
