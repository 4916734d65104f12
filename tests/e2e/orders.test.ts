// Orders over HTTP against the real gateway and real srvs: create, list, detail, cancel (CONTRACT §2, §3).
import jwt from 'jsonwebtoken';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseChinaTime } from '../../global/china-time';
import { roundYuan, yuanToCents } from '../../global/money';
import { api, verifyPagePayUrl } from '../helpers/http';
import { type Stack, startStack, TEST_JWT_KEY, testKeys } from '../helpers/stack';

let stack: Stack;
let nextUser = 1000;
let userId: number;
let token: string;

beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.stop();
});
beforeEach(() => {
  userId = nextUser++;
  token = stack.token(userId);
});

const as = (t?: string) => api(stack.app, t);
const address = { address: '北京市朝阳区望京SOHO T1', name: '张三', mobile: '13800138000', post: '请尽快发货' };
const stockOf = async (goodsId: number) => (await stack.srv.inventory.InvDetail({ goodsId })).num;
const cartOf = async (user: number) => (await stack.srv.order.CartItemList({ id: user })).data;
const orderCount = async () => (await stack.srv.order.OrderList({ userId: 0, pages: 1, pagePerNums: 1 })).total;

async function addToCart(t: string, goods: number, nums: number) {
  await as(t).post('/o/v1/shopcarts').send({ goods, nums }).expect(200);
}

async function createOrder(t: string, body: object = address) {
  return as(t).post('/o/v1/orders').send(body);
}

describe('POST /o/v1/orders', () => {
  it('when checked items are ordered then stock moves by exactly those units, the cart keeps the unchecked and the order holds a snapshot', async () => {
    await stack.srv.inventory.SetInv({ goodsId: 1, num: 50 });
    await stack.srv.inventory.SetInv({ goodsId: 2, num: 50 });
    await stack.srv.inventory.SetInv({ goodsId: 3, num: 50 });
    await addToCart(token, 1, 2);
    await addToCart(token, 2, 3);
    await addToCart(token, 3, 1);
    await as(token).patch('/o/v1/shopcarts/3').send({ nums: 1, checked: false }).expect(200);

    const res = await createOrder(token);
    expect(res.status).toBe(200);
    expect(Object.keys(res.body).sort()).toEqual(['alipay_url', 'id', 'order_sn']);
    expect(res.body.order_sn).toMatch(/^\d{24}$/);

    expect([await stockOf(1), await stockOf(2), await stockOf(3)]).toEqual([48, 47, 50]);
    expect((await cartOf(userId)).map((r) => r.goodsId)).toEqual([3]);

    const [g1, g2] = await Promise.all([stack.srv.goods.GetGoodsDetail({ id: 1 }), stack.srv.goods.GetGoodsDetail({ id: 2 })]);
    const totalCents = yuanToCents(g1.shopPrice) * 2 + yuanToCents(g2.shopPrice) * 3;
    const detail = await as(token).get(`/o/v1/orders/${res.body.id}`);
    expect(detail.status).toBe(200);
    expect(detail.body).toEqual({
      id: res.body.id,
      status: 'paying',
      pay_type: 'alipay',
      user: userId,
      post: address.post,
      total: totalCents / 100,
      address: address.address,
      name: address.name,
      mobile: address.mobile,
      order_sn: res.body.order_sn,
      add_time: expect.stringMatching(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/),
      goods: [
        { id: 1, name: g1.name, image: g1.goodsFrontImage, price: roundYuan(g1.shopPrice), nums: 2 },
        { id: 2, name: g2.name, image: g2.goodsFrontImage, price: roundYuan(g2.shopPrice), nums: 3 },
      ],
      alipay_url: expect.any(String),
    });
  });

  it('when an order is created then alipay_url is a signed page-pay URL for out_trade_no = order_sn and the total', async () => {
    await addToCart(token, 4, 3);
    const g = await stack.srv.goods.GetGoodsDetail({ id: 4 });
    const res = await createOrder(token);
    const url = new URL(res.body.alipay_url);
    expect(`${url.origin}${url.pathname}`).toBe('http://127.0.0.1:9/gateway.do');
    const q = Object.fromEntries(url.searchParams.entries());
    expect(q).toMatchObject({
      method: 'alipay.trade.page.pay',
      app_id: '2021000000000001',
      sign_type: 'RSA2',
      charset: 'utf-8',
      notify_url: 'http://127.0.0.1:8023/o/v1/pay/alipay/notify',
      return_url: 'http://127.0.0.1:8080/pay/return',
    });
    expect(JSON.parse(q.biz_content ?? '{}')).toEqual({
      out_trade_no: res.body.order_sn,
      product_code: 'FAST_INSTANT_TRADE_PAY',
      total_amount: ((yuanToCents(g.shopPrice) * 3) / 100).toFixed(2),
      subject: `慕学生鲜订单-${res.body.order_sn}`,
      // Alipay stops taking money a minute (the default margin) before the 30-minute close here.
      time_expire: expect.stringMatching(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/),
    });
    const expiresAt = parseChinaTime(JSON.parse(q.biz_content ?? '{}').time_expire) ?? 0;
    expect(Math.abs(expiresAt - (Date.now() + 1800_000 - 60_000))).toBeLessThan(10_000);
    expect(verifyPagePayUrl(res.body.alipay_url, testKeys().app.publicKey)).toBe(true);
    // Alipay reads the timestamp as China time, whatever zone we run in.
    expect(Math.abs((parseChinaTime(q.timestamp) ?? 0) - Date.now())).toBeLessThan(60_000);
  });

  it('when the goods price changes later then the order keeps the price it was bought at', async () => {
    await addToCart(token, 6, 1);
    const before = await stack.srv.goods.GetGoodsDetail({ id: 6 });
    const { body } = await createOrder(token);
    await stack.query('goods', 'UPDATE goods SET shop_price_cents = shop_price_cents + 1000 WHERE id = 6');
    const after = await stack.srv.goods.GetGoodsDetail({ id: 6 });
    expect(roundYuan(after.shopPrice)).toBe(roundYuan(before.shopPrice) + 10);
    const detail = await as(token).get(`/o/v1/orders/${body.id}`);
    expect(detail.body.goods[0].price).toBe(roundYuan(before.shopPrice));
    expect(detail.body.total).toBe(roundYuan(before.shopPrice));
  });

  it('when nothing in the cart is checked then 404 没有选中结算的商品 and nothing changes', async () => {
    await addToCart(token, 5, 1);
    await as(token).patch('/o/v1/shopcarts/5').send({ nums: 1, checked: false }).expect(200);
    const orders = await orderCount();
    const res = await createOrder(token);
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ msg: '没有选中结算的商品', code: 'NOT_FOUND' });
    expect(await orderCount()).toBe(orders);
  });

  it('when stock ran out after the cart add then 409 库存不足 and stock, cart and orders are unchanged', async () => {
    await stack.srv.inventory.SetInv({ goodsId: 12, num: 10 });
    await stack.srv.inventory.SetInv({ goodsId: 13, num: 10 });
    await addToCart(token, 12, 2);
    await addToCart(token, 13, 5);
    await stack.srv.inventory.SetInv({ goodsId: 13, num: 4 });
    const orders = await orderCount();
    const res = await createOrder(token);
    expect(res.status).toBe(409);
    expect(res.body).toEqual({ msg: '库存不足', code: 'OUT_OF_STOCK', requestId: expect.any(String) });
    expect([await stockOf(12), await stockOf(13)]).toEqual([10, 4]);
    expect((await cartOf(userId)).map((r) => [r.goodsId, r.nums])).toEqual([
      [12, 2],
      [13, 5],
    ]);
    expect(await orderCount()).toBe(orders);
  });

  it.each([
    ['a bad mobile', { ...address, mobile: '12345' }, ['mobile']],
    ['a mobile starting 12', { ...address, mobile: '12800138000' }, ['mobile']],
    ['a mobile with 12 digits', { ...address, mobile: '138001380001' }, ['mobile']],
    ['no address', { name: '张三', mobile: '13800138000', post: 'x' }, ['address']],
    ['an empty name', { ...address, name: '' }, ['name']],
    ['a whitespace post', { ...address, post: '   ' }, ['post']],
    ['a numeric mobile', { ...address, mobile: 13800138000 }, ['mobile']],
    ['everything missing', {}, ['address', 'mobile', 'name', 'post']],
  ])('when the form has %s then 400 names the fields and no order, stock or cart changes', async (_case, body, fields) => {
    await addToCart(token, 14, 1);
    const stock = await stockOf(14);
    const orders = await orderCount();
    const res = await createOrder(token, body);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ msg: '参数错误', code: 'INVALID_ARGUMENT' });
    expect(Object.keys(res.body.error).sort()).toEqual(fields);
    if (fields.includes('mobile') && typeof (body as { mobile?: unknown }).mobile === 'string')
      expect(res.body.error.mobile).toBe('mobile 非法的手机号码');
    expect(await stockOf(14)).toBe(stock);
    expect(await orderCount()).toBe(orders);
    expect((await cartOf(userId)).map((r) => r.goodsId)).toEqual([14]);
  });
});

describe('GET /o/v1/orders', () => {
  it('when a user has orders then they list newest first with bounded paging', async () => {
    const ids: number[] = [];
    for (let i = 0; i < 3; i++) {
      await addToCart(token, 15, 1);
      ids.push((await createOrder(token)).body.id);
    }
    const all = await as(token).get('/o/v1/orders');
    expect(all.status).toBe(200);
    expect(all.body.total).toBe(3);
    expect(all.body.data.map((o: { id: number }) => o.id)).toEqual([...ids].reverse());
    expect(Object.keys(all.body.data[0]).sort()).toEqual(
      ['add_time', 'address', 'id', 'mobile', 'name', 'order_sn', 'pay_type', 'post', 'status', 'total', 'user'].sort(),
    );
    const page2 = await as(token).get('/o/v1/orders?p=2&pnum=2');
    expect(page2.body).toMatchObject({ total: 3, data: [{ id: ids[0] }] });
  });

  it.each(['p=0', 'pnum=0', 'pnum=101', 'p=abc', 'p=1.5', 'pnum=-1'])('when the query has %s then 400', async (query) => {
    const res = await as(token).get(`/o/v1/orders?${query}`);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('INVALID_ARGUMENT');
  });

  it('when the user has no orders then total 0 and an empty data array', async () => {
    expect((await as(token).get('/o/v1/orders')).body).toEqual({ total: 0, data: [] });
  });
});

describe('the status every answer shows', () => {
  it.each(['paying', 'WAIT_BUYER_PAY', ''])(
    'when the srv stored an unpaid order as %j then the list and the detail read paying, with an alipay_url, and it can be cancelled',
    async (stored) => {
      await addToCart(token, 6, 1);
      const { body } = await as(token).post('/o/v1/orders').send(address).expect(200);
      await stack.query('order', 'UPDATE order_info SET status = ? WHERE id = ?', [stored, body.id]);
      expect((await as(token).get('/o/v1/orders')).body.data).toMatchObject([{ id: body.id, status: 'paying' }]);
      const detail = (await as(token).get(`/o/v1/orders/${body.id}`)).body;
      expect(detail).toMatchObject({ status: 'paying', alipay_url: expect.stringContaining('alipay.trade.page.pay') });
      await as(token).delete(`/o/v1/orders/${body.id}`).expect(200);
      expect((await as(token).get(`/o/v1/orders/${body.id}`)).body).toMatchObject({ status: 'TRADE_CLOSED', alipay_url: null });
    },
  );
});

describe('who sees which order', () => {
  it('when another user asks for an order then 404, the same as a missing one', async () => {
    await addToCart(token, 16, 1);
    const { body } = await createOrder(token);
    const other = stack.token(nextUser++);
    const theirs = await as(other).get(`/o/v1/orders/${body.id}`);
    const missing = await as(other).get('/o/v1/orders/987654');
    expect(theirs.status).toBe(404);
    expect(missing.status).toBe(404);
    expect(theirs.body).toEqual({ ...missing.body, requestId: theirs.body.requestId });
    expect(theirs.body.msg).toBe('订单记录不存在');
    expect((await as(other).delete(`/o/v1/orders/${body.id}`)).status).toBe(404);
  });

  it('when an admin (AuthorityId 2) lists and reads then every user’s orders are visible; AuthorityId 3 sees only its own', async () => {
    await addToCart(token, 17, 1);
    const { body } = await createOrder(token);
    const admin = stack.token(nextUser++, { admin: true });
    const list = await as(admin).get('/o/v1/orders?pnum=100');
    expect(list.body.total).toBe(await orderCount());
    expect(list.body.data.map((o: { id: number }) => o.id)).toContain(body.id);
    const detail = await as(admin).get(`/o/v1/orders/${body.id}`);
    expect(detail.status).toBe(200);
    expect(detail.body.user).toBe(userId);

    const three = jwt.sign({ ID: nextUser++, NickName: 'x', AuthorityId: 3 }, TEST_JWT_KEY, { expiresIn: 600 });
    expect((await as(three).get('/o/v1/orders')).body).toEqual({ total: 0, data: [] });
    expect((await as(three).get(`/o/v1/orders/${body.id}`)).status).toBe(404);
  });

  it('when the id is not an integer then 400 url格式出错', async () => {
    const res = await as(token).get('/o/v1/orders/12abc');
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ msg: 'url格式出错', code: 'INVALID_ARGUMENT' });
  });
});

describe('DELETE /o/v1/orders/:id', () => {
  it('when the owner cancels an unpaid order then it closes, the stock returns once and alipay_url is gone', async () => {
    await stack.srv.inventory.SetInv({ goodsId: 18, num: 20 });
    await addToCart(token, 18, 4);
    const { body } = await createOrder(token);
    expect(await stockOf(18)).toBe(16);
    const res = await as(token).delete(`/o/v1/orders/${body.id}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({});
    await stack.tick(); // the stock return goes out after the answer; a relay pass runs after it
    expect(await stockOf(18)).toBe(20);
    const detail = await as(token).get(`/o/v1/orders/${body.id}`);
    expect(detail.body).toMatchObject({ status: 'TRADE_CLOSED', alipay_url: null });
    const again = await as(token).delete(`/o/v1/orders/${body.id}`);
    expect(again.status).toBe(200);
    expect(await stockOf(18)).toBe(20);
  });

  it('when the order is paid then 409 and nothing changes', async () => {
    await stack.srv.inventory.SetInv({ goodsId: 19, num: 20 });
    await addToCart(token, 19, 1);
    const { body } = await createOrder(token);
    await stack.srv.order.UpdateOrderStatus({ orderSn: body.order_sn, status: 'TRADE_SUCCESS', payTime: 1_700_000_000 });
    const res = await as(token).delete(`/o/v1/orders/${body.id}`);
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('CONFLICT');
    expect(await stockOf(19)).toBe(19);
    expect((await as(token).get(`/o/v1/orders/${body.id}`)).body).toMatchObject({ status: 'TRADE_SUCCESS', alipay_url: null });
  });
});
