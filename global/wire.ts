// The wire vocabulary our processes share beyond the protos: the srvs' names, the gRPC metadata
// keys we add (old peers ignore them), and the reasons a refusal carries. Nothing here connects.

export type SrvName = 'goods' | 'inventory' | 'order' | 'userop';

/** How users name each srv in messages ("库存服务不可用"). */
export const SRV_LABEL: Record<SrvName, string> = { goods: '商品', inventory: '库存', order: '订单', userop: '用户操作' };

export function isSrvName(value: string | undefined): value is SrvName {
  return value !== undefined && Object.hasOwn(SRV_LABEL, value);
}

/** Request metadata: the gateway's request id, for one id across every process's log. */
export const REQUEST_ID_KEY = 'x-request-id';

/** Request metadata: the client's Idempotency-Key (HTTP header of the same name). */
export const IDEMPOTENCY_KEY_KEY = 'idempotency-key';

/** An Idempotency-Key: 1–128 visible ASCII characters. */
export const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]{1,128}$/;

/** Response metadata `idempotent-replayed: true`: the answer is that of an earlier request with the same key. */
export const REPLAYED_KEY = 'idempotent-replayed';

/**
 * Response metadata of our srvs' answers: what the srv does beyond the course's contract, so a client
 * can leave out what it needs to do itself in front of the course's srvs (which send none of these).
 */
export const FEATURES_KEY = 'srv-features';
export const Feature = {
  /** A cart add or update never takes a row's quantity past the goods' stock, atomically; the goods must exist. */
  StockCap: 'stock-cap',
  /** UpdateCartItem with keepChecked leaves checked as it is. */
  KeepChecked: 'keep-checked',
  /** CreateOrder with an idempotency key creates at most one order per (user, key): it may be sent again. */
  IdempotencyKey: 'idempotency-key',
} as const;
export type Feature = (typeof Feature)[keyof typeof Feature];

/** Response metadata of UpdateOrderStatus for a payment: what the payment did. */
export const PAYMENT_OUTCOME_KEY = 'payment-outcome';
export type PaymentOutcome = 'paid' | 'already' | 'late';

/**
 * Why a srv refused, beyond its status code (Google's ErrorInfo.reason), as trailing metadata
 * `error-reason`. The gateway prefers it to the message text, which only the course's srvs leave it to.
 */
export const ERROR_REASON_KEY = 'error-reason';
/** Trailing metadata naming the srv a SrvUnavailable refusal is about. */
export const ERROR_SRV_KEY = 'error-srv';

export const ErrorReason = {
  /** The idempotency key was used before for a different request. */
  IdempotencyKeyReused: 'IDEMPOTENCY_KEY_REUSED',
  /** A request with this idempotency key is still being worked on. */
  IdempotencyInFlight: 'IDEMPOTENCY_IN_FLIGHT',
  /** A payment's amount differs from the order's total. */
  AmountMismatch: 'AMOUNT_MISMATCH',
  /** Not enough stock for the whole sale (RESOURCE_EXHAUSTED "库存不足"). */
  OutOfStock: 'OUT_OF_STOCK',
  /** A cart quantity would exceed the goods' stock (RESOURCE_EXHAUSTED "库存不足"): the request's own fault. */
  CartOverStock: 'CART_OVER_STOCK',
  /** A srv this one depends on is down (UNAVAILABLE); `error-srv` names it. */
  SrvUnavailable: 'SRV_UNAVAILABLE',
  /** A srv this one depends on did not answer in time (DEADLINE_EXCEEDED); `error-srv` names it. */
  SrvTimeout: 'SRV_TIMEOUT',
  /** Never on the wire: this process already has its limit of calls in flight to the srv, so it sent none. */
  Overloaded: 'OVERLOADED',
} as const;
export type ErrorReason = (typeof ErrorReason)[keyof typeof ErrorReason];

/**
 * The userop contract's limits (CONTRACT §6): the course's column lengths, kept by the userop srv and checked
 * by the gateway's forms first. Lengths count UTF-16 code units, never fewer than the characters a column holds.
 */
export const UseropLimits = {
  /** province, city, district, address, signer name, message subject and file. */
  text: 100,
  signerMobile: 11,
  /** The course stores a message as unbounded text; ours fits a MySQL TEXT column whatever the characters. */
  message: 10_000,
} as const;

/** The userop srv's refusals, in the course's words (CONTRACT §6); the gateway says the same for what it refuses first. */
export const UseropMessage = {
  FavNotFound: '收藏记录不存在',
  FavExists: '已收藏该商品',
  AddressNotFound: '收货地址不存在',
} as const;

/** A message's type: 1 留言, 2 投诉, 3 询问, 4 售后, 5 求购. */
export const MESSAGE_TYPES = [1, 2, 3, 4, 5] as const;
