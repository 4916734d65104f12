// What the order srv's parts share: its store, its clients, its clock and its settings. Built once
// by index.ts; nothing in here points back at the relay or the handlers.
import type { Kysely } from 'kysely';
import type { Logger } from '../../../global/logger';
import type { CallContext, GoodsClient, InventoryClient } from '../../../global/srv-conn';
import type { AlipayOpenApi } from '../../alipay/open-api';
import type { RpcContext } from '../grpc-server';
import type { Faults } from './faults';
import type { OrderSnGenerator } from './order-sn';
import type { OrderSchema } from './schema';

export interface OrderSrvContext {
  db: Kysely<OrderSchema>;
  goods: GoodsClient;
  inventory: InventoryClient;
  orderSn: OrderSnGenerator;
  logger: Logger;
  /**
   * The business clock (epoch ms): order and attempt times, expiry, outbox schedules and leases.
   * Tests drive it. gRPC deadlines are not business time and always use the real clock.
   */
  now: () => number;
  faults: Faults;
  /** The longest a downstream call may take when the caller set no tighter deadline. */
  deadlineMs: number;
  /** How long an unpaid order stays open. */
  orderTimeoutMs: number;
  /** How long an in-flight attempt may stay open before the relay gives its stock back. */
  attemptRecoverMs: number;
  /** Alipay's OpenAPI (trade query, close, refund); absent when not configured: then nothing is asked. */
  alipay: AlipayOpenApi | undefined;
  /** Refund payments that arrive after their order was closed (else an operator does). */
  refundLatePayments: boolean;
  counters: { latePayments: number };
  /** Messages go out on a broker (CONTRACT §7): integration events and message bodies are written too. */
  brokered: boolean;
}

/** Downstream calls inherit the caller's deadline (less a margin to answer in), capped by deadlineMs. */
export function downstream(ctx: OrderSrvContext, rpc: RpcContext): CallContext {
  const cap = Date.now() + ctx.deadlineMs;
  const inherited = rpc.deadline ? rpc.deadline.getTime() - 50 : cap;
  return { requestId: rpc.requestId, deadline: new Date(Math.min(cap, inherited)), signal: rpc.signal };
}

/** For work done on no caller's behalf (the relay, compensation after the caller gave up). */
export function ownCall(ctx: OrderSrvContext, requestId?: string): CallContext {
  return { deadline: new Date(Date.now() + ctx.deadlineMs), ...(requestId ? { requestId } : {}) };
}
