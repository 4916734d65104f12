// /o/v1/shopcarts: the caller's cart. Handlers: validated form + principal → srv calls → shape.
//
// Our order srv enforces the cart's rules itself, atomically (the goods exists, a row never holds more
// than its stock, PATCH without `checked` keeps it) and says so in every answer (srv-features). In front
// of the course's srv, which enforces none of them, the gateway checks them by reading first: a fallback
// that cannot be atomic, used only while the srv has not said it keeps the rules.
import * as grpc from '@grpc/grpc-js';
import { type Request, type Response, Router } from 'express';
import { GoodsIdParams, ShopCartItemForm, ShopCartItemUpdateForm } from '../forms';
import { AppError, cartOverStock } from '../global/errors';
import { type CallContext, SrvCallError } from '../global/srv-conn';
import { Feature } from '../global/wire';
import { principalOf } from '../middlewares/auth';
import { callOf } from '../middlewares/call-context';
import { bodyOf, paramsOf, validate } from '../middlewares/validate';
import type { AppDeps } from '../src/deps';
import { cartItemView } from './shapes';

export function shopCartRoutes({ srv }: AppDeps): Router {
  /** Whether the order srv's last answer said it keeps the cart's rules itself. */
  const srvKeepsRules = () => srv.features('order').has(Feature.StockCap) && srv.features('order').has(Feature.KeepChecked);
  const router = Router();
  router.get('/', list);
  router.post('/', validate({ body: ShopCartItemForm }), add);
  router.patch('/:goodsId', validate({ params: GoodsIdParams, body: ShopCartItemUpdateForm }), update);
  router.delete('/:goodsId', validate({ params: GoodsIdParams }), remove);
  return router;

  async function list(_req: Request, res: Response) {
    const cart = await srv.order.CartItemList({ id: principalOf(res).userId }, callOf(res));
    if (cart.data.length === 0) return void res.json({ total: 0, data: [] });
    const goods = await srv.goods.BatchGetGoods({ id: cart.data.map((item) => item.goodsId) }, callOf(res));
    const byId = new Map(goods.data.map((g) => [g.id, g]));
    res.json({ total: cart.total, data: cart.data.map((item) => cartItemView(item, byId.get(item.goodsId))) });
  }

  /** Fallback only: the goods' stock, 0 when it has no stock record. */
  function stockOf(goodsId: number, call: CallContext): Promise<number> {
    return srv.inventory.InvDetail({ goodsId }, call).then(
      (inv) => inv.num,
      (err: unknown) => {
        if (err instanceof SrvCallError && err.code === grpc.status.NOT_FOUND) return 0;
        throw err;
      },
    );
  }

  async function add(_req: Request, res: Response) {
    const { userId } = principalOf(res);
    const form = bodyOf<ShopCartItemForm>(res);
    if (!srvKeepsRules()) {
      // The goods must exist; what is already in the cart plus this must not exceed stock.
      const call = callOf(res);
      const [, stock, cart] = await Promise.all([
        srv.goods.GetGoodsDetail({ id: form.goods }, call),
        stockOf(form.goods, call),
        srv.order.CartItemList({ id: userId }, call),
      ]);
      const inCart = cart.data.find((item) => item.goodsId === form.goods)?.nums ?? 0;
      if (inCart + form.nums > stock) throw cartOverStock();
    }
    const row = await srv.order.CreateCartItem({ userId, goodsId: form.goods, nums: form.nums, checked: true }, callOf(res));
    res.json({ id: row.id });
  }

  async function update(_req: Request, res: Response) {
    const { userId } = principalOf(res);
    const { goodsId } = paramsOf<GoodsIdParams>(res);
    const form = bodyOf<ShopCartItemUpdateForm>(res);
    // An absent `checked` keeps the row's state: keepChecked tells our srv so; the course's srv ignores
    // it and writes `checked`, so for it the current value is read and sent back.
    let checked = form.checked ?? false;
    if (!srvKeepsRules()) {
      const call = callOf(res);
      const [cart, stock] = await Promise.all([srv.order.CartItemList({ id: userId }, call), stockOf(goodsId, call)]);
      const row = cart.data.find((item) => item.goodsId === goodsId);
      if (!row) throw new AppError('NOT_FOUND', '购物车记录不存在');
      if (form.nums > stock) throw cartOverStock();
      checked = form.checked ?? row.checked;
    }
    await srv.order.UpdateCartItem({ userId, goodsId, nums: form.nums, checked, keepChecked: form.checked === undefined }, callOf(res));
    res.json({});
  }

  async function remove(_req: Request, res: Response) {
    const { goodsId } = paramsOf<GoodsIdParams>(res);
    await srv.order.DeleteCartItem({ userId: principalOf(res).userId, goodsId }, callOf(res));
    res.json({});
  }
}
