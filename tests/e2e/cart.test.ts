// The cart over HTTP against the real gateway and real srvs (CONTRACT §2).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { roundYuan } from '../../global/money';
import { api } from '../helpers/http';
import { type Stack, startStack } from '../helpers/stack';

let stack: Stack;
let nextUser = 100;
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
const cartRows = async (user: number) => (await stack.srv.order.CartItemList({ id: user })).data;

async function goodsView(id: number) {
  const g = await stack.srv.goods.GetGoodsDetail({ id });
  return { name: g.name, image: g.goodsFrontImage, price: roundYuan(g.shopPrice) };
}

describe('GET /o/v1/shopcarts', () => {
  it('when the cart is empty then it answers total 0 and an empty data array', async () => {
    const res = await as(token).get('/o/v1/shopcarts');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json; charset=utf-8/);
    expect(res.body).toEqual({ total: 0, data: [] });
  });

  it('when goods were added then each item carries both spellings, the goods price and checked true', async () => {
    const added = await as(token).post('/o/v1/shopcarts').send({ goods: 3, nums: 2 });
    expect(added.status).toBe(200);
    const g = await goodsView(3);
    const res = await as(token).get('/o/v1/shopcarts');
    expect(res.body).toEqual({
      total: 1,
      data: [
        {
          id: 3,
          goods_id: 3,
          good_id: 3,
          goods_name: g.name,
          good_name: g.name,
          goods_image: g.image,
          good_image: g.image,
          goods_price: g.price,
          good_price: g.price,
          nums: 2,
          checked: true,
        },
      ],
    });
    expect(String(g.price)).toMatch(/^\d+(\.\d{1,2})?$/);
  });
});

describe('POST /o/v1/shopcarts', () => {
  it('when the goods is already in the cart then the quantity adds up in the same row and checked is kept', async () => {
    const first = await as(token).post('/o/v1/shopcarts').send({ goods: 5, nums: 1 });
    await as(token).patch('/o/v1/shopcarts/5').send({ nums: 1, checked: false }).expect(200);
    const second = await as(token).post('/o/v1/shopcarts').send({ goods: 5, nums: 4 });
    expect(second.status).toBe(200);
    expect(second.body).toEqual({ id: first.body.id });
    expect(await cartRows(userId)).toEqual([{ id: first.body.id, userId, goodsId: 5, nums: 5, checked: false }]);
  });

  it('when the cart quantity plus nums exceeds stock then 400 库存不足 and the cart is unchanged', async () => {
    await stack.srv.inventory.SetInv({ goodsId: 7, num: 5 });
    await as(token).post('/o/v1/shopcarts').send({ goods: 7, nums: 3 }).expect(200);
    const res = await as(token).post('/o/v1/shopcarts').send({ goods: 7, nums: 3 });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ nums: '库存不足', msg: '库存不足', code: 'INVALID_ARGUMENT', error: { nums: '库存不足' } });
    expect((await cartRows(userId)).map((r) => r.nums)).toEqual([3]);
    await as(token).post('/o/v1/shopcarts').send({ goods: 7, nums: 2 }).expect(200); // exactly up to stock is fine
  });

  it('when 50 adds of 5 race against a stock of 100 then the cart holds exactly 100 and every other add is 400 库存不足', async () => {
    await stack.srv.inventory.SetInv({ goodsId: 15, num: 100 });
    const answers = await Promise.all(Array.from({ length: 50 }, () => as(token).post('/o/v1/shopcarts').send({ goods: 15, nums: 5 })));
    expect(answers.filter((r) => r.status === 200)).toHaveLength(20);
    for (const r of answers.filter((a) => a.status !== 200)) expect(r.body).toMatchObject({ nums: '库存不足', code: 'INVALID_ARGUMENT' });
    expect(await cartRows(userId)).toMatchObject([{ goodsId: 15, nums: 100 }]);
  });

  it('when the goods does not exist then 404 and nothing is written', async () => {
    const res = await as(token).post('/o/v1/shopcarts').send({ goods: 99999, nums: 1 });
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ code: 'NOT_FOUND', msg: '记录不存在' });
    expect(await cartRows(userId)).toEqual([]);
  });

  it.each([
    ['goods missing', { nums: 1 }, ['goods']],
    ['nums missing', { goods: 1 }, ['nums']],
    ['both missing', {}, ['goods', 'nums']],
    ['goods as a string', { goods: '1', nums: 1 }, ['goods']],
    ['nums as a string', { goods: 1, nums: '2' }, ['nums']],
    ['nums fractional', { goods: 1, nums: 1.5 }, ['nums']],
    ['nums zero', { goods: 1, nums: 0 }, ['nums']],
    ['nums negative', { goods: 1, nums: -3 }, ['nums']],
    ['goods zero', { goods: 0, nums: 1 }, ['goods']],
    ['goods beyond int32', { goods: 2 ** 31, nums: 1 }, ['goods']],
    ['nums as a boolean', { goods: 1, nums: true }, ['nums']],
  ])('when %s then 400 names the field and nothing is written', async (_case, body, fields) => {
    const res = await as(token).post('/o/v1/shopcarts').send(body);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ msg: '参数错误', code: 'INVALID_ARGUMENT' });
    expect(Object.keys(res.body.error).sort()).toEqual(fields);
    expect(await cartRows(userId)).toEqual([]);
  });

  it('when the body is a JSON array then 400 and nothing is written', async () => {
    const res = await as(token)
      .post('/o/v1/shopcarts')
      .send([{ goods: 1, nums: 1 }]);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('INVALID_ARGUMENT');
    expect(await cartRows(userId)).toEqual([]);
  });
});

describe('PATCH /o/v1/shopcarts/:goodsId', () => {
  it('when the SPA changes each item by the id the list gave it then that very item changes, and no other', async () => {
    // Rows are numbered across all users, so a row's id is some other goods' id soon enough.
    for (const goods of [12, 4, 7, 1]) await as(token).post('/o/v1/shopcarts').send({ goods, nums: 1 }).expect(200);
    const items = (await as(token).get('/o/v1/shopcarts')).body.data as Array<{ id: number; goods_id: number; nums: number }>;
    expect(items.map((i) => i.id)).toEqual(items.map((i) => i.goods_id));
    for (const [n, item] of items.entries()) {
      const res = await as(token)
        .patch(`/o/v1/shopcarts/${item.id}`)
        .send({ nums: 2 + n });
      expect(res.body).toEqual({});
    }
    const after = (await as(token).get('/o/v1/shopcarts')).body.data as Array<{ goods_id: number; nums: number }>;
    expect(after.map((i) => [i.goods_id, i.nums])).toEqual(items.map((item, n) => [item.goods_id, 2 + n]));
  });

  it('when checked is absent then only nums changes and checked is kept', async () => {
    await as(token).post('/o/v1/shopcarts').send({ goods: 2, nums: 1 });
    await as(token).patch('/o/v1/shopcarts/2').send({ nums: 1, checked: false }).expect(200);
    const res = await as(token).patch('/o/v1/shopcarts/2').send({ nums: 6 });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({});
    expect(await cartRows(userId)).toMatchObject([{ goodsId: 2, nums: 6, checked: false }]);
  });

  it('when PATCH asks for more than is in stock then 400 库存不足 and the row is unchanged', async () => {
    await stack.srv.inventory.SetInv({ goodsId: 16, num: 50 });
    await as(token).post('/o/v1/shopcarts').send({ goods: 16, nums: 2 }).expect(200);
    const res = await as(token).patch('/o/v1/shopcarts/16').send({ nums: 10_000 });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ nums: '库存不足', msg: '库存不足', code: 'INVALID_ARGUMENT', error: { nums: '库存不足' } });
    expect(await cartRows(userId)).toMatchObject([{ goodsId: 16, nums: 2 }]);
    await as(token).patch('/o/v1/shopcarts/16').send({ nums: 50 }).expect(200); // exactly the stock is fine
  });

  it('when a PATCH without checked races a PATCH that unchecks then the uncheck is never undone', async () => {
    await as(token).post('/o/v1/shopcarts').send({ goods: 17, nums: 1 }).expect(200);
    for (let trial = 0; trial < 40; trial++) {
      await as(token).patch('/o/v1/shopcarts/17').send({ nums: 1, checked: true }).expect(200);
      await Promise.all([
        as(token).patch('/o/v1/shopcarts/17').send({ nums: 2 }).expect(200),
        as(token).patch('/o/v1/shopcarts/17').send({ nums: 1, checked: false }).expect(200),
      ]);
      expect((await cartRows(userId))[0]?.checked, `trial ${trial}`).toBe(false);
    }
  });

  it('when checked is given then it is written', async () => {
    await as(token).post('/o/v1/shopcarts').send({ goods: 2, nums: 1 });
    await as(token).patch('/o/v1/shopcarts/2').send({ nums: 1, checked: false }).expect(200);
    expect(await cartRows(userId)).toMatchObject([{ checked: false }]);
    await as(token).patch('/o/v1/shopcarts/2').send({ nums: 1, checked: true }).expect(200);
    expect(await cartRows(userId)).toMatchObject([{ checked: true }]);
  });

  it('when the goods is not in the cart then 404 购物车记录不存在, with or without checked', async () => {
    for (const body of [{ nums: 1 }, { nums: 1, checked: true }]) {
      const res = await as(token).patch('/o/v1/shopcarts/4').send(body);
      expect(res.status).toBe(404);
      expect(res.body).toMatchObject({ msg: '购物车记录不存在', code: 'NOT_FOUND' });
    }
  });

  it('when the body is invalid then 400 and the row is unchanged', async () => {
    await as(token).post('/o/v1/shopcarts').send({ goods: 2, nums: 3 });
    for (const body of [{}, { nums: 0 }, { nums: 2, checked: 'yes' }, { nums: '2' }]) {
      const res = await as(token).patch('/o/v1/shopcarts/2').send(body);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('INVALID_ARGUMENT');
    }
    expect(await cartRows(userId)).toMatchObject([{ nums: 3, checked: true }]);
  });

  it('when the goods id is not an integer then 400 url格式出错', async () => {
    const res = await as(token).patch('/o/v1/shopcarts/abc').send({ nums: 1 });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ msg: 'url格式出错', code: 'INVALID_ARGUMENT' });
  });
});

describe('DELETE /o/v1/shopcarts/:goodsId', () => {
  it('when the goods is in the cart then it is removed', async () => {
    await as(token).post('/o/v1/shopcarts').send({ goods: 8, nums: 1 });
    await as(token).post('/o/v1/shopcarts').send({ goods: 9, nums: 1 });
    const res = await as(token).delete('/o/v1/shopcarts/8');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({});
    expect((await cartRows(userId)).map((r) => r.goodsId)).toEqual([9]);
  });

  it('when it is not in the cart then 404', async () => {
    const res = await as(token).delete('/o/v1/shopcarts/8');
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ msg: '购物车记录不存在', code: 'NOT_FOUND' });
  });

  it('when the id is not an integer then 400 url格式出错', async () => {
    for (const bad of ['1.5', 'x', '-1', '0']) {
      const res = await as(token).delete(`/o/v1/shopcarts/${bad}`);
      expect(res.status).toBe(400);
      expect(res.body.msg).toBe('url格式出错');
    }
  });
});

describe('another user', () => {
  it('when another user reads, updates or deletes then they see nothing and the owner’s row is untouched', async () => {
    await as(token).post('/o/v1/shopcarts').send({ goods: 11, nums: 2 });
    const other = stack.token(nextUser++);
    expect((await as(other).get('/o/v1/shopcarts')).body).toEqual({ total: 0, data: [] });
    expect((await as(other).patch('/o/v1/shopcarts/11').send({ nums: 9, checked: false })).status).toBe(404);
    expect((await as(other).delete('/o/v1/shopcarts/11')).status).toBe(404);
    expect(await cartRows(userId)).toMatchObject([{ goodsId: 11, nums: 2, checked: true }]);
  });
});
