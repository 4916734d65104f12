// /o/v1/shopcarts: the caller's cart. Handlers: validated form + principal → srv calls → shape.
import * as grpc from '@grpc/grpc-js';
import { type Request, type Response, Router } from 'express';
import { GoodsIdParams, ShopCartItemForm, ShopCartItemUpdateForm } from '../forms';
import { AppError } from '../global/errors';
import { SrvCallError } from '../global/srv-conn';
import { principalOf } from '../middlewares/auth';
import { callOf } from '../middlewares/call-context';
import { bodyOf, paramsOf, validate } from '../middlewares/validate';
import type { AppDeps } from '../src/deps';
import { cartItemView } from './shapes';

export function shopCartRoutes({ srv }: AppDeps): Router {
  const router = Router();
  router.get('/', list);
  router.post('/', validate({ body: ShopCartItemForm }), add);
  router.patch('/:goodsId', validate({ params: GoodsIdParams, body: ShopCartItemUpdateForm }), update);
  router.delete('/:goodsId', validate({ params: GoodsIdParams }), remove);
  return router;

  async function list(_req: Request, res: Response) {
    const call = callOf(res);
    const cart = await srv.order.CartItemList({ id: principalOf(res).userId }, call);
    if (cart.data.length === 0) return void res.json({ total: 0, data: [] });
    const goods = await srv.goods.BatchGetGoods({ id: cart.data.map((item) => item.goodsId) }, call);
    const byId = new Map(goods.data.map((g) => [g.id, g]));
    res.json({ total: cart.total, data: cart.data.map((item) => cartItemView(item, byId.get(item.goodsId))) });
  }

  async function add(_req: Request, res: Response) {
    const call = callOf(res);
    const { userId } = principalOf(res);
    const form = bodyOf<ShopCartItemForm>(res);
    // The goods must exist; what is already in the cart plus this must not exceed stock.
    const [, stock, cart] = await Promise.all([
      srv.goods.GetGoodsDetail({ id: form.goods }, call),
      srv.inventory.InvDetail({ goodsId: form.goods }, call).then(
        (inv) => inv.num,
        (err: unknown) => {
          if (err instanceof SrvCallError && err.code === grpc.status.NOT_FOUND) return 0; // no stock record: nothing to sell
          throw err;
        },
      ),
      srv.order.CartItemList({ id: userId }, call),
    ]);
    const inCart = cart.data.find((item) => item.goodsId === form.goods)?.nums ?? 0;
    if (inCart + form.nums > stock) {
      throw new AppError('INVALID_ARGUMENT', '库存不足', { fields: { nums: '库存不足' }, legacy: { nums: '库存不足' } });
    }
    const row = await srv.order.CreateCartItem({ userId, goodsId: form.goods, nums: form.nums, checked: true }, call);
    res.json({ id: row.id });
  }

  async function update(_req: Request, res: Response) {
    const call = callOf(res);
    const { userId } = principalOf(res);
    const { goodsId } = paramsOf<GoodsIdParams>(res);
    const form = bodyOf<ShopCartItemUpdateForm>(res);
    // An absent `checked` keeps the row's state. The wire's bool cannot say "absent", so read it
    // first; this also works in front of the course's srvs, which always write `checked`.
    let checked = form.checked;
    if (checked === undefined) {
      const cart = await srv.order.CartItemList({ id: userId }, call);
      const row = cart.data.find((item) => item.goodsId === goodsId);
      if (!row) throw new AppError('NOT_FOUND', '购物车记录不存在');
      checked = row.checked;
    }
    await srv.order.UpdateCartItem({ userId, goodsId, nums: form.nums, checked }, call);
    res.json({});
  }

  async function remove(_req: Request, res: Response) {
    const { goodsId } = paramsOf<GoodsIdParams>(res);
    await srv.order.DeleteCartItem({ userId: principalOf(res).userId, goodsId }, callOf(res));
    res.json({});
  }
}
