// /up/v1/address: the caller's delivery addresses. Admins (AuthorityId 2) list every user's; changing and
// deleting stay the owner's, and another user's address answers the same 404 as a missing one.
import { type Request, type Response, Router } from 'express';
import { AddressForm, IdParams } from '../forms';
import { ownerFilter, principalOf } from '../middlewares/auth';
import { callOf } from '../middlewares/call-context';
import { bodyOf, paramsOf, validate } from '../middlewares/validate';
import type { AppDeps } from '../src/deps';
import { addressView, DELETED } from './shapes';

/** The form's fields in the srv's names. */
function addressFields(form: AddressForm) {
  return {
    province: form.province,
    city: form.city,
    district: form.district,
    address: form.address,
    signerName: form.signer_name,
    signerMobile: form.signer_mobile,
  };
}

export function addressRoutes({ srv }: AppDeps): Router {
  const router = Router();
  router.get('/', list);
  router.post('/', validate({ body: AddressForm }), create);
  // The course SPA's own userop-web routes PATCH, most copies PUT: both replace the address.
  const updating = validate({ params: IdParams, body: AddressForm });
  router.put('/:id', updating, update);
  router.patch('/:id', updating, update);
  router.delete('/:id', validate({ params: IdParams }), remove);
  return router;

  async function list(_req: Request, res: Response) {
    const addresses = await srv.userop.GetAddressList({ userId: ownerFilter(principalOf(res)) }, callOf(res));
    res.json({ total: addresses.total, data: addresses.data.map(addressView) });
  }

  async function create(_req: Request, res: Response) {
    const form = bodyOf<AddressForm>(res);
    const created = await srv.userop.CreateAddress({ userId: principalOf(res).userId, ...addressFields(form) }, callOf(res));
    res.json({ id: created.id });
  }

  async function update(_req: Request, res: Response) {
    const { id } = paramsOf<IdParams>(res);
    const form = bodyOf<AddressForm>(res);
    await srv.userop.UpdateAddress({ id, userId: principalOf(res).userId, ...addressFields(form) }, callOf(res));
    res.json({});
  }

  async function remove(_req: Request, res: Response) {
    const { id } = paramsOf<IdParams>(res);
    await srv.userop.DeleteAddress({ id, userId: principalOf(res).userId }, callOf(res));
    res.json(DELETED);
  }
}
