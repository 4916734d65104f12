// Order statuses are Alipay's trade statuses (CONTRACT §1). They only move forward:
//   unpaid → TRADE_SUCCESS → TRADE_FINISHED,   unpaid → TRADE_CLOSED.
// The course's Python srv writes lowercase `paying` for unpaid; both read as unpaid.

export const WAIT_BUYER_PAY = 'WAIT_BUYER_PAY';
export const TRADE_SUCCESS = 'TRADE_SUCCESS';
export const TRADE_FINISHED = 'TRADE_FINISHED';
export const TRADE_CLOSED = 'TRADE_CLOSED';
const LEGACY_UNPAID = 'paying';

export type OrderStatusName = typeof WAIT_BUYER_PAY | typeof TRADE_SUCCESS | typeof TRADE_FINISHED | typeof TRADE_CLOSED;

const UNPAID: readonly string[] = [WAIT_BUYER_PAY, LEGACY_UNPAID];

/** For each status, the statuses an order may be in to move to it. */
const PREDECESSORS: Record<OrderStatusName, readonly string[]> = {
  [WAIT_BUYER_PAY]: [],
  [TRADE_SUCCESS]: UNPAID,
  [TRADE_FINISHED]: [...UNPAID, TRADE_SUCCESS],
  [TRADE_CLOSED]: UNPAID,
};

export function isOrderStatus(status: string): status is OrderStatusName {
  return Object.hasOwn(PREDECESSORS, status);
}

export function isUnpaid(status: string): boolean {
  return UNPAID.includes(status);
}

export function isPaid(status: string): boolean {
  return status === TRADE_SUCCESS || status === TRADE_FINISHED;
}

export function predecessorsOf(status: OrderStatusName): readonly string[] {
  return PREDECESSORS[status];
}
