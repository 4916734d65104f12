// Order inputs (CONTRACT §2 Routes: /o/v1/orders).
import { IntParam, MobileField, OptionalIntField, TextField, UnlessGiven } from './rules';

/** The longest address and name an order keeps (an address from the address book is checked against these too). */
export const ORDER_ADDRESS_MAX = 200;
export const ORDER_NAME_MAX = 40;

/**
 * POST /o/v1/orders. Prices and goods come from the cart and the goods srv, never from here. Where to deliver
 * is given either as address, name and mobile, or as `address_id`, one of the caller's saved addresses
 * (CONTRACT §6), never both.
 */
export class CreateOrderForm {
  @OptionalIntField(1)
  address_id?: number;

  @UnlessGiven('address_id', TextField(1, ORDER_ADDRESS_MAX))
  address?: string;

  @UnlessGiven('address_id', TextField(1, ORDER_NAME_MAX))
  name?: string;

  @UnlessGiven('address_id', MobileField())
  mobile?: string;

  @TextField(1, 200)
  post!: string;
}

export const MAX_PAGE_SIZE = 100;

/** GET /o/v1/orders?p=&pnum=. Paging is bounded so one request cannot ask for every order (CONTRACT §4.7). */
export class OrderListQuery {
  @IntParam(1)
  p: number = 1;

  @IntParam(1, MAX_PAGE_SIZE)
  pnum: number = 10;
}

/** :id in /o/v1/orders/:id */
export class OrderIdParams {
  @IntParam(1)
  id!: number;
}
