// Idempotency-Key around placing an order: a key names one order per user. The same key with the same
// form replays that order; with another form it is refused; while a twin request holds the key, this
// one waits for its outcome (then replays it, or tries itself if the twin failed), up to its deadline.
// The store enforces it: unique (user, key) on both the attempt and the order.
import crypto from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import * as grpc from '@grpc/grpc-js';
import type { Selectable } from 'kysely';
import { ErrorReason } from '../../../global/wire';
import { type RpcContext, RpcError } from '../grpc-server';
import { attemptHoldingKey, NOTHING_CHECKED } from './attempts';
import type { OrderSrvContext } from './context';
import { idempotentReplays } from './metrics';
import { KEY_HELD, type OrderForm, placeOrder } from './place-order';
import type { OrderInfoTable } from './schema';

const IN_FLIGHT_POLL_MS = 25;
/** Answer "still in flight" this long before the caller's deadline, so the answer reaches it. */
const ANSWER_MARGIN_MS = 100;

/** What "the same request" means for an idempotency key: the same order form. */
export function requestHash(form: OrderForm): string {
  return crypto
    .createHash('sha256')
    .update(JSON.stringify([form.address, form.name, form.mobile, form.post]))
    .digest('hex');
}

const isNothingChecked = (err: unknown) => err instanceof RpcError && err.code === grpc.status.NOT_FOUND && err.details === NOTHING_CHECKED;

const keyReused = () => new RpcError(grpc.status.FAILED_PRECONDITION, '该幂等键已用于内容不同的请求', ErrorReason.IdempotencyKeyReused);

async function orderWithKey(ctx: OrderSrvContext, userId: number, key: string) {
  return ctx.db.selectFrom('order_info').selectAll().where('user_id', '=', userId).where('idempotency_key', '=', key).executeTakeFirst();
}

export interface PlacedOrder {
  order: Selectable<OrderInfoTable>;
  /** The order an earlier request with the same key placed. */
  replayed: boolean;
}

function replay(order: Selectable<OrderInfoTable>): PlacedOrder {
  idempotentReplays.inc();
  return { order, replayed: true };
}

/** Places the order at most once per (user, key); without a key, simply places it. */
export async function placeOrderOnce(
  ctx: OrderSrvContext,
  form: OrderForm,
  key: string | undefined,
  rpc: RpcContext,
): Promise<PlacedOrder> {
  const request = { key, requestHash: requestHash(form) };
  const giveUpAt = (rpc.deadline?.getTime() ?? Date.now() + ctx.deadlineMs) - ANSWER_MARGIN_MS;
  for (;;) {
    if (key !== undefined) {
      const earlier = await orderWithKey(ctx, form.userId, key);
      if (earlier && earlier.request_hash !== request.requestHash) throw keyReused();
      if (earlier) return replay(earlier);
    }
    let placed: Awaited<ReturnType<typeof placeOrder>>;
    try {
      placed = await placeOrder(ctx, form, request, rpc);
    } catch (err) {
      // A twin committed between our look for its order and our claim: its attempt (and the key with
      // it) was gone, and so were the cart rows it bought. That is a replay, not an empty cart.
      const twinOrder = key !== undefined && isNothingChecked(err) ? await orderWithKey(ctx, form.userId, key) : undefined;
      if (twinOrder?.request_hash === request.requestHash) return replay(twinOrder);
      if (twinOrder) throw keyReused();
      throw err;
    }
    if (placed !== KEY_HELD) return { order: placed, replayed: false };

    // Only a keyed claim can find its key held: a twin is in flight.
    const twin = await attemptHoldingKey(ctx, form.userId, key ?? '');
    if (twin !== undefined && twin !== request.requestHash) throw keyReused();
    if (Date.now() >= giveUpAt) {
      throw new RpcError(grpc.status.ABORTED, '相同幂等键的请求正在处理，请稍后重试', ErrorReason.IdempotencyInFlight);
    }
    await delay(IN_FLIGHT_POLL_MS);
  }
}
