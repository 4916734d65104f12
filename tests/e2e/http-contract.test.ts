// The HTTP envelope every route shares: auth, errors, body limits, unknown routes, CORS, request ids.
import crypto from 'node:crypto';
import jwt from 'jsonwebtoken';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from '../helpers/http';
import { type Stack, startStack, TEST_JWT_KEY } from '../helpers/stack';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.stop();
});

const b64url = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);

describe('GET /health', () => {
  it('when asked then 200 {code:200, success:true} without a token', async () => {
    const res = await request(stack.app).get('/health');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ code: 200, success: true });
  });
});

describe('authentication on every user route', () => {
  const routes: Array<[string, string]> = [
    ['get', '/o/v1/shopcarts'],
    ['post', '/o/v1/shopcarts'],
    ['patch', '/o/v1/shopcarts/1'],
    ['delete', '/o/v1/shopcarts/1'],
    ['get', '/o/v1/orders'],
    ['post', '/o/v1/orders'],
    ['get', '/o/v1/orders/1'],
    ['delete', '/o/v1/orders/1'],
  ];

  it.each(routes)('when %s %s has no token then 401 请登录', async (method, path) => {
    const res = await (request(stack.app) as unknown as Record<string, (p: string) => request.Test>)[method]!(path);
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ msg: '请登录', code: 'UNAUTHENTICATED', requestId: res.headers['x-request-id'] });
  });

  const cases: Array<[string, string, () => string]> = [
    ['an expired token', '授权已过期', () => jwt.sign({ ID: 1, AuthorityId: 1, exp: now() - 10 }, TEST_JWT_KEY)],
    [
      'a token signed with another key',
      '未登录',
      () => jwt.sign({ ID: 1, AuthorityId: 1 }, 'another-key-0123456789abcdef', { expiresIn: 60 }),
    ],
    ['an alg none token', '未登录', () => `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url({ ID: 1, AuthorityId: 2, exp: now() + 60 })}.`],
    ['an HS512 token with the right key', '未登录', () => jwt.sign({ ID: 1 }, TEST_JWT_KEY, { algorithm: 'HS512', expiresIn: 60 })],
    ['a token without ID', '未登录', () => jwt.sign({ NickName: 'x', AuthorityId: 1 }, TEST_JWT_KEY, { expiresIn: 60 })],
    ['a token whose ID is a string', '未登录', () => jwt.sign({ ID: '1', AuthorityId: 1 }, TEST_JWT_KEY, { expiresIn: 60 })],
    ['a token not valid yet', '未登录', () => jwt.sign({ ID: 1, nbf: now() + 600 }, TEST_JWT_KEY, { expiresIn: 900 })],
    ['garbage', '未登录', () => 'not.a.jwt'],
  ];

  it.each(cases)('when the request carries %s then 401 %s', async (_case, msg, make) => {
    const res = await api(stack.app, make()).get('/o/v1/shopcarts');
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ msg, code: 'UNAUTHENTICATED' });
  });

  it.each([
    ['x-token', (t: string) => ['x-token', t]],
    ['Authorization: Bearer', (t: string) => ['Authorization', `Bearer ${t}`]],
    ['Authorization: JWT', (t: string) => ['Authorization', `JWT ${t}`]],
  ] as const)('when the token comes as %s then it is accepted', async (_how, header) => {
    const [name, value] = header(stack.token(5)) as [string, string];
    const res = await request(stack.app).get('/o/v1/shopcarts').set(name, value);
    expect(res.status).toBe(200);
  });
});

describe('malformed and oversized bodies', () => {
  it('when the JSON is malformed then 400 in the envelope and nothing is written', async () => {
    const token = stack.token(7);
    const res = await request(stack.app)
      .post('/o/v1/shopcarts')
      .set('x-token', token)
      .set('Content-Type', 'application/json')
      .send('{"goods": 1, "nums": ');
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ msg: expect.any(String), code: 'INVALID_ARGUMENT', requestId: expect.any(String) });
    expect((await stack.srv.order.CartItemList({ id: 7 })).data).toEqual([]);
  });

  it('when the body is over the limit then 413 in the envelope', async () => {
    const res = await api(stack.app, stack.token(7))
      .post('/o/v1/orders')
      .send({ address: 'x'.repeat(200_000), name: 'a', mobile: '13800138000', post: 'p' });
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', requestId: expect.any(String) });
  });

  it('when the body is not JSON at all then 400 from validation and nothing is written', async () => {
    const res = await api(stack.app, stack.token(7)).post('/o/v1/shopcarts').set('Content-Type', 'text/plain').send('goods=1&nums=1');
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('INVALID_ARGUMENT');
    expect((await stack.srv.order.CartItemList({ id: 7 })).data).toEqual([]);
  });
});

describe('unknown routes', () => {
  it.each([
    ['get', '/nope'],
    ['get', '/o/v1/unknown'],
    ['put', '/o/v1/shopcarts/1'],
    ['post', '/o/v1/orders/1'],
  ])('when %s %s then 404 in the envelope', async (method, path) => {
    const res = await (request(stack.app) as unknown as Record<string, (p: string) => request.Test>)[method]!(path).set(
      'x-token',
      stack.token(1),
    );
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ msg: expect.any(String), code: 'NOT_FOUND', requestId: expect.any(String) });
  });
});

describe('CORS', () => {
  it('when a browser preflights then 204 with the allowed headers and methods', async () => {
    const res = await request(stack.app)
      .options('/o/v1/orders')
      .set('Origin', 'http://localhost:8080')
      .set('Access-Control-Request-Method', 'POST')
      .set('Access-Control-Request-Headers', 'x-token,content-type,idempotency-key');
    expect(res.status).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe('*');
    const allowed = (res.headers['access-control-allow-headers'] as string).toLowerCase();
    for (const h of ['content-type', 'x-token', 'authorization', 'idempotency-key', 'x-request-id']) expect(allowed).toContain(h);
    expect(res.headers['access-control-allow-methods']).toBe('GET,POST,PATCH,DELETE,OPTIONS');
  });

  it('when a browser calls then the answer allows any origin', async () => {
    const res = await api(stack.app, stack.token(1)).get('/o/v1/shopcarts').set('Origin', 'http://example.test');
    expect(res.headers['access-control-allow-origin']).toBe('*');
  });
});

describe('request ids', () => {
  it('when the client sends X-Request-Id then it is echoed and used in error bodies', async () => {
    const id = `req-${crypto.randomUUID()}`;
    const res = await request(stack.app).get('/o/v1/orders').set('X-Request-Id', id);
    expect(res.headers['x-request-id']).toBe(id);
    expect(res.body.requestId).toBe(id);
  });

  it('when the client sends none or an unsafe one then a fresh id is made', async () => {
    for (const sent of [undefined, 'bad id with spaces', 'x'.repeat(129), '<script>']) {
      const req = request(stack.app).get('/health');
      const res = await (sent === undefined ? req : req.set('X-Request-Id', sent));
      expect(res.headers['x-request-id']).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    }
  });
});
