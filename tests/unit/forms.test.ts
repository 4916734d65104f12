// validate(form) + the forms, black-box over HTTP: a tiny app with the real middlewares and routes shaped like
// the contract's, whose handlers echo what they were given through the typed getters.
import { plainToInstance } from 'class-transformer';
import { validate as runValidators } from 'class-validator';
import express from 'express';
import request from 'supertest';
import { beforeEach, describe, expect, it } from 'vitest';
import { CreateOrderForm, GoodsIdParams, OrderIdParams, OrderListQuery, ShopCartItemForm, ShopCartItemUpdateForm } from '../../forms';
import { silentLogger } from '../../global/logger';
import { errorHandler, notFound } from '../../middlewares/error-handler';
import { requestId } from '../../middlewares/request-id';
import { bodyOf, compileFastCheck, paramsOf, queryOf, VALIDATOR_OPTIONS, validate } from '../../middlewares/validate';

const RID = 'forms-test-1';
let handlerCalls = 0;

function buildApp(jsonOptions: Parameters<typeof express.json>[0] = {}) {
  const app = express();
  app.use(requestId());
  app.use(express.json(jsonOptions));
  const echo =
    (...sources: ('body' | 'query' | 'params')[]): express.RequestHandler =>
    (_req, res) => {
      handlerCalls += 1;
      const out: Record<string, unknown> = {};
      if (sources.includes('body')) out.body = bodyOf(res);
      if (sources.includes('query')) out.query = queryOf(res);
      if (sources.includes('params')) out.params = paramsOf(res);
      res.json(out);
    };
  app.post('/shopcarts', validate({ body: ShopCartItemForm }), echo('body'));
  app.patch('/shopcarts/:goodsId', validate({ params: GoodsIdParams, body: ShopCartItemUpdateForm }), (_req, res) => {
    handlerCalls += 1;
    const body = bodyOf(res, ShopCartItemUpdateForm);
    // JSON drops undefined, so say explicitly whether `checked` stayed undefined.
    res.json({ params: paramsOf(res, GoodsIdParams), body, checkedIsUndefined: body.checked === undefined });
  });
  app.post('/orders', validate({ body: CreateOrderForm }), echo('body'));
  app.get('/orders', validate({ query: OrderListQuery }), echo('query'));
  app.get('/orders/:id', validate({ params: OrderIdParams }), echo('params'));
  app.use(notFound());
  app.use(errorHandler(silentLogger));
  return app;
}

const app = buildApp();

beforeEach(() => {
  handlerCalls = 0;
});

function invalid(error: Record<string, string>, msg = '参数错误') {
  return { msg, code: 'INVALID_ARGUMENT', requestId: RID, error };
}

async function post(path: string, body: unknown) {
  return request(app)
    .post(path)
    .set('X-Request-Id', RID)
    .send(body as object);
}

const VALID_ORDER = { address: '北京市海淀区中关村大街1号', name: '张三', mobile: '13800138000', post: '100080' };

describe('ShopCartItemForm (POST body)', () => {
  it.each([
    ['the smallest values', { goods: 1, nums: 1 }],
    ['the largest values', { goods: 2147483647, nums: 10000 }],
  ])('when the body has %s then the handler gets them as numbers', async (_case, body) => {
    const res = await post('/shopcarts', body);
    expect(res.status).toBe(200);
    expect(res.body).toStrictEqual({ body });
  });

  it('when the body has unknown keys then they are dropped before the handler', async () => {
    const res = await post('/shopcarts', { goods: 3, nums: 2, userId: 99, price: 0.01 });
    expect(res.status).toBe(200);
    expect(res.body).toStrictEqual({ body: { goods: 3, nums: 2 } });
  });

  it.each([
    ['goods is missing', { nums: 1 }, { goods: 'goods 为必填字段' }],
    ['goods is null', { goods: null, nums: 1 }, { goods: 'goods 为必填字段' }],
    ['goods is a numeric string', { goods: '3', nums: 1 }, { goods: 'goods 必须是不小于1的整数' }],
    ['goods is a float', { goods: 3.5, nums: 1 }, { goods: 'goods 必须是不小于1的整数' }],
    ['goods is a boolean', { goods: true, nums: 1 }, { goods: 'goods 必须是不小于1的整数' }],
    ['goods is an object', { goods: { id: 1 }, nums: 1 }, { goods: 'goods 必须是不小于1的整数' }],
    ['goods is an array', { goods: [1], nums: 1 }, { goods: 'goods 必须是不小于1的整数' }],
    ['goods is zero', { goods: 0, nums: 1 }, { goods: 'goods 必须是不小于1的整数' }],
    ['goods is negative', { goods: -1, nums: 1 }, { goods: 'goods 必须是不小于1的整数' }],
    ['goods exceeds int32', { goods: 2147483648, nums: 1 }, { goods: 'goods 必须是不小于1的整数' }],
    ['nums is missing', { goods: 1 }, { nums: 'nums 为必填字段' }],
    ['nums is a numeric string', { goods: 1, nums: '3' }, { nums: 'nums 必须是1到10000之间的整数' }],
    ['nums is a float', { goods: 1, nums: 3.5 }, { nums: 'nums 必须是1到10000之间的整数' }],
    ['nums is a boolean', { goods: 1, nums: true }, { nums: 'nums 必须是1到10000之间的整数' }],
    ['nums is zero', { goods: 1, nums: 0 }, { nums: 'nums 必须是1到10000之间的整数' }],
    ['nums is negative', { goods: 1, nums: -2 }, { nums: 'nums 必须是1到10000之间的整数' }],
    ['nums is over the maximum', { goods: 1, nums: 10001 }, { nums: 'nums 必须是1到10000之间的整数' }],
    ['both fields are wrong', { goods: 'x', nums: 0 }, { goods: 'goods 必须是不小于1的整数', nums: 'nums 必须是1到10000之间的整数' }],
  ])('when %s then 400 names the field and the handler never runs', async (_case, body, error) => {
    const res = await post('/shopcarts', body);
    expect(res.status).toBe(400);
    expect(res.body).toStrictEqual(invalid(error));
    expect(handlerCalls).toBe(0);
  });

  it('when the body tries to set __proto__ then the form is unaffected and the keys still validate', async () => {
    const res = await request(app)
      .post('/shopcarts')
      .set('Content-Type', 'application/json')
      .send('{"__proto__":{"goods":5},"constructor":{"prototype":{"x":1}},"nums":1}');
    expect(res.status).toBe(400);
    expect(res.body.error).toStrictEqual({ goods: 'goods 为必填字段' });
    expect(({} as Record<string, unknown>).goods).toBeUndefined();
  });
});

describe('non-object bodies', () => {
  const lenient = buildApp({ strict: false });
  const bothRequired = { goods: 'goods 为必填字段', nums: 'nums 为必填字段' };

  it('when there is no body at all then every required field is reported', async () => {
    const res = await request(app).post('/shopcarts').set('X-Request-Id', RID);
    expect(res.status).toBe(400);
    expect(res.body).toStrictEqual(invalid(bothRequired));
  });

  it('when the body is not JSON (text/plain) then every required field is reported', async () => {
    const res = await request(app).post('/shopcarts').set('X-Request-Id', RID).type('text/plain').send('goods=1');
    expect(res.status).toBe(400);
    expect(res.body).toStrictEqual(invalid(bothRequired));
  });

  it.each([
    ['an array', '[{"goods":1,"nums":1}]'],
    ['a string', '"goods"'],
    ['a number', '5'],
    ['null', 'null'],
  ])('when the JSON body is %s then every required field is reported', async (_case, raw) => {
    const res = await request(lenient).post('/shopcarts').set('X-Request-Id', RID).type('json').send(raw);
    expect(res.status).toBe(400);
    expect(res.body).toStrictEqual(invalid(bothRequired));
  });

  it('when every order field is missing then all four are reported together', async () => {
    const res = await post('/orders', {});
    expect(res.status).toBe(400);
    expect(res.body).toStrictEqual(
      invalid({
        address: 'address 为必填字段',
        name: 'name 为必填字段',
        mobile: 'mobile 为必填字段',
        post: 'post 为必填字段',
      }),
    );
  });
});

describe('ShopCartItemUpdateForm + GoodsIdParams (PATCH)', () => {
  it('when checked is absent then it stays undefined', async () => {
    const res = await request(app).patch('/shopcarts/7').send({ nums: 2 });
    expect(res.status).toBe(200);
    expect(res.body).toStrictEqual({ params: { goodsId: 7 }, body: { nums: 2 }, checkedIsUndefined: true });
  });

  it.each([true, false])('when checked is %s then the handler gets that boolean', async (checked) => {
    const res = await request(app).patch('/shopcarts/7').send({ nums: 2, checked });
    expect(res.status).toBe(200);
    expect(res.body).toStrictEqual({ params: { goodsId: 7 }, body: { nums: 2, checked }, checkedIsUndefined: false });
  });

  it.each([
    ['the string "true"', 'true'],
    ['the number 1', 1],
    ['null', null],
  ])('when checked is %s then 400 checked 必须是布尔值', async (_case, checked) => {
    const res = await request(app).patch('/shopcarts/7').set('X-Request-Id', RID).send({ nums: 2, checked });
    expect(res.status).toBe(400);
    expect(res.body).toStrictEqual(invalid({ checked: 'checked 必须是布尔值' }));
  });

  it.each([
    ['missing', {}, 'nums 为必填字段'],
    ['a numeric string', { nums: '2' }, 'nums 必须是1到10000之间的整数'],
    ['zero', { nums: 0 }, 'nums 必须是1到10000之间的整数'],
  ])('when nums is %s then 400 names nums', async (_case, body, message) => {
    const res = await request(app).patch('/shopcarts/7').set('X-Request-Id', RID).send(body);
    expect(res.status).toBe(400);
    expect(res.body).toStrictEqual(invalid({ nums: message }));
  });

  it('when only the goodsId is malformed then the msg is url格式出错', async () => {
    const res = await request(app).patch('/shopcarts/abc').set('X-Request-Id', RID).send({ nums: 1 });
    expect(res.status).toBe(400);
    expect(res.body).toStrictEqual(invalid({ goodsId: 'goodsId 必须是不小于1的整数' }, 'url格式出错'));
  });

  it('when the goodsId and the body are both wrong then both are reported under 参数错误', async () => {
    const res = await request(app).patch('/shopcarts/0').set('X-Request-Id', RID).send({ nums: 'x', checked: 'no' });
    expect(res.status).toBe(400);
    expect(res.body).toStrictEqual(
      invalid({
        goodsId: 'goodsId 必须是不小于1的整数',
        nums: 'nums 必须是1到10000之间的整数',
        checked: 'checked 必须是布尔值',
      }),
    );
    expect(handlerCalls).toBe(0);
  });
});

describe('CreateOrderForm (POST body)', () => {
  it('when all fields are valid then the handler gets them, trimmed', async () => {
    const res = await post('/orders', { ...VALID_ORDER, address: '  北京市  ', name: ' 张三 ' });
    expect(res.status).toBe(200);
    expect(res.body).toStrictEqual({ body: { ...VALID_ORDER, address: '北京市', name: '张三' } });
  });

  it('when fields are at their maximum length then they are accepted', async () => {
    const body = { ...VALID_ORDER, address: '址'.repeat(200), name: 'n'.repeat(40), post: 'p'.repeat(200) };
    const res = await post('/orders', body);
    expect(res.status).toBe(200);
    expect(res.body).toStrictEqual({ body });
  });

  it.each([
    ['address is missing', { address: undefined }, { address: 'address 为必填字段' }],
    ['address is a number', { address: 123 }, { address: 'address 必须是字符串' }],
    ['address is empty', { address: '' }, { address: 'address 不能为空' }],
    ['address is only whitespace', { address: ' \t\n ' }, { address: 'address 不能为空' }],
    ['address is too long', { address: 'a'.repeat(201) }, { address: 'address 长度不能超过200个字符' }],
    ['name is missing', { name: undefined }, { name: 'name 为必填字段' }],
    ['name is an array', { name: ['张三'] }, { name: 'name 必须是字符串' }],
    ['name is whitespace', { name: '   ' }, { name: 'name 不能为空' }],
    ['name is too long', { name: 'n'.repeat(41) }, { name: 'name 长度不能超过40个字符' }],
    ['post is missing', { post: undefined }, { post: 'post 为必填字段' }],
    ['post is a number', { post: 100080 }, { post: 'post 必须是字符串' }],
    ['post is empty', { post: '' }, { post: 'post 不能为空' }],
    ['mobile is missing', { mobile: undefined }, { mobile: 'mobile 为必填字段' }],
    ['mobile is a number', { mobile: 13800138000 }, { mobile: 'mobile 必须是字符串' }],
    ['mobile starts with 12', { mobile: '12800138000' }, { mobile: 'mobile 非法的手机号码' }],
    ['mobile has 10 digits', { mobile: '1380013800' }, { mobile: 'mobile 非法的手机号码' }],
    ['mobile has 12 digits', { mobile: '138001380001' }, { mobile: 'mobile 非法的手机号码' }],
    ['mobile has a leading space', { mobile: ' 13800138000' }, { mobile: 'mobile 非法的手机号码' }],
    ['mobile has a country code', { mobile: '+8613800138000' }, { mobile: 'mobile 非法的手机号码' }],
    ['mobile is empty', { mobile: '' }, { mobile: 'mobile 非法的手机号码' }],
    ['mobile and name are both wrong', { mobile: '123', name: '' }, { name: 'name 不能为空', mobile: 'mobile 非法的手机号码' }],
  ])('when %s then 400 names it', async (_case, change, error) => {
    const res = await post('/orders', { ...VALID_ORDER, ...change });
    expect(res.status).toBe(400);
    expect(res.body).toStrictEqual(invalid(error));
    expect(handlerCalls).toBe(0);
  });
});

describe('OrderListQuery (GET query)', () => {
  it.each([
    ['no query', '', { p: 1, pnum: 10 }],
    ['only p', '?p=3', { p: 3, pnum: 10 }],
    ['only pnum', '?pnum=100', { p: 1, pnum: 100 }],
    ['both', '?p=2&pnum=1', { p: 2, pnum: 1 }],
    ['leading zeros', '?p=007', { p: 7, pnum: 10 }],
    ['the int32 maximum page', '?p=2147483647', { p: 2147483647, pnum: 10 }],
    ['an unknown parameter', '?p=2&sort=desc', { p: 2, pnum: 10 }],
  ])('when the query has %s then the handler gets numbers with defaults', async (_case, qs, query) => {
    const res = await request(app).get(`/orders${qs}`);
    expect(res.status).toBe(200);
    expect(res.body).toStrictEqual({ query });
  });

  it.each([
    ['p is zero', '?p=0', { p: 'p 必须是不小于1的整数' }],
    ['p is negative', '?p=-1', { p: 'p 必须是不小于1的整数' }],
    ['p is a float', '?p=1.5', { p: 'p 必须是不小于1的整数' }],
    ['p is a word', '?p=abc', { p: 'p 必须是不小于1的整数' }],
    ['p uses an exponent', '?p=1e3', { p: 'p 必须是不小于1的整数' }],
    ['p is empty', '?p=', { p: 'p 必须是不小于1的整数' }],
    ['p has a space', '?p=%201', { p: 'p 必须是不小于1的整数' }],
    ['p is hexadecimal', '?p=0x10', { p: 'p 必须是不小于1的整数' }],
    ['p exceeds int32', '?p=2147483648', { p: 'p 必须是不小于1的整数' }],
    ['p is repeated', '?p=1&p=2', { p: 'p 必须是不小于1的整数' }],
    ['pnum is zero', '?pnum=0', { pnum: 'pnum 必须是1到100之间的整数' }],
    ['pnum is over 100', '?pnum=101', { pnum: 'pnum 必须是1到100之间的整数' }],
    ['both are wrong', '?p=x&pnum=1000', { p: 'p 必须是不小于1的整数', pnum: 'pnum 必须是1到100之间的整数' }],
  ])('when %s then 400 参数错误 names it', async (_case, qs, error) => {
    const res = await request(app).get(`/orders${qs}`).set('X-Request-Id', RID);
    expect(res.status).toBe(400);
    expect(res.body).toStrictEqual(invalid(error));
    expect(handlerCalls).toBe(0);
  });
});

describe('OrderIdParams (path)', () => {
  it('when the id is a positive integer then the handler gets a number', async () => {
    const res = await request(app).get('/orders/42');
    expect(res.status).toBe(200);
    expect(res.body).toStrictEqual({ params: { id: 42 } });
  });

  it.each([
    ['a word', 'abc'],
    ['zero', '0'],
    ['negative', '-3'],
    ['a float', '1.5'],
    ['an exponent', '1e3'],
    ['beyond int32', '2147483648'],
  ])('when the id is %s then 400 url格式出错', async (_case, id) => {
    const res = await request(app).get(`/orders/${id}`).set('X-Request-Id', RID);
    expect(res.status).toBe(400);
    expect(res.body).toStrictEqual(invalid({ id: 'id 必须是不小于1的整数' }, 'url格式出错'));
    expect(handlerCalls).toBe(0);
  });
});

describe('the compiled check (what validate() accepts without class-validator’s executor)', () => {
  const full = async (form: new () => object, input: Record<string, unknown>) => {
    const instance = plainToInstance(form, input);
    return { instance, errors: await runValidators(instance, VALIDATOR_OPTIONS) };
  };
  const cases: Array<{ form: new () => object; valid: Record<string, unknown>[]; invalid: Record<string, unknown>[] }> = [
    {
      form: OrderListQuery,
      valid: [{}, { p: '2' }, { p: '1', pnum: '100' }, { pnum: '7' }],
      invalid: [{ p: '0' }, { pnum: '101' }, { p: '1.5' }, { p: '-1' }, { p: '' }, { p: ['1', '2'] }, { p: '2147483648' }, { q: '1' }],
    },
    { form: OrderIdParams, valid: [{ id: '1' }, { id: '2147483647' }], invalid: [{}, { id: '0' }, { id: 'x' }, { id: ' 7' }] },
    { form: GoodsIdParams, valid: [{ goodsId: '3' }], invalid: [{ goodsId: '0x10' }] },
    {
      form: ShopCartItemForm,
      valid: [
        { goods: 1, nums: 1 },
        { goods: 2147483647, nums: 10000 },
      ],
      invalid: [{}, { goods: 1 }, { goods: '1', nums: 1 }, { goods: 1, nums: 10001 }, { goods: 1.5, nums: 1 }, { goods: 1, nums: 1, x: 1 }],
    },
    {
      form: ShopCartItemUpdateForm,
      valid: [{ nums: 2 }, { nums: 2, checked: false }],
      invalid: [{ nums: 2, checked: null }, { nums: 2, checked: 'true' }, { checked: true }],
    },
    {
      form: CreateOrderForm,
      valid: [VALID_ORDER, { ...VALID_ORDER, address: '  padded  ' }, { address_id: 3, post: 'x' }],
      invalid: [{ ...VALID_ORDER, mobile: '12345' }, { ...VALID_ORDER, address_id: 3 }, { post: 'x' }, { ...VALID_ORDER, address: '   ' }],
    },
  ];

  for (const { form, valid, invalid } of cases) {
    it(`${form.name}: accepts valid input as class-validator does, and leaves every invalid input to it`, async () => {
      const check = compileFastCheck(form);
      expect(check).toBeDefined();
      for (const input of valid) {
        const expected = await full(form, input);
        expect(expected.errors).toEqual([]);
        const accepted = check?.(input);
        expect(accepted).toBeInstanceOf(form);
        expect(accepted).toEqual(expected.instance);
      }
      for (const input of invalid) {
        const expected = await full(form, input);
        const accepted = check?.(input);
        // Unknown keys are valid but stripped by the full check; the compiled one leaves those to it as well.
        if (expected.errors.length > 0 || 'x' in input || 'q' in input) expect(accepted).toBeUndefined();
      }
    });
  }
});
