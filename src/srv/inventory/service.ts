// Inventory srv handlers: the consistency core (CONTRACT §1, DESIGN §4).
// Stock moves only through Sell/Reback keyed by orderSn, each in one local transaction together with
// the ledger row in inventory_sell, so a repeated Sell or Reback is a no-op, a Reback that arrives before
// its Sell leaves a tombstone that refuses the late Sell, and a decrement never takes stock below zero.
// No lock is ever held across a network call: nothing here calls out.
import * as grpc from '@grpc/grpc-js';
import type { Kysely, Transaction } from 'kysely';
import type { Logger } from '../../../global/logger';
import { ErrorReason } from '../../../global/wire';
import type { GoodsInvInfo__Output } from '../../../proto/types/GoodsInvInfo';
import type { InventoryDefinition } from '../../../proto/types/Inventory';
import { type Dialect, inTransaction, isUniqueViolation } from '../database';
import { type AsyncHandlers, RpcError } from '../grpc-server';
import { type InventorySchema, type InventorySellTable, ORDER_SN_MAX_LENGTH } from './schema';

const INT32_MAX = 2 ** 31 - 1;

/** One goods line of a sell: merged per goods, so each goods appears once. */
export interface SellItem {
  goodsId: number;
  num: number;
}

const isGoodsId = (id: number) => Number.isInteger(id) && id >= 1 && id <= INT32_MAX;

function invalid(message: string): RpcError {
  return new RpcError(grpc.status.INVALID_ARGUMENT, message);
}

function checkOrderSn(orderSn: string): string {
  if (orderSn.trim() === '') throw invalid('订单号不能为空');
  if (orderSn.length > ORDER_SN_MAX_LENGTH) throw invalid(`订单号不能超过${ORDER_SN_MAX_LENGTH}个字符`);
  return orderSn;
}

/** Validates a sell list and merges repeated goods; the result is sorted by goodsId (the lock order). */
export function normalizeSellItems(list: readonly GoodsInvInfo__Output[]): SellItem[] {
  if (list.length === 0) throw invalid('商品列表不能为空');
  const merged = new Map<number, number>();
  for (const { goodsId, num } of list) {
    if (!isGoodsId(goodsId)) throw invalid('商品id不合法');
    if (!Number.isInteger(num) || num < 1) throw invalid('商品数量必须大于0');
    merged.set(goodsId, (merged.get(goodsId) ?? 0) + num);
  }
  return [...merged].sort(([a], [b]) => a - b).map(([goodsId, num]) => ({ goodsId, num }));
}

/** The ledger's detail column back as items (normalized the same way as a request). */
function parseDetail(orderSn: string, detail: string): SellItem[] {
  const value: unknown = JSON.parse(detail);
  if (!Array.isArray(value)) throw new Error(`inventory_sell ${orderSn}: detail is not a list`);
  if (value.length === 0) return [];
  return normalizeSellItems(
    value.map((v: unknown) => {
      const item = v as Partial<SellItem> | null;
      return { goodsId: Number(item?.goodsId), num: Number(item?.num) };
    }),
  );
}

const sameItems = (a: SellItem[], b: SellItem[]) =>
  a.length === b.length && a.every((item, i) => item.goodsId === b[i]?.goodsId && item.num === b[i]?.num);

/** A concurrent Sell or Reback of the same orderSn inserted its ledger row first: run again, re-read, decide. */
const retryOnSameOrderSn = isUniqueViolation;

/** The ledger row a Sell collided with was not there when read: the colliding transaction rolled back. */
class SellRecordVanished extends Error {}

function findSellRecord(trx: Transaction<InventorySchema>, orderSn: string) {
  return trx.selectFrom('inventory_sell').selectAll().where('order_sn', '=', orderSn).executeTakeFirst();
}

export type GiveBackOutcome = 'tombstone' | 'already given back' | 'given back';

/**
 * Inside a transaction: gives back what orderSn took, once. The ledger is the truth, so no goods list is
 * needed. With no ledger row yet, leaves a tombstone so a Sell arriving late is refused.
 */
async function giveBack(trx: Transaction<InventorySchema>, orderSn: string, at: number): Promise<GiveBackOutcome> {
  const record = await findSellRecord(trx, orderSn);
  if (!record) {
    await trx
      .insertInto('inventory_sell')
      .values({ order_sn: orderSn, status: 'reback', detail: '[]', created_at: at, updated_at: at })
      .execute();
    return 'tombstone';
  }
  if (record.status === 'reback') return 'already given back';
  // Compare-and-set on the status: of two concurrent Rebacks only one moves the row, and only it gives back.
  const claimed = await trx
    .updateTable('inventory_sell')
    .set({ status: 'reback', updated_at: at })
    .where('order_sn', '=', orderSn)
    .where('status', '=', 'sold')
    .executeTakeFirst();
  if (claimed.numUpdatedRows === 0n) return 'already given back';
  for (const item of parseDetail(orderSn, record.detail)) {
    const added = await trx
      .updateTable('inventory')
      .set((eb) => ({ stocks: eb('stocks', '+', item.num), updated_at: at }))
      .where('goods_id', '=', item.goodsId)
      .executeTakeFirst();
    // Rows are never deleted, so this means the store was edited by hand; refuse rather than lose stock.
    if (added.numUpdatedRows === 0n) throw new Error(`no inventory row for goods ${item.goodsId} to give back`);
  }
  return 'given back';
}

/**
 * The broker's `stock.return` (CONTRACT §7): Reback's change with the message id recorded in the same
 * transaction, so a redelivered message changes nothing. Its caller acks only after this resolves.
 */
export async function applyStockReturn(
  deps: Pick<InventoryServiceDeps, 'db' | 'now'>,
  messageId: string,
  orderSn: string,
): Promise<GiveBackOutcome | 'already applied'> {
  checkOrderSn(orderSn);
  const now = deps.now ?? Date.now;
  return inTransaction(
    deps.db,
    async (trx) => {
      const seen = await trx
        .selectFrom('inventory_message')
        .select('message_id')
        .where('message_id', '=', messageId)
        .where('order_sn', '=', orderSn)
        .executeTakeFirst();
      if (seen) return 'already applied' as const;
      const at = now();
      await trx.insertInto('inventory_message').values({ message_id: messageId, order_sn: orderSn, created_at: at }).execute();
      return giveBack(trx, orderSn, at);
    },
    retryOnSameOrderSn,
  );
}

export interface InventoryServiceDeps {
  db: Kysely<InventorySchema>;
  dialect: Dialect;
  logger: Logger;
  /** Epoch milliseconds; injectable for tests. */
  now?: () => number;
}

export function createInventoryService(deps: InventoryServiceDeps): AsyncHandlers<InventoryDefinition> {
  const { db, dialect, logger } = deps;
  const now = deps.now ?? Date.now;

  /** A Sell for an orderSn the ledger already knows: a retry, a conflicting reuse, or too late. */
  function decideRepeatedSell(record: Pick<InventorySellTable, 'order_sn' | 'status' | 'detail'>, items: SellItem[]): void {
    if (record.status === 'reback') throw new RpcError(grpc.status.FAILED_PRECONDITION, '订单库存已归还');
    if (!sameItems(parseDetail(record.order_sn, record.detail), items)) {
      throw new RpcError(grpc.status.ALREADY_EXISTS, '订单号已扣减过其他商品库存');
    }
    // Same orderSn, same goods: the caller is retrying a Sell that already happened.
  }

  return {
    /** Sets the stock of one goods (not additive); creates the row when absent. */
    async SetInv(request) {
      if (!isGoodsId(request.goodsId)) throw invalid('商品id不合法');
      if (!Number.isInteger(request.num) || request.num < 0) throw invalid('库存数量不能为负数');
      const at = now();
      const row = { goods_id: request.goodsId, stocks: request.num, updated_at: at };
      const update = { stocks: request.num, updated_at: at };
      const insert = db.insertInto('inventory').values(row);
      await (dialect === 'mysql'
        ? insert.onDuplicateKeyUpdate(update)
        : insert.onConflict((oc) => oc.column('goods_id').doUpdateSet(update))
      ).execute();
      return {};
    },

    async InvDetail(request) {
      const row = isGoodsId(request.goodsId)
        ? await db.selectFrom('inventory').select(['goods_id', 'stocks']).where('goods_id', '=', request.goodsId).executeTakeFirst()
        : undefined;
      if (!row) throw new RpcError(grpc.status.NOT_FOUND, '没有库存记录');
      return { goodsId: row.goods_id, num: Number(row.stocks) };
    },

    /** Takes the whole list or nothing, once per orderSn. */
    async Sell(request) {
      const orderSn = checkOrderSn(request.orderSn);
      const items = normalizeSellItems(request.goodsInfo);
      const outcome = await inTransaction(
        db,
        async (trx) => {
          const at = now();
          // The ledger row first: its primary key is what tells a first Sell from a repeated one (or from a
          // Reback's tombstone), and what makes a concurrent duplicate wait for the first and then fail here.
          const first = await trx
            .insertInto('inventory_sell')
            .values({ order_sn: orderSn, status: 'sold', detail: JSON.stringify(items), created_at: at, updated_at: at })
            .execute()
            .then(
              () => true,
              (err: unknown) => {
                if (isUniqueViolation(err)) return false;
                throw err;
              },
            );
          if (!first) {
            const record = await findSellRecord(trx, orderSn);
            // Gone again (its transaction rolled back after all): run again from the start.
            if (!record) throw new SellRecordVanished();
            decideRepeatedSell(record, items);
            return 'repeated' as const;
          }
          // In goodsId order, so concurrent sells lock rows in the same order (no deadlock on MySQL).
          for (const item of items) {
            const taken = await trx
              .updateTable('inventory')
              .set((eb) => ({ stocks: eb('stocks', '-', item.num), updated_at: at }))
              .where('goods_id', '=', item.goodsId)
              .where('stocks', '>=', item.num)
              .executeTakeFirst();
            if (taken.numUpdatedRows > 0n) continue;
            const exists = await trx.selectFrom('inventory').select('goods_id').where('goods_id', '=', item.goodsId).executeTakeFirst();
            // Throwing rolls the whole transaction back: the ledger row and every earlier decrement.
            throw exists
              ? new RpcError(grpc.status.RESOURCE_EXHAUSTED, '库存不足', ErrorReason.OutOfStock)
              : new RpcError(grpc.status.NOT_FOUND, '没有库存记录');
          }
          return 'sold' as const;
        },
        (err) => retryOnSameOrderSn(err) || err instanceof SellRecordVanished,
      );
      logger.debug({ orderSn, items, outcome }, 'sell');
      return {};
    },

    /**
     * Gives back what orderSn took, once. The ledger is the truth, so the request's goods list is ignored.
     * With no ledger row yet, leaves a tombstone so a Sell arriving late is refused.
     */
    async Reback(request) {
      const orderSn = checkOrderSn(request.orderSn);
      const outcome = await inTransaction(db, (trx) => giveBack(trx, orderSn, now()), retryOnSameOrderSn);
      if (outcome === 'tombstone') logger.info({ orderSn }, 'reback before any sell: tombstone recorded');
      else logger.debug({ orderSn, outcome }, 'reback');
      return {};
    },
  };
}
