// /o/v1/admin: operations for AuthorityId 2 only.
import { type Request, type Response, Router } from 'express';
import { ReconcileQuery } from '../forms';
import { callOf } from '../middlewares/call-context';
import { queryOf, validate } from '../middlewares/validate';
import type { AppDeps } from '../src/deps';

export function adminRoutes({ srv }: AppDeps): Router {
  const router = Router();
  router.post('/reconcile', validate({ query: ReconcileQuery }), reconcile);
  return router;

  /** Asks Alipay about every unpaid order at least this old: paid → settled, expired → closed. */
  async function reconcile(_req: Request, res: Response) {
    const { older_than_seconds } = queryOf<ReconcileQuery>(res);
    // Each order is a round trip to Alipay: give the whole pass far longer than one call.
    const deadline = new Date(Date.now() + 120_000);
    res.json(await srv.order.ReconcileOrders({ olderThanSeconds: older_than_seconds }, { ...callOf(res), deadline }));
  }
}
