// /o/v1/orders: list, detail, create, cancel. Admins (AuthorityId 2) read every order; anyone
// else only their own, and "not yours" answers the same 404 as "missing". An order is delivered to the
// address, name and mobile given, or to one of the caller's saved addresses (address_id, the userop srv).
import * as grpc from '@grpc/grpc-js';
import { type Request, type Response, Router } from 'express';
import { CreateOrderForm, ORDER_ADDRESS_MAX, ORDER_NAME_MAX, OrderIdParams, OrderListQuery } from '../forms';
import { AppError } from '../global/errors';
import { yuanToCents } from '../global/money';
import { isPaid, TRADE_CLOSED } from '../global/order-status';
import { type CallContext, SrvCallError } from '../global/srv-conn';
import { IDEMPOTENCY_KEY_PATTERN, REPLAYED_KEY, UseropMessage } from '../global/wire';
import { ownerFilter, principalOf } from '../middlewares/auth';
import { callOf } from '../middlewares/call-context';
import { bodyOf, paramsOf, queryOf, validate } from '../middlewares/validate';
import type { OrderInfoResponse__Output } from '../proto/types/proto/OrderInfoResponse';
import { payWindow } from '../src/alipay/page-pay';
import type { AppDeps } from '../src/deps';
import { orderDetailView, orderView } from './shapes';

const IDEMPOTENCY_KEY_HEADER = 'Idempotency-Key';
const PAID_CANNOT_CANCEL = '订单已支付，不能取消';

export function orderRoutes({ srv, alipay, pay, logger, now }: AppDeps): Router {
  const router = Router();
  router.get('/', validate({ query: OrderListQuery }), list);
  router.post('/', validate({ body: CreateOrderForm }), create);
  router.get('/:id', validate({ params: OrderIdParams }), detail);
  router.delete('/:id', validate({ params: OrderIdParams }), cancel);
  return router;

  /** The page-pay URL of an order, or null when payWindow says there is nothing to pay. */
  function payUrl(order: OrderInfoResponse__Output): string | null {
    const at = now();
    const window = payWindow(order, { marginMs: pay.expireMarginMs, now: at });
    if (!window.payable) return null;
    return alipay.pagePayUrl({ orderSn: order.orderSn, totalCents: yuanToCents(order.total), expiresAt: window.expiresAt }, at);
  }

  async function list(_req: Request, res: Response) {
    const { p, pnum } = queryOf<OrderListQuery>(res);
    const orders = await srv.order.OrderList({ userId: ownerFilter(principalOf(res)), pages: p, pagePerNums: pnum }, callOf(res));
    res.json({ total: orders.total, data: orders.data.map(orderView) });
  }

  async function create(req: Request, res: Response) {
    const form = bodyOf<CreateOrderForm>(res);
    const idempotencyKey = req.get(IDEMPOTENCY_KEY_HEADER);
    if (idempotencyKey !== undefined && !IDEMPOTENCY_KEY_PATTERN.test(idempotencyKey)) {
      const msg = 'Idempotency-Key 必须是1到128个可见字符';
      throw new AppError('INVALID_ARGUMENT', msg, { fields: { [IDEMPOTENCY_KEY_HEADER]: msg } });
    }
    const { userId } = principalOf(res);
    const deliverTo = form.address_id === undefined ? form : await savedAddress(userId, form.address_id, callOf(res));
    // The key is scoped to the user by the srv; a replay is flagged in the response metadata.
    const order = await srv.order.CreateOrder(
      { userId, address: deliverTo.address, name: deliverTo.name, mobile: deliverTo.mobile, post: form.post },
      {
        ...callOf(res),
        ...(idempotencyKey !== undefined ? { idempotencyKey } : {}),
        onResponseMetadata: (md) => {
          if (md.get(REPLAYED_KEY)[0] === 'true') res.set('Idempotent-Replayed', 'true');
        },
      },
    );
    const alipayUrl = payUrl(order);
    if (alipayUrl === null) {
      // A new order with no time left to pay: the margin is not below the order srv's timeout.
      logger.warn({ orderSn: order.orderSn, expireAt: order.expireAt }, 'ALIPAY_EXPIRE_MARGIN_SECONDS leaves a new order no time to pay');
    }
    res.json({ id: order.id, order_sn: order.orderSn, alipay_url: alipayUrl });
  }

  /** The caller's own saved address as an order's address, name and mobile; anyone else's is as missing. */
  async function savedAddress(userId: number, addressId: number, call: CallContext) {
    // The id narrows the list on our srv; the course's srv ignores it and answers all the user's addresses.
    const list = await srv.userop.GetAddressList({ userId, id: addressId }, call);
    const saved = list.data.find((a) => a.id === addressId && a.userId === userId);
    if (!saved) throw new AppError('NOT_FOUND', UseropMessage.AddressNotFound);
    const address = `${saved.province}${saved.city}${saved.district}${saved.address}`;
    // A saved address may have longer parts than an order keeps; such an address is refused, never cut.
    if (address.length > ORDER_ADDRESS_MAX || saved.signerName.length > ORDER_NAME_MAX) {
      const msg = `address_id 的收货地址过长：地址不能超过${ORDER_ADDRESS_MAX}个字符，签收人不能超过${ORDER_NAME_MAX}个字符`;
      throw new AppError('INVALID_ARGUMENT', msg, { fields: { address_id: msg } });
    }
    return { address, name: saved.signerName, mobile: saved.signerMobile };
  }

  async function detail(_req: Request, res: Response) {
    const { id } = paramsOf<OrderIdParams>(res);
    const found = await srv.order.OrderDetail({ id, userId: ownerFilter(principalOf(res)) }, callOf(res));
    res.json(orderDetailView(found, found.orderInfo ? payUrl(found.orderInfo) : null));
  }

  async function cancel(_req: Request, res: Response) {
    const { id } = paramsOf<OrderIdParams>(res);
    const call = callOf(res);
    // Only the owner cancels; an admin reading all orders does not cancel other people's.
    const found = await srv.order.OrderDetail({ id, userId: principalOf(res).userId }, call);
    const info = found.orderInfo;
    if (!info) throw new AppError('NOT_FOUND', '订单记录不存在');
    // Our order srv refuses to close a paid order itself (FAILED_PRECONDITION below); the course's
    // would close it, so a paid order is refused here first.
    if (isPaid(info.status)) throw new AppError('CONFLICT', PAID_CANNOT_CANCEL);
    if (info.status === TRADE_CLOSED) return void res.json({}); // already closed: a second cancel is harmless
    try {
      // The srv closes with a compare-and-set and gives the stock back exactly once.
      await srv.order.UpdateOrderStatus({ orderSn: info.orderSn, status: TRADE_CLOSED, payTime: 0 }, call);
    } catch (err) {
      // A payment landed between our read and the close: the payment wins.
      if (err instanceof SrvCallError && err.code === grpc.status.FAILED_PRECONDITION) {
        throw new AppError('CONFLICT', PAID_CANNOT_CANCEL, { cause: err });
      }
      throw err;
    }
    res.json({});
  }
}
