// Order statuses are Alipay's trade statuses (CONTRACT §1). They only move forward:
//   unpaid → TRADE_SUCCESS → TRADE_FINISHED,   unpaid → TRADE_CLOSED.
// The course's Python srv writes lowercase `paying` for unpaid; both read as unpaid.

export const WAIT_BUYER_PAY = 'WAIT_BUYER_PAY';
export const TRADE_SUCCESS = 'TRADE_SUCCESS';
export const TRADE_FINISHED = 'TRADE_FINISHED';
export const TRADE_CLOSED = 'TRADE_CLOSED';
const LEGACY_UNPAID = 'paying';

export type OrderStatusName = typeof WAIT_BUYER_PAY | typeof TRADE_SUCCESS | typeof TRADE_FINISHED | typeof TRADE_CLOSED;

/** The status a new order is written with. */
export const NEW_ORDER_STATUS = WAIT_BUYER_PAY;

/** Every status that means "not paid yet": the one list to filter on. */
export const UNPAID_STATUSES: readonly string[] = [WAIT_BUYER_PAY, LEGACY_UNPAID];

/** For each status, the statuses an order may be in to move to it. */
const PREDECESSORS: Record<OrderStatusName, readonly string[]> = {
  [WAIT_BUYER_PAY]: [],
  [TRADE_SUCCESS]: UNPAID_STATUSES,
  [TRADE_FINISHED]: [...UNPAID_STATUSES, TRADE_SUCCESS],
  [TRADE_CLOSED]: UNPAID_STATUSES,
};

export function isOrderStatus(status: string): status is OrderStatusName {
  return Object.hasOwn(PREDECESSORS, status);
}

export function isUnpaid(status: string): boolean {
  return UNPAID_STATUSES.includes(status);
}

export function isPaid(status: string): boolean {
  return status === TRADE_SUCCESS || status === TRADE_FINISHED;
}

export function predecessorsOf(status: OrderStatusName): readonly string[] {
  return PREDECESSORS[status];
}

/** Whether an order in `from` may move to `to`. */
export function canMove(from: string, to: OrderStatusName): boolean {
  return PREDECESSORS[to].includes(from);
}
