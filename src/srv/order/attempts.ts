// An order attempt's whole life. An attempt is an order being created: written (and committed) with
// the reservation of the user's checked cart rows before any stock is sold, so a crash at any later
// step leaves a record of what may have to be given back.
//
//   claim ─► open ─┬─► consumed:   deleted in the order's own transaction (it became the order)
//                  ├─► ended:      deleted by its request, after giving back what it may have sold
//                  ├─► superseded: no request works on it any more (its request failed before it could
//                  │               give the stock back, or died): its cart rows and key are released at
//                  │               once for the user's next checkout, and it is left to the relay
//                  └─► recovering (final): taken over by the relay, which gives the stock back, then ends it
//
// The order's transaction consumes only `open` attempts, so once an attempt is superseded or marked
// `recovering` its order can never be committed; stock given back for it cannot belong to an order.
// An attempt is stale once its request's deadline (work_until) has passed; the user's next checkout
// supersedes a stale one, so a failed checkout never locks the cart until the relay comes round.
import * as grpc from '@grpc/grpc-js';
import type { Kysely, Selectable, Transaction } from 'kysely';
import { inTransaction, isUniqueViolation } from '../database';
import { RpcError } from '../grpc-server';
import { type OrderSrvContext, ownCall } from './context';
import { leaseFree } from './leases';
import { orderSnNode } from './order-sn';
import type { OrderAttemptTable, OrderSchema, ShoppingCartTable } from './schema';

export const NOTHING_CHECKED = '没有选中结算的商品';

export interface AttemptClaim {
  orderSn: string;
  userId: number;
  /** The client's Idempotency-Key: at most one attempt per (user, key) exists at a time. */
  key: string | undefined;
  /** What the request asked for, to tell a replay from a reuse of the key. */
  requestHash: string;
  /** Business time until which its request may still work on it (the request's deadline). */
  workUntil: number;
}

type Tx = Transaction<OrderSchema>;

/**
 * Makes open attempts unable to commit and leaves them to the relay: state `recovering`, due now,
 * their key freed for a new attempt, their cart rows released. Only attempts still open are touched
 * (compare-and-set), so one that became an order meanwhile is left alone. Answers those superseded.
 */
async function supersede(tx: Tx, orderSns: readonly string[], now: number): Promise<string[]> {
  const superseded: string[] = [];
  for (const orderSn of orderSns) {
    const moved = await tx
      .updateTable('order_attempt')
      .set({ state: 'recovering', idempotency_key: null, recover_at: now, lease_until: null })
      .where('order_sn', '=', orderSn)
      .where('state', '=', 'open')
      .executeTakeFirst();
    if (Number(moved.numUpdatedRows) === 1) superseded.push(orderSn);
  }
  if (superseded.length > 0)
    await tx.updateTable('shopping_cart').set({ attempt_sn: null }).where('attempt_sn', 'in', superseded).execute();
  return superseded;
}

/** The user's open attempts whose requests' deadlines have passed: nobody is working on them. */
async function supersedeStale(tx: Tx, userId: number, now: number): Promise<string[]> {
  const stale = await tx
    .selectFrom('order_attempt')
    .select('order_sn')
    .where('user_id', '=', userId)
    .where('state', '=', 'open')
    .where('work_until', '<', now)
    .execute();
  return supersede(
    tx,
    stale.map((a) => a.order_sn),
    now,
  );
}

/**
 * Writes the open attempt and reserves the user's checked, unreserved cart rows for it, in one
 * transaction, first superseding the user's stale attempts (their rows and keys come free). Answers the
 * reserved rows in goods order; undefined when a live attempt holds the same key; NOT_FOUND when nothing
 * is checked.
 */
export async function claimAttempt(ctx: OrderSrvContext, claim: AttemptClaim): Promise<Selectable<ShoppingCartTable>[] | undefined> {
  try {
    return await inTransaction(ctx.db, async (tx) => {
      const now = ctx.now();
      const superseded = await supersedeStale(tx, claim.userId, now);
      if (superseded.length > 0) ctx.logger.info({ superseded, by: claim.orderSn }, 'stale order attempts superseded by a new checkout');
      await tx
        .insertInto('order_attempt')
        .values({
          order_sn: claim.orderSn,
          user_id: claim.userId,
          idempotency_key: claim.key ?? null,
          request_hash: claim.requestHash,
          state: 'open',
          work_until: claim.workUntil,
          recover_at: now + ctx.attemptRecoverMs,
          lease_until: null,
          created_at: now,
        })
        .execute();
      await tx
        .updateTable('shopping_cart')
        .set({ attempt_sn: claim.orderSn })
        .where('user_id', '=', claim.userId)
        .where('checked', '=', 1)
        .where('attempt_sn', 'is', null)
        .execute();
      // Read in the same transaction: what was reserved is exactly what this attempt prices and sells.
      const reserved = await tx
        .selectFrom('shopping_cart')
        .selectAll()
        .where('attempt_sn', '=', claim.orderSn)
        .orderBy('goods_id')
        .execute();
      if (reserved.length === 0) throw new RpcError(grpc.status.NOT_FOUND, NOTHING_CHECKED);
      return reserved;
    });
  } catch (err) {
    if (claim.key !== undefined && isUniqueViolation(err)) return undefined;
    throw err;
  }
}

/** The request hash of the attempt that holds this key now, if one does. */
export async function attemptHoldingKey(ctx: OrderSrvContext, userId: number, key: string): Promise<string | undefined> {
  const row = await ctx.db
    .selectFrom('order_attempt')
    .select('request_hash')
    .where('user_id', '=', userId)
    .where('idempotency_key', '=', key)
    .executeTakeFirst();
  return row?.request_hash;
}

/**
 * Inside the order's transaction: the attempt becomes the order. It must still be open (else the
 * relay took it over and this order must not exist), and exactly the reserved rows that were priced
 * and sold leave the cart (if one changed meanwhile, this order is void).
 */
export async function consumeAttempt(
  tx: Transaction<OrderSchema>,
  orderSn: string,
  bought: readonly { cartId: number; nums: number }[],
): Promise<void> {
  const consumed = await tx.deleteFrom('order_attempt').where('order_sn', '=', orderSn).where('state', '=', 'open').executeTakeFirst();
  if (Number(consumed.numDeletedRows) !== 1) throw new RpcError(grpc.status.ABORTED, '下单超时，请重试');
  for (const line of bought) {
    const removed = await tx
      .deleteFrom('shopping_cart')
      .where('id', '=', line.cartId)
      .where('attempt_sn', '=', orderSn)
      .where('nums', '=', line.nums)
      .executeTakeFirst();
    if (Number(removed.numDeletedRows) !== 1) throw new RpcError(grpc.status.ABORTED, '购物车已变化，请重试');
  }
}

/**
 * Deletes an attempt in `state` and releases its cart rows (they stay in the cart), in one transaction.
 * `state` guards against ending one that someone else now owns.
 */
async function endAttempt(db: Kysely<OrderSchema>, orderSn: string, state: OrderAttemptTable['state']): Promise<void> {
  await inTransaction(db, async (tx) => {
    const ended = await tx.deleteFrom('order_attempt').where('order_sn', '=', orderSn).where('state', '=', state).executeTakeFirst();
    if (Number(ended.numDeletedRows) === 1) {
      await tx.updateTable('shopping_cart').set({ attempt_sn: null }).where('attempt_sn', '=', orderSn).execute();
    }
  });
}

/**
 * Its request ends an attempt that will not become an order. While the attempt row exists no order
 * was committed for it (the two change together), so giving stock back first is safe. If the stock
 * cannot be given back now (inventory down or slow), the attempt is superseded: the cart and the key
 * are free at once and the relay gives the stock back later. If even that fails (the store is away),
 * the attempt stays open until its deadline makes it stale.
 */
export async function abandonAttempt(ctx: OrderSrvContext, orderSn: string, stockMayHaveMoved: boolean, requestId?: string): Promise<void> {
  try {
    const attempt = await ctx.db.selectFrom('order_attempt').select('state').where('order_sn', '=', orderSn).executeTakeFirst();
    if (attempt?.state !== 'open') return; // committed, superseded, or the relay has it
    if (stockMayHaveMoved) {
      try {
        await ctx.inventory.Reback({ orderSn, goodsInfo: [] }, ownCall(ctx, requestId));
      } catch (err) {
        await inTransaction(ctx.db, (tx) => supersede(tx, [orderSn], ctx.now()));
        ctx.logger.warn(
          { err, orderSn, requestId },
          'could not give the stock back now; the attempt is left to the relay and the cart is free',
        );
        return;
      }
    }
    await endAttempt(ctx.db, orderSn, 'open');
  } catch (err) {
    ctx.logger.warn(
      { err, orderSn, requestId },
      'could not end the order attempt now; it is superseded once stale, and the relay gives its stock back',
    );
  }
}

/**
 * At start: the open attempts of this instance's previous life, which died with it, are superseded
 * at once rather than when their deadlines pass. An instance is known by the node part of its order
 * numbers (ORDER_SN_NODE); without one, the srv runs alone by configuration and every open attempt is
 * its own.
 */
export async function supersedeOrphans(db: Kysely<OrderSchema>, now: number, node: number | undefined): Promise<string[]> {
  return inTransaction(db, async (tx) => {
    const open = await tx.selectFrom('order_attempt').select('order_sn').where('state', '=', 'open').execute();
    const mine = open.map((a) => a.order_sn).filter((sn) => node === undefined || orderSnNode(sn) === node);
    return supersede(tx, mine, now);
  });
}

export interface RecoveryPass {
  recovered: number;
  failed: number;
}

/**
 * The relay's part: attempts still open past their recover_at were abandoned by a request that died or
 * gave up. Each is claimed by a compare-and-set on its lease, marked `recovering` for good, its stock
 * given back by orderSn (which also refuses a Sell that arrives later), then ended.
 */
export async function recoverDueAttempts(
  ctx: OrderSrvContext,
  options: { batch: number; leaseMs: number; retryInMs: number },
): Promise<RecoveryPass> {
  const { db, logger } = ctx;
  const pass: RecoveryPass = { recovered: 0, failed: 0 };
  const now = ctx.now();
  const due = await db
    .selectFrom('order_attempt')
    .select('order_sn')
    .where('recover_at', '<=', now)
    .where(leaseFree(now))
    .orderBy('recover_at')
    .limit(options.batch)
    .execute();
  for (const { order_sn: orderSn } of due) {
    const claimed = await db
      .updateTable('order_attempt')
      .set({ state: 'recovering', lease_until: now + options.leaseMs })
      .where('order_sn', '=', orderSn)
      .where('recover_at', '<=', now)
      .where(leaseFree(now))
      .executeTakeFirst();
    if (Number(claimed.numUpdatedRows) !== 1) continue;
    ctx.faults('attempt-recovering');
    try {
      await ctx.inventory.Reback({ orderSn, goodsInfo: [] }, ownCall(ctx));
      await endAttempt(db, orderSn, 'recovering');
      pass.recovered += 1;
      logger.info({ orderSn }, 'abandoned order attempt: stock given back');
    } catch (err) {
      pass.failed += 1;
      await db
        .updateTable('order_attempt')
        .set({ lease_until: null, recover_at: ctx.now() + options.retryInMs })
        .where('order_sn', '=', orderSn)
        .execute();
      logger.warn({ err, orderSn }, 'attempt recovery failed; will retry');
    }
  }
  return pass;
}
