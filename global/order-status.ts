// Order statuses (CONTRACT §1). They only move forward:
//   unpaid → TRADE_SUCCESS → TRADE_FINISHED,   unpaid → TRADE_CLOSED.
// New orders are `paying`, as the course's Python srv writes them and its SPA reads them (待支付, with a
// pay button). Alipay's WAIT_BUYER_PAY, and the empty status the course's Go srvs leave, are unpaid too.

export const WAIT_BUYER_PAY = 'WAIT_BUYER_PAY';
export const TRADE_SUCCESS = 'TRADE_SUCCESS';
export const TRADE_FINISHED = 'TRADE_FINISHED';
export const TRADE_CLOSED = 'TRADE_CLOSED';
export const PAYING = 'paying';
/** The course's Go srvs create orders without a status. */
const NO_STATUS = '';

export type OrderStatusName = typeof WAIT_BUYER_PAY | typeof TRADE_SUCCESS | typeof TRADE_FINISHED | typeof TRADE_CLOSED;

/** The status a new order is written with. */
export const NEW_ORDER_STATUS = PAYING;

/** Every status that means "not paid yet": the one list to filter on. */
export const UNPAID_STATUSES: readonly string[] = [PAYING, WAIT_BUYER_PAY, NO_STATUS];

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

/** An order's status as every HTTP answer shows it: unpaid is always `paying`, what the course SPA reads. */
export function publicStatus(status: string): string {
  return isUnpaid(status) ? PAYING : status;
}
