// The order RPCs: create (idempotency.ts around place-order.ts), list, detail, status changes
// (transitions.ts) and reconciliation (expiry.ts). Business rules live in those modules; this file
// checks requests and answers.
import * as grpc from '@grpc/grpc-js';
import { isOrderStatus, TRADE_CLOSED, WAIT_BUYER_PAY } from '../../../global/order-status';
import { IDEMPOTENCY_KEY_PATTERN, PAYMENT_OUTCOME_KEY, REPLAYED_KEY } from '../../../global/wire';
import type { OrderDefinition } from '../../../proto/types/proto/Order';
import type { OrderRequest__Output } from '../../../proto/types/proto/OrderRequest';
import { type AsyncHandlers, RpcError } from '../grpc-server';
import { invalid, requirePositive, requireText, requireUserFilter } from './checks';
import type { OrderSrvContext } from './context';
import { reconcileUnpaid } from './expiry';
import { placeOrderOnce } from './idempotency';
import { toOrderInfo, toOrderItem } from './mappers';
import type { OrderForm } from './place-order';
import type { Relay } from './relay';
import { closeOrder, ORDER_NOT_FOUND, payOrder, refusedMove } from './transitions';

export const MAX_PAGE_SIZE = 100;
const DEFAULT_PAGE_SIZE = 10;

type OrderRpcs = 'CreateOrder' | 'OrderList' | 'OrderDetail' | 'UpdateOrderStatus' | 'ReconcileOrders';

function orderForm(request: OrderRequest__Output): OrderForm {
  requirePositive(request.userId, 'userId');
  return {
    userId: request.userId,
    address: requireText(request.address, 'address'),
    name: requireText(request.name, 'name'),
    mobile: requireText(request.mobile, 'mobile'),
    post: requireText(request.post, 'post'),
  };
}

/** "59.80" → 5980; undefined for anything that is not a plain amount with at most 2 decimals. */
export function parseAmount(text: string): number | undefined {
  const m = /^(\d{1,10})(?:\.(\d{1,2}))?$/.exec(text.trim());
  if (!m) return undefined;
  return Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
}

export function orderService(ctx: OrderSrvContext, relay: Pick<Relay, 'deliverSoon'>): Pick<AsyncHandlers<OrderDefinition>, OrderRpcs> {
  const { db } = ctx;
  /** Delivers a closed order's stock return now (relay) or publishes it (broker); what fails stays in the outbox. */
  const returnStock = (orderSn: string) => relay.deliverSoon('stock.reback', orderSn);

  return {
    async CreateOrder(request, rpc) {
      const form = orderForm(request);
      const key = rpc.idempotencyKey;
      if (key !== undefined && !IDEMPOTENCY_KEY_PATTERN.test(key)) throw invalid('Idempotency-Key 必须是1到128个可见字符');
      const { order, replayed } = await placeOrderOnce(ctx, form, key, rpc);
      if (replayed) rpc.setResponseMetadata(REPLAYED_KEY, 'true');
      return toOrderInfo(order);
    },

    async OrderList(request) {
      requireUserFilter(request.userId);
      const size = Math.min(Math.max(request.pagePerNums || DEFAULT_PAGE_SIZE, 1), MAX_PAGE_SIZE);
      const page = Math.max(request.pages || 1, 1);
      let query = db.selectFrom('order_info');
      if (request.userId > 0) query = query.where('user_id', '=', request.userId);
      const [count, rows] = await Promise.all([
        query.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
        query
          .selectAll()
          .orderBy('id', 'desc')
          .limit(size)
          .offset((page - 1) * size)
          .execute(),
      ]);
      return { total: Number(count.n), data: rows.map(toOrderInfo) };
    },

    async OrderDetail(request) {
      requireUserFilter(request.userId);
      // By id, or (id 0) by order number, as the payment return page and `npm run pay` look orders up.
      let query = db.selectFrom('order_info').selectAll();
      if (request.id === 0 && request.orderSn) query = query.where('order_sn', '=', request.orderSn);
      else {
        requirePositive(request.id, 'id');
        query = query.where('id', '=', request.id);
      }
      // userId 0 reads any order (admin); otherwise someone else's order is simply not found.
      if (request.userId > 0) query = query.where('user_id', '=', request.userId);
      const row = await query.executeTakeFirst();
      if (!row) throw new RpcError(grpc.status.NOT_FOUND, ORDER_NOT_FOUND);
      const goods = await db.selectFrom('order_goods').selectAll().where('order_id', '=', row.id).orderBy('id').execute();
      return { orderInfo: toOrderInfo(row), data: goods.map(toOrderItem) };
    },

    async UpdateOrderStatus(request, rpc) {
      const orderSn = requireText(request.orderSn, 'orderSn');
      const to = request.status;
      if (!isOrderStatus(to) || to === WAIT_BUYER_PAY) throw invalid(`未知的订单状态: ${to}`);
      if (to === TRADE_CLOSED) {
        // The same close as the timeout's; a repeated close is harmless, a paid order stays paid. Alipay's
        // TRADE_CLOSED notify names the trade it closed; a cancel (the buyer's, an admin's) names none.
        const cause = request.tradeNo.trim() ? 'alipay' : 'cancel';
        const { closed, status } = await closeOrder(ctx, orderSn, cause);
        // Safe in the outbox once the close commits: it goes out after the answer, so a cancel never waits on inventory.
        if (closed) void returnStock(orderSn);
        else if (status !== TRADE_CLOSED) throw refusedMove(status, TRADE_CLOSED);
        return {};
      }
      const amountCents = request.totalAmount ? parseAmount(request.totalAmount) : undefined;
      if (request.totalAmount && amountCents === undefined) throw invalid(`totalAmount 不是合法金额: ${request.totalAmount}`);
      const outcome = await payOrder(ctx, orderSn, {
        status: to,
        tradeNo: request.tradeNo.trim() || null,
        paidAt: request.payTime > 0 ? request.payTime : null,
        amountCents,
      });
      rpc.setResponseMetadata(PAYMENT_OUTCOME_KEY, outcome);
      return {};
    },

    async ReconcileOrders(request) {
      if (!Number.isInteger(request.olderThanSeconds) || request.olderThanSeconds < 0) throw invalid('olderThanSeconds 必须是非负整数');
      return reconcileUnpaid(ctx, request.olderThanSeconds * 1000, returnStock);
    },
  };
}
