// Order inputs (CONTRACT §2 Routes: /o/v1/orders).
import { IntParam, MobileField, TextField } from './rules';

/** POST /o/v1/orders. Prices and goods come from the cart and the goods srv, never from here. */
export class CreateOrderForm {
  @TextField(1, 200)
  address!: string;

  @TextField(1, 40)
  name!: string;

  @MobileField()
  mobile!: string;

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
