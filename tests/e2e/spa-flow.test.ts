// The course's Vue SPA against the gateway, replayed call by call as it sends them (x-token header,
// the cart's +, − and checkbox by item.id, delete by good_id, the order list's pay button for
// status "paying"), asserting what the SPA would display at each step. One story, in order.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { notifyFields, signAlipayNotify } from '../../src/alipay/notify-form';
import { api } from '../helpers/http';
import { type Stack, startStack, TEST_APP_ID, testKeys } from '../helpers/stack';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
  for (const goodsId of [3, 8, 11]) await stack.srv.inventory.SetInv({ goodsId, num: 50 });
});
afterAll(async () => {
  await stack?.stop();
});

interface CartItem {
  id: number;
  good_id: number;
  good_name: string;
  good_price: number;
  nums: number;
  checked: boolean;
}

interface Order {
  id: number;
  order_sn: string;
  status: string;
  total: number;
  alipay_url?: string | null;
}

describe('the course SPA, from cart to paid order', () => {
  const spa = () => api(stack.app, stack.token(77_001));
  /** What the SPA keeps of the cart page: the list it renders. */
  const cartPage = async () => (await spa().get('/o/v1/shopcarts').expect(200)).body.data as CartItem[];
  const ordersPage = async () => (await spa().get('/o/v1/orders').expect(200)).body.data as Order[];
  const byGoods = (items: CartItem[], goodsId: number) => items.find((i) => i.good_id === goodsId);
  let placed: Order;

  it('when the shopper opens an empty cart then the SPA renders no items', async () => {
    expect(await cartPage()).toEqual([]);
  });

  it('when the shopper adds three goods from their pages then the cart lists each, checked, with name and price', async () => {
    for (const [goods, nums] of [
      [3, 1],
      [8, 2],
      [11, 1],
    ]) {
      await spa().post('/o/v1/shopcarts').send({ goods, nums }).expect(200);
    }
    const items = await cartPage();
    expect(items.map((i) => [i.good_id, i.nums, i.checked])).toEqual([
      [3, 1, true],
      [8, 2, true],
      [11, 1, true],
    ]);
    for (const item of items) expect(item.good_name).not.toBe('');
  });

  it('when the shopper presses +, −, and unticks a box then PATCH /shopcarts/<item.id> changes exactly that item', async () => {
    let items = await cartPage();
    const first = items[0]!;
    await spa()
      .patch(`/o/v1/shopcarts/${first.id}`)
      .send({ nums: first.nums + 1 })
      .expect(200); // +
    const second = items[1]!;
    await spa()
      .patch(`/o/v1/shopcarts/${second.id}`)
      .send({ nums: second.nums - 1 })
      .expect(200); // −
    const third = items[2]!;
    await spa().patch(`/o/v1/shopcarts/${third.id}`).send({ nums: third.nums, checked: false }).expect(200); // the checkbox
    items = await cartPage();
    expect(items.map((i) => [i.good_id, i.nums, i.checked])).toEqual([
      [3, 2, true],
      [8, 1, true],
      [11, 1, false],
    ]);
  });

  it('when the shopper deletes an item then DELETE /shopcarts/<good_id> removes it', async () => {
    await spa().post('/o/v1/shopcarts').send({ goods: 5, nums: 1 }).expect(200);
    const item = byGoods(await cartPage(), 5)!;
    await spa().delete(`/o/v1/shopcarts/${item.good_id}`).expect(200);
    expect(byGoods(await cartPage(), 5)).toBeUndefined();
  });

  it('when the shopper checks out then the order is created with a pay URL, and the cart keeps only the unticked item', async () => {
    const res = await spa().post('/o/v1/orders').send({ address: '上海市浦东新区', name: '韩梅梅', mobile: '13900139000', post: '无' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      id: expect.any(Number),
      order_sn: expect.any(String),
      alipay_url: expect.stringContaining('alipay.trade.page.pay'),
    });
    placed = res.body;
    expect((await cartPage()).map((i) => i.good_id)).toEqual([11]);
  });

  it('when the shopper opens the order list then the new order reads paying, so the SPA shows 待支付 and its pay button', async () => {
    const [latest] = await ordersPage();
    expect(latest).toMatchObject({ id: placed.id, status: 'paying' });
  });

  it('when the shopper opens the order then the detail carries the goods and the pay URL the button opens', async () => {
    const detail = (await spa().get(`/o/v1/orders/${placed.id}`).expect(200)).body;
    expect(detail).toMatchObject({ status: 'paying', alipay_url: expect.stringContaining('alipay.trade.page.pay') });
    expect(detail.goods.map((g: { id: number; nums: number }) => [g.id, g.nums])).toEqual([
      [3, 2],
      [8, 1],
    ]);
  });

  it('when Alipay notifies the payment then the order list reads TRADE_SUCCESS and the pay button is gone', async () => {
    const detail = (await spa().get(`/o/v1/orders/${placed.id}`).expect(200)).body as Order;
    const form = signAlipayNotify(
      notifyFields({ orderSn: placed.order_sn, totalCents: Math.round(detail.total * 100), appId: TEST_APP_ID }),
      testKeys().alipay.privateKey,
    );
    const notify = await api(stack.app).post('/o/v1/pay/alipay/notify').type('form').send(form);
    expect(notify.text).toBe('success');
    expect((await ordersPage()).find((o) => o.id === placed.id)).toMatchObject({ status: 'TRADE_SUCCESS' });
    expect((await spa().get(`/o/v1/orders/${placed.id}`).expect(200)).body.alipay_url).toBeNull();
  });

  it('when the shopper orders the last item and cancels it unpaid then it reads TRADE_CLOSED and its stock is back', async () => {
    await spa().patch('/o/v1/shopcarts/11').send({ nums: 1, checked: true }).expect(200);
    const stock = (await stack.srv.inventory.InvDetail({ goodsId: 11 })).num;
    const second = (
      await spa().post('/o/v1/orders').send({ address: '上海市浦东新区', name: '韩梅梅', mobile: '13900139000', post: '无' }).expect(200)
    ).body as Order;
    expect((await ordersPage()).find((o) => o.id === second.id)).toMatchObject({ status: 'paying' });
    await spa().delete(`/o/v1/orders/${second.id}`).expect(200);
    await stack.tick(); // the stock return goes out after the answer, in the relay's order
    expect((await ordersPage()).find((o) => o.id === second.id)).toMatchObject({ status: 'TRADE_CLOSED' });
    expect((await stack.srv.inventory.InvDetail({ goodsId: 11 })).num).toBe(stock);
    expect((await ordersPage()).find((o) => o.id === placed.id)).toMatchObject({ status: 'TRADE_SUCCESS' });
  });
});
