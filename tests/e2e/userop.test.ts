// /up/v1 over HTTP against the real gateway and the real srvs: favourites, the address book, messages, and
// checkout from the address book. Each test uses its own users; the goods srv's calls are counted.
import request from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { api } from '../helpers/http';
import { buildGateway, type Gateway, type Stack, startStack } from '../helpers/stack';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy';

let stack: Stack;
/** Every goods RPC the srv received, in order (the faults seam, injecting nothing). */
const goodsCalls: string[] = [];
const extra: Array<{ close(): void | Promise<void> }> = [];

beforeAll(async () => {
  stack = await startStack({
    faults: {
      goods: (rpc) => {
        goodsCalls.push(rpc);
        return undefined;
      },
    },
  });
});
afterAll(async () => {
  for (const e of extra) await e.close();
  await stack?.stop();
});
beforeEach(() => {
  goodsCalls.length = 0;
});

const as = (userId: number, admin = false) => api(stack.app, stack.token(userId, { admin }));
const envelope = (msg: string, code: string, error?: Record<string, string>) => ({
  msg,
  code,
  requestId: expect.any(String),
  ...(error ? { error } : {}),
});
const answer = (res: request.Response) => ({ status: res.status, body: res.body as unknown });

const HOME = {
  province: '浙江省',
  city: '杭州市',
  district: '西湖区',
  address: '文三路 90 号',
  signer_name: '韩梅梅',
  signer_mobile: '13700137000',
};
const ADD_TIME = expect.stringMatching(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
const MESSAGE = { type: 2, subject: '配送太慢', message: '下单三天还没发货', file: 'https://static.mxshop.dev/upload/1.png' };

/** A gateway whose srv `name` is reached through a proxy the test controls. */
async function gatewayThrough(name: 'goods' | 'userop', deadlineMs = 2000): Promise<{ gateway: Gateway; proxy: TcpProxy }> {
  const proxy = await startTcpProxy(stack.targets[name]);
  const gateway = buildGateway({ ...stack.targets, [name]: proxy.address }, { GRPC_DEADLINE_MS: String(deadlineMs) });
  extra.push(proxy, gateway);
  return { gateway, proxy };
}

describe('favourites: /up/v1/userfavs', () => {
  it('when a user adds two goods then the list joins their names and prices with one BatchGetGoods call', async () => {
    const user = as(1001);
    expect(answer(await user.get('/up/v1/userfavs'))).toEqual({ status: 200, body: { total: 0, data: [] } });
    expect(answer(await user.post('/up/v1/userfavs').send({ goods: 2 }))).toEqual({ status: 200, body: {} });
    expect(answer(await user.post('/up/v1/userfavs').send({ goods: 16 }))).toEqual({ status: 200, body: {} });
    goodsCalls.length = 0;

    expect(answer(await user.get('/up/v1/userfavs'))).toEqual({
      status: 200,
      body: {
        total: 2,
        data: [
          { id: 2, name: '丹东99草莓 500g', shop_price: 45.9 },
          { id: 16, name: '有机西兰花 500g', shop_price: 9.9 },
        ],
      },
    });
    expect(goodsCalls).toEqual(['BatchGetGoods']);
  });

  it('when the list is empty then the goods srv is not asked and data is still an array', async () => {
    expect(answer(await as(1002).get('/up/v1/userfavs'))).toEqual({ status: 200, body: { total: 0, data: [] } });
    expect(goodsCalls).toEqual([]);
  });

  it('when a favourite is asked for then 200 {} if it is one, else 404 收藏记录不存在', async () => {
    const user = as(1003);
    await user.post('/up/v1/userfavs').send({ goods: 5 }).expect(200);
    expect(answer(await user.get('/up/v1/userfavs/5'))).toEqual({ status: 200, body: {} });
    expect(answer(await user.get('/up/v1/userfavs/6'))).toEqual({ status: 404, body: envelope('收藏记录不存在', 'NOT_FOUND') });
  });

  it('when a goods is already a favourite then adding it again is 409 and it stays one favourite', async () => {
    const user = as(1004);
    await user.post('/up/v1/userfavs').send({ goods: 7 }).expect(200);
    expect(answer(await user.post('/up/v1/userfavs').send({ goods: 7 }))).toEqual({
      status: 409,
      body: envelope('已收藏该商品', 'CONFLICT'),
    });
    expect((await user.get('/up/v1/userfavs')).body.total).toBe(1);
  });

  it('when the goods does not exist then adding it is 404 and nothing is written', async () => {
    expect(answer(await as(1005).post('/up/v1/userfavs').send({ goods: 999 }))).toEqual({
      status: 404,
      body: envelope('记录不存在', 'NOT_FOUND'),
    });
    expect(await stack.srv.userop.GetFavList({ userId: 1005, goodsId: 0 })).toEqual({ total: 0, data: [] });
  });

  it('when a favourite is deleted then 200 删除成功, it is gone, and deleting it again is 404', async () => {
    const user = as(1006);
    await user.post('/up/v1/userfavs').send({ goods: 8 }).expect(200);
    expect(answer(await user.delete('/up/v1/userfavs/8'))).toEqual({ status: 200, body: { msg: '删除成功' } });
    expect(answer(await user.get('/up/v1/userfavs'))).toEqual({ status: 200, body: { total: 0, data: [] } });
    expect(answer(await user.delete('/up/v1/userfavs/8'))).toEqual({ status: 404, body: envelope('收藏记录不存在', 'NOT_FOUND') });
  });

  it('when a goods left the catalogue then its favourite still shows, with an empty name and price 0', async () => {
    const user = as(1007);
    await user.post('/up/v1/userfavs').send({ goods: 3 }).expect(200);
    await stack.srv.userop.AddUserFav({ userId: 1007, goodsId: 777 }); // a goods id the catalogue never had
    expect((await user.get('/up/v1/userfavs')).body).toEqual({
      total: 2,
      data: [
        { id: 3, name: '海南贵妃芒 2.5kg', shop_price: 39.9 },
        { id: 777, name: '', shop_price: 0 },
      ],
    });
  });

  it('when another user asks for, deletes or lists my favourite then it is 404 or absent, and mine stays', async () => {
    await as(1008).post('/up/v1/userfavs').send({ goods: 4 }).expect(200);
    const other = as(1009);
    expect(answer(await other.get('/up/v1/userfavs/4'))).toEqual({ status: 404, body: envelope('收藏记录不存在', 'NOT_FOUND') });
    expect(answer(await other.delete('/up/v1/userfavs/4'))).toEqual({ status: 404, body: envelope('收藏记录不存在', 'NOT_FOUND') });
    expect(answer(await other.get('/up/v1/userfavs'))).toEqual({ status: 200, body: { total: 0, data: [] } });
    // Admins too see only their own favourites.
    expect((await as(1010, true).get('/up/v1/userfavs')).body).toEqual({ total: 0, data: [] });
    expect((await as(1008).get('/up/v1/userfavs')).body.data).toEqual([{ id: 4, name: '赣南脐橙 5kg', shop_price: 49.9 }]);
  });

  it.each([
    [{}, { goods: 'goods 为必填字段' }],
    [{ goods: '2' }, { goods: 'goods 必须是不小于1的整数' }],
    [{ goods: 0 }, { goods: 'goods 必须是不小于1的整数' }],
    [{ goods: 2.5 }, { goods: 'goods 必须是不小于1的整数' }],
  ])('when the body is %j then 400 naming the field and nothing is written', async (body, error) => {
    expect(answer(await as(1011).post('/up/v1/userfavs').send(body))).toEqual({
      status: 400,
      body: envelope('参数错误', 'INVALID_ARGUMENT', error),
    });
    expect(goodsCalls).toEqual([]);
    expect(await stack.srv.userop.GetFavList({ userId: 1011, goodsId: 0 })).toEqual({ total: 0, data: [] });
  });

  it.each(['get', 'delete'] as const)('when %s gets a non-integer id then 400 url格式出错', async (method) => {
    expect(answer(await as(1012)[method]('/up/v1/userfavs/abc'))).toEqual({
      status: 400,
      body: envelope('url格式出错', 'INVALID_ARGUMENT', { id: 'id 必须是不小于1的整数' }),
    });
  });

  it('when the goods srv is down then listing and adding answer 503 商品服务不可用 and nothing is added', async () => {
    await as(1013).post('/up/v1/userfavs').send({ goods: 9 }).expect(200);
    const { gateway, proxy } = await gatewayThrough('goods');
    proxy.cut();
    const user = api(gateway.app, stack.token(1013));
    expect(answer(await user.get('/up/v1/userfavs'))).toEqual({ status: 503, body: envelope('商品服务不可用', 'UNAVAILABLE') });
    expect(answer(await user.post('/up/v1/userfavs').send({ goods: 10 }))).toEqual({
      status: 503,
      body: envelope('商品服务不可用', 'UNAVAILABLE'),
    });
    expect((await stack.srv.userop.GetFavList({ userId: 1013, goodsId: 0 })).data).toEqual([{ userId: 1013, goodsId: 9 }]);
  });

  it('when the goods srv hangs then listing and adding answer 504 after the deadline and nothing is added', async () => {
    await as(1014).post('/up/v1/userfavs').send({ goods: 9 }).expect(200);
    const { gateway, proxy } = await gatewayThrough('goods', 300);
    proxy.freeze();
    const user = api(gateway.app, stack.token(1014));
    expect(answer(await user.get('/up/v1/userfavs'))).toEqual({ status: 504, body: envelope('服务响应超时', 'TIMEOUT') });
    expect(answer(await user.post('/up/v1/userfavs').send({ goods: 10 }))).toEqual({
      status: 504,
      body: envelope('服务响应超时', 'TIMEOUT'),
    });
    expect((await stack.srv.userop.GetFavList({ userId: 1014, goodsId: 0 })).data).toEqual([{ userId: 1014, goodsId: 9 }]);
  });
});

describe('favourites removed concurrently', () => {
  it('when ten deletes of one favourite race then exactly one answers 200 and the others 404', async () => {
    const user = as(1020);
    for (let round = 0; round < 3; round++) {
      await user.post('/up/v1/userfavs').send({ goods: 4 }).expect(200);
      const answers = await Promise.all(Array.from({ length: 10 }, () => user.delete('/up/v1/userfavs/4')));
      expect(answers.map((r) => r.status).sort()).toEqual([200, ...Array(9).fill(404)]);
    }
  });
});

describe('the address book: /up/v1/address', () => {
  it('when a user saves, changes and deletes an address then each answer is as the contract says', async () => {
    const user = as(2001);
    const created = await user.post('/up/v1/address').send(HOME);
    expect(answer(created)).toEqual({ status: 200, body: { id: expect.any(Number) } });
    const id = created.body.id as number;
    expect(answer(await user.get('/up/v1/address'))).toEqual({ status: 200, body: { total: 1, data: [{ id, user_id: 2001, ...HOME }] } });

    const moved = { ...HOME, district: '滨江区', address: '网商路 699 号', signer_mobile: '13900139000' };
    expect(answer(await user.put(`/up/v1/address/${id}`).send(moved))).toEqual({ status: 200, body: {} });
    expect((await user.get('/up/v1/address')).body).toEqual({ total: 1, data: [{ id, user_id: 2001, ...moved }] });

    expect(answer(await user.delete(`/up/v1/address/${id}`))).toEqual({ status: 200, body: { msg: '删除成功' } });
    expect(answer(await user.get('/up/v1/address'))).toEqual({ status: 200, body: { total: 0, data: [] } });
    expect(answer(await user.delete(`/up/v1/address/${id}`))).toEqual({ status: 404, body: envelope('收货地址不存在', 'NOT_FOUND') });
    // Deleted logically, as the course does.
    expect(await stack.query('userop', 'SELECT is_deleted FROM address WHERE id = ?', [id])).toEqual([{ is_deleted: 1 }]);
  });

  it('when the course SPA edits an address with PATCH then it is replaced as by PUT; another user’s answers 404', async () => {
    const user = as(2011);
    const { id } = (await user.post('/up/v1/address').send(HOME)).body as { id: number };
    const moved = { ...HOME, city: '宁波市', signer_name: '李雷' };
    expect(answer(await user.patch(`/up/v1/address/${id}`).send(moved))).toEqual({ status: 200, body: {} });
    expect((await user.get('/up/v1/address')).body).toEqual({ total: 1, data: [{ id, user_id: 2011, ...moved }] });
    expect(answer(await as(2012).patch(`/up/v1/address/${id}`).send(HOME))).toEqual({
      status: 404,
      body: envelope('收货地址不存在', 'NOT_FOUND'),
    });
    expect(answer(await user.patch(`/up/v1/address/${id}`).send({ ...HOME, signer_mobile: '1' }))).toEqual({
      status: 400,
      body: envelope('参数错误', 'INVALID_ARGUMENT', { signer_mobile: 'signer_mobile 非法的手机号码' }),
    });
  });

  it('when ten deletes of one address race then exactly one answers 200 and the others 404', async () => {
    const user = as(2013);
    for (let round = 0; round < 3; round++) {
      const { id } = (await user.post('/up/v1/address').send(HOME)).body as { id: number };
      const answers = await Promise.all(Array.from({ length: 10 }, () => user.delete(`/up/v1/address/${id}`)));
      expect(answers.map((r) => r.status).sort()).toEqual([200, ...Array(9).fill(404)]);
    }
  });

  it('when another user changes, deletes or lists my address then 404 收货地址不存在 or absent, and mine is unchanged', async () => {
    const { id } = (await as(2002).post('/up/v1/address').send(HOME)).body as { id: number };
    const other = as(2003);
    const notFound = { status: 404, body: envelope('收货地址不存在', 'NOT_FOUND') };
    expect(answer(await other.put(`/up/v1/address/${id}`).send({ ...HOME, signer_name: '坏人' }))).toEqual(notFound);
    expect(answer(await other.delete(`/up/v1/address/${id}`))).toEqual(notFound);
    expect(answer(await other.put('/up/v1/address/999999').send(HOME))).toEqual(notFound);
    expect(answer(await other.get('/up/v1/address'))).toEqual({ status: 200, body: { total: 0, data: [] } });
    expect((await as(2002).get('/up/v1/address')).body).toEqual({ total: 1, data: [{ id, user_id: 2002, ...HOME }] });
  });

  it('when an admin lists addresses then every user’s show, but an admin changes and deletes only their own', async () => {
    const a = (await as(2004).post('/up/v1/address').send(HOME)).body.id as number;
    const b = (
      await as(2005)
        .post('/up/v1/address')
        .send({ ...HOME, city: '宁波市' })
    ).body.id as number;
    const admin = as(2006, true);
    const listed = (await admin.get('/up/v1/address')).body as { total: number; data: unknown[] };
    expect(listed.data).toEqual(
      expect.arrayContaining([
        { id: a, user_id: 2004, ...HOME },
        { id: b, user_id: 2005, ...HOME, city: '宁波市' },
      ]),
    );
    expect(listed.total).toBe(listed.data.length);
    expect(answer(await admin.delete(`/up/v1/address/${a}`))).toEqual({ status: 404, body: envelope('收货地址不存在', 'NOT_FOUND') });
    expect((await as(2004).get('/up/v1/address')).body.total).toBe(1);
  });

  it('when the body is empty then 400 names all six fields and nothing is written', async () => {
    expect(answer(await as(2007).post('/up/v1/address').send({}))).toEqual({
      status: 400,
      body: envelope('参数错误', 'INVALID_ARGUMENT', {
        province: 'province 为必填字段',
        city: 'city 为必填字段',
        district: 'district 为必填字段',
        address: 'address 为必填字段',
        signer_name: 'signer_name 为必填字段',
        signer_mobile: 'signer_mobile 为必填字段',
      }),
    });
    expect((await stack.srv.userop.GetAddressList({ userId: 2007 })).total).toBe(0);
  });

  it.each([
    [{ ...HOME, signer_mobile: '1370013700' }, { signer_mobile: 'signer_mobile 非法的手机号码' }],
    [{ ...HOME, province: '  ' }, { province: 'province 不能为空' }],
    [{ ...HOME, address: '路'.repeat(101) }, { address: 'address 长度不能超过100个字符' }],
    [{ ...HOME, city: 5 }, { city: 'city 必须是字符串' }],
  ])('when a field is wrong (%j) then POST and PUT answer 400 naming it and nothing changes', async (body, error) => {
    const user = as(2008);
    const bad = { status: 400, body: envelope('参数错误', 'INVALID_ARGUMENT', error) };
    expect(answer(await user.post('/up/v1/address').send(body))).toEqual(bad);
    const saved = await stack.srv.userop.CreateAddress({
      userId: 2009,
      ...HOME,
      signerName: HOME.signer_name,
      signerMobile: HOME.signer_mobile,
    });
    expect(answer(await as(2009).put(`/up/v1/address/${saved.id}`).send(body))).toEqual(bad);
    expect((await stack.srv.userop.GetAddressList({ userId: 2008 })).total).toBe(0);
    expect((await stack.srv.userop.GetAddressList({ userId: 2009, id: saved.id })).data).toEqual([saved]);
  });

  it.each(['put', 'delete'] as const)('when %s gets a non-integer id then 400 url格式出错', async (method) => {
    const res = method === 'put' ? await as(2010).put('/up/v1/address/1.5').send(HOME) : await as(2010).delete('/up/v1/address/1.5');
    expect(answer(res)).toEqual({ status: 400, body: envelope('url格式出错', 'INVALID_ARGUMENT', { id: 'id 必须是不小于1的整数' }) });
  });
});

describe('messages: /up/v1/message', () => {
  it('when a user leaves messages then each answers its id and the list shows them, file empty when none was given', async () => {
    const user = as(3001);
    const first = await user.post('/up/v1/message').send(MESSAGE);
    expect(answer(first)).toEqual({ status: 200, body: { id: expect.any(Number) } });
    const second = await user.post('/up/v1/message').send({ type: 5, subject: '求购榴莲', message: '有没有猫山王？' });
    expect(answer(await user.get('/up/v1/message'))).toEqual({
      status: 200,
      body: {
        total: 2,
        data: [
          { id: first.body.id, user_id: 3001, ...MESSAGE, message_type: 2, add_time: ADD_TIME },
          {
            id: second.body.id,
            user_id: 3001,
            type: 5,
            message_type: 5,
            subject: '求购榴莲',
            message: '有没有猫山王？',
            file: '',
            add_time: ADD_TIME,
          },
        ],
      },
    });
  });

  it('when another user lists messages then mine are not there; an admin sees everyone’s', async () => {
    const mine = (await as(3002).post('/up/v1/message').send(MESSAGE)).body.id as number;
    expect((await as(3003).get('/up/v1/message')).body).toEqual({ total: 0, data: [] });
    const all = (await as(3004, true).get('/up/v1/message')).body as { total: number; data: unknown[] };
    expect(all.data).toEqual(expect.arrayContaining([{ id: mine, user_id: 3002, ...MESSAGE, message_type: 2, add_time: ADD_TIME }]));
    expect(all.total).toBe(all.data.length);
  });

  it.each([
    [{ ...MESSAGE, type: 0 }, { type: 'type 必须是1到5之间的整数' }],
    [{ ...MESSAGE, type: 6 }, { type: 'type 必须是1到5之间的整数' }],
    [{ ...MESSAGE, type: '2' }, { type: 'type 必须是1到5之间的整数' }],
    [{ ...MESSAGE, subject: '' }, { subject: 'subject 不能为空' }],
    [{ ...MESSAGE, file: 'not a link' }, { file: 'file 必须是http或https链接' }],
    [{ ...MESSAGE, file: `https://x/${'f'.repeat(91)}` }, { file: 'file 长度不能超过100个字符' }],
    [{}, { type: 'type 为必填字段', subject: 'subject 为必填字段', message: 'message 为必填字段' }],
  ])('when the body is %j then 400 naming each bad field and nothing is written', async (body, error) => {
    expect(answer(await as(3005).post('/up/v1/message').send(body))).toEqual({
      status: 400,
      body: envelope('参数错误', 'INVALID_ARGUMENT', error),
    });
    expect(await stack.srv.userop.MessageList({ userId: 3005 })).toEqual({ total: 0, data: [] });
  });
});

describe('messages in the form encodings: the course SPA posts a FormData', () => {
  const SPA_FILE = 'http://shop.projectsedu.com/media/message/images/a.png';
  const BOUNDARY = '----WebKitFormBoundaryq5GZGdxK0xZ7qTbI';
  /** The fields as Chromium writes a FormData: each a part with only a Content-Disposition, CRLF line ends. */
  const spaBody = (fields: Array<[string, string]>) =>
    `${fields.map(([name, value]) => `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`).join('')}--${BOUNDARY}--\r\n`;
  const spaPost = (userId: number, body: string) =>
    request(stack.app)
      .post('/up/v1/message')
      .set('Accept', 'application/json, text/plain, */*')
      .set('Origin', 'http://127.0.0.1:8080')
      .set('x-token', stack.token(userId))
      .set('Content-Type', `multipart/form-data; boundary=${BOUNDARY}`)
      .send(Buffer.from(body));

  it('when the SPA posts its FormData (type "4", subject, message, file a URL) then it is saved as type 4', async () => {
    const body = spaBody([
      ['type', '4'],
      ['subject', '退货'],
      ['message', '草莓坏了两盒'],
      ['file', SPA_FILE],
    ]);
    const created = await spaPost(3101, body);
    expect(answer(created)).toEqual({ status: 200, body: { id: expect.any(Number) } });
    expect((await as(3101).get('/up/v1/message')).body).toEqual({
      total: 1,
      data: [
        {
          id: created.body.id,
          user_id: 3101,
          type: 4,
          message_type: 4,
          subject: '退货',
          message: '草莓坏了两盒',
          file: SPA_FILE,
          add_time: ADD_TIME,
        },
      ],
    });
  });

  it('when the same form comes urlencoded then it is saved the same way', async () => {
    const created = await as(3102)
      .post('/up/v1/message')
      .type('form')
      .send(new URLSearchParams({ type: '3', subject: '询问', message: '几点送达？', file: '' }).toString());
    expect(answer(created)).toEqual({ status: 200, body: { id: expect.any(Number) } });
    expect((await stack.srv.userop.MessageList({ userId: 3102 })).data).toMatchObject([{ messageType: 3, subject: '询问' }]);
  });

  it.each(['4x', '0x4', ' 4', '', '4.0', '-4', '99999999999'])(
    'when type is %j in a form encoding then 400 says type is invalid, not missing, in both encodings',
    async (type) => {
      const bad = { status: 400, body: envelope('参数错误', 'INVALID_ARGUMENT', { type: 'type 必须是1到5之间的整数' }) };
      const fields: Array<[string, string]> = [
        ['type', type],
        ['subject', '主题'],
        ['message', '内容'],
      ];
      expect(answer(await spaPost(3103, spaBody(fields)))).toEqual(bad);
      const urlencoded = await as(3103).post('/up/v1/message').type('form').send(new URLSearchParams(fields).toString());
      expect(answer(urlencoded)).toEqual(bad);
      expect((await stack.srv.userop.MessageList({ userId: 3103 })).total).toBe(0);
    },
  );

  it('when a form leaves fields out then each is named as missing, and the wrong one as wrong', async () => {
    expect(answer(await spaPost(3104, spaBody([['type', '9']])))).toEqual({
      status: 400,
      body: envelope('参数错误', 'INVALID_ARGUMENT', {
        type: 'type 必须是1到5之间的整数',
        subject: 'subject 为必填字段',
        message: 'message 为必填字段',
      }),
    });
  });

  it('when the file is uploaded as a file part then 400 names file and nothing is written', async () => {
    const res = await as(3105)
      .post('/up/v1/message')
      .field('type', '4')
      .field('subject', '退货')
      .field('message', '见图')
      .attach('file', Buffer.from('\x89PNG'), 'a.png');
    expect(answer(res)).toEqual({
      status: 400,
      body: envelope('参数错误', 'INVALID_ARGUMENT', { file: 'file 不接受上传的文件，请填写文件的链接' }),
    });
    expect((await stack.srv.userop.MessageList({ userId: 3105 })).total).toBe(0);
  });

  it('when a multipart body is cut short or a field is over the body limit then 400 / 413, nothing written', async () => {
    const cut = spaBody([['type', '4']]).slice(0, -10);
    expect(answer(await spaPost(3106, cut))).toEqual({ status: 400, body: envelope('请求体无法解析', 'INVALID_ARGUMENT') });
    const huge = spaBody([
      ['type', '4'],
      ['subject', 's'],
      ['message', 'm'.repeat(70 * 1024)],
    ]);
    expect(answer(await spaPost(3106, huge))).toEqual({ status: 413, body: envelope('请求体过大', 'PAYLOAD_TOO_LARGE') });
    // Each field under the cap, all of them over the body limit: refused as a JSON body that long would be.
    const wide = spaBody([
      ['type', '4'],
      ['subject', 's'.repeat(40 * 1024)],
      ['message', 'm'.repeat(40 * 1024)],
    ]);
    expect(answer(await spaPost(3106, wide))).toEqual({ status: 413, body: envelope('请求体过大', 'PAYLOAD_TOO_LARGE') });
    expect((await stack.srv.userop.MessageList({ userId: 3106 })).total).toBe(0);
  });

  it('when JSON sends type as the string "4" then it stays a 400: JSON keeps its types', async () => {
    expect(
      answer(
        await as(3107)
          .post('/up/v1/message')
          .send({ ...MESSAGE, type: '4' }),
      ),
    ).toEqual({
      status: 400,
      body: envelope('参数错误', 'INVALID_ARGUMENT', { type: 'type 必须是1到5之间的整数' }),
    });
  });
});

describe('every /up/v1 route needs a token', () => {
  it.each([
    ['get', '/up/v1/userfavs'],
    ['post', '/up/v1/userfavs'],
    ['get', '/up/v1/userfavs/1'],
    ['delete', '/up/v1/userfavs/1'],
    ['get', '/up/v1/address'],
    ['post', '/up/v1/address'],
    ['put', '/up/v1/address/1'],
    ['patch', '/up/v1/address/1'],
    ['delete', '/up/v1/address/1'],
    ['get', '/up/v1/message'],
    ['post', '/up/v1/message'],
  ] as const)('when %s %s comes without a token then 401 请登录', async (method, path) => {
    expect(answer(await api(stack.app)[method](path))).toEqual({ status: 401, body: envelope('请登录', 'UNAUTHENTICATED') });
  });
});

describe('checkout from the address book: POST /o/v1/orders with address_id', () => {
  async function cartWith(userId: number, goods = 2) {
    await as(userId).post('/o/v1/shopcarts').send({ goods, nums: 1 }).expect(200);
  }
  const saveHome = async (userId: number) => (await as(userId).post('/up/v1/address').send(HOME)).body.id as number;
  const ordersOf = async (userId: number) => (await stack.srv.order.OrderList({ userId, pages: 1, pagePerNums: 10 })).total;

  it('when the caller gives their own address_id then the order is delivered to that address, name and mobile', async () => {
    const id = await saveHome(4001);
    await cartWith(4001);
    const created = await as(4001).post('/o/v1/orders').send({ address_id: id, post: '放门口' });
    expect(created.status).toBe(200);
    const detail = await as(4001).get(`/o/v1/orders/${created.body.id}`);
    expect(detail.body).toMatchObject({
      address: '浙江省杭州市西湖区文三路 90 号',
      name: '韩梅梅',
      mobile: '13700137000',
      post: '放门口',
      goods: [{ id: 2, nums: 1 }],
    });
  });

  it.each([
    ['another user’s', 4002, async () => saveHome(4003)],
    ['a missing', 4005, async () => 999_999],
    [
      'a deleted',
      4006,
      async () => {
        const id = await saveHome(4006);
        await as(4006).delete(`/up/v1/address/${id}`).expect(200);
        return id;
      },
    ],
  ])('when the address_id is %s address then 404 收货地址不存在 and no order is placed', async (_, userId, addressId) => {
    const id = await addressId();
    await cartWith(userId, 3);
    expect(answer(await as(userId).post('/o/v1/orders').send({ address_id: id, post: '无' }))).toEqual({
      status: 404,
      body: envelope('收货地址不存在', 'NOT_FOUND'),
    });
    expect(await ordersOf(userId)).toBe(0);
    expect((await stack.srv.order.CartItemList({ id: userId })).data).toMatchObject([{ goodsId: 3, nums: 1 }]);
  });

  it('when the saved address is longer than an order keeps then 400 on address_id, never cut, and nothing is placed', async () => {
    const long = { ...HOME, province: '省'.repeat(60), city: '市'.repeat(60), district: '区'.repeat(60), address: '路'.repeat(60) };
    const id = (await as(4007).post('/up/v1/address').send(long)).body.id as number;
    await cartWith(4007);
    const msg = 'address_id 的收货地址过长：地址不能超过200个字符，签收人不能超过40个字符';
    expect(answer(await as(4007).post('/o/v1/orders').send({ address_id: id, post: '无' }))).toEqual({
      status: 400,
      body: envelope(msg, 'INVALID_ARGUMENT', { address_id: msg }),
    });
    expect(await ordersOf(4007)).toBe(0);
  });

  it.each([
    [
      'both forms',
      { address_id: 1, address: '北京市', name: '李雷', mobile: '13800138000', post: '无' },
      {
        address: 'address 不能与 address_id 同时填写',
        name: 'name 不能与 address_id 同时填写',
        mobile: 'mobile 不能与 address_id 同时填写',
      },
    ],
    ['neither form', { post: '无' }, { address: 'address 为必填字段', name: 'name 为必填字段', mobile: 'mobile 为必填字段' }],
    ['a non-integer address_id', { address_id: '1', post: '无' }, { address_id: 'address_id 必须是不小于1的整数' }],
    ['address_id 0', { address_id: 0, post: '无' }, { address_id: 'address_id 必须是不小于1的整数' }],
  ])('when the body has %s then 400 naming each wrong field and nothing is placed', async (_, body, error) => {
    await cartWith(4004);
    expect(answer(await as(4004).post('/o/v1/orders').send(body))).toEqual({
      status: 400,
      body: envelope('参数错误', 'INVALID_ARGUMENT', error),
    });
    expect(await ordersOf(4004)).toBe(0);
  });
});

describe('the userop srv down', () => {
  it('when the userop srv is down then /up/v1 answers 503 用户操作服务不可用 while /o/v1 keeps working', async () => {
    const id = await (async () => (await as(5001).post('/up/v1/address').send(HOME)).body.id as number)();
    const { gateway, proxy } = await gatewayThrough('userop');
    proxy.cut();
    const user = api(gateway.app, stack.token(5001));
    const down = { status: 503, body: envelope('用户操作服务不可用', 'UNAVAILABLE') };
    expect(answer(await user.get('/up/v1/userfavs'))).toEqual(down);
    expect(answer(await user.post('/up/v1/userfavs').send({ goods: 2 }))).toEqual(down);
    expect(answer(await user.get('/up/v1/address'))).toEqual(down);
    expect(answer(await user.post('/up/v1/message').send(MESSAGE))).toEqual(down);

    await user.post('/o/v1/shopcarts').send({ goods: 2, nums: 1 }).expect(200);
    expect((await user.get('/o/v1/shopcarts')).body).toMatchObject({ total: 1, data: [{ id: 2, nums: 1 }] });
    // Checkout from the address book needs the srv; with the address given, it does not.
    expect(answer(await user.post('/o/v1/orders').send({ address_id: id, post: '无' }))).toEqual(down);
    const placed = await user.post('/o/v1/orders').send({ address: '上海市浦东新区', name: '李四', mobile: '13900139000', post: '无' });
    expect(placed.status).toBe(200);
    expect((await user.get('/o/v1/orders')).body.total).toBe(1);
  });
});
