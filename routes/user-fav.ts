// /up/v1/userfavs: the caller's favourites. Handlers: validated form + principal → srv calls → shape.
// The list is joined with goods names and prices in one BatchGetGoods call; adding checks the goods exists.
import { type Request, type Response, Router } from 'express';
import { IdParams, UserFavForm } from '../forms';
import { principalOf } from '../middlewares/auth';
import { callOf } from '../middlewares/call-context';
import { bodyOf, paramsOf, validate } from '../middlewares/validate';
import type { AppDeps } from '../src/deps';
import { DELETED, userFavView } from './shapes';

export function userFavRoutes({ srv }: AppDeps): Router {
  const router = Router();
  router.get('/', list);
  router.post('/', validate({ body: UserFavForm }), add);
  router.get('/:id', validate({ params: IdParams }), detail);
  router.delete('/:id', validate({ params: IdParams }), remove);
  return router;

  async function list(_req: Request, res: Response) {
    const favs = await srv.userop.GetFavList({ userId: principalOf(res).userId, goodsId: 0 }, callOf(res));
    if (favs.data.length === 0) return void res.json({ total: 0, data: [] });
    const goods = await srv.goods.BatchGetGoods({ id: favs.data.map((fav) => fav.goodsId) }, callOf(res));
    const byId = new Map(goods.data.map((g) => [g.id, g]));
    res.json({ total: favs.total, data: favs.data.map((fav) => userFavView(fav, byId.get(fav.goodsId))) });
  }

  async function add(_req: Request, res: Response) {
    const { goods } = bodyOf<UserFavForm>(res);
    // Only goods that exist can be favourites (the goods srv's NOT_FOUND is the 404).
    await srv.goods.GetGoodsDetail({ id: goods }, callOf(res));
    await srv.userop.AddUserFav({ userId: principalOf(res).userId, goodsId: goods }, callOf(res));
    res.json({});
  }

  async function detail(_req: Request, res: Response) {
    const { id } = paramsOf<IdParams>(res);
    await srv.userop.GetUserFavDetail({ userId: principalOf(res).userId, goodsId: id }, callOf(res));
    res.json({});
  }

  async function remove(_req: Request, res: Response) {
    const { id } = paramsOf<IdParams>(res);
    await srv.userop.DeleteUserFav({ userId: principalOf(res).userId, goodsId: id }, callOf(res));
    res.json(DELETED);
  }
}
