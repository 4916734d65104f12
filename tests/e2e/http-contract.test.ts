// The HTTP envelope every route shares: auth, errors, body limits, unknown routes, CORS, request ids.
import crypto from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import zlib from 'node:zlib';
import jwt from 'jsonwebtoken';
import pino from 'pino';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../global/logger';
import { clientErrorHandler } from '../../middlewares/error-handler';
import { api } from '../helpers/http';
import { buildGateway, type Stack, startStack, TEST_JWT_KEY } from '../helpers/stack';

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
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('when asked with an acceptable X-Request-Id then that id comes back; an unacceptable one is replaced', async () => {
    expect((await request(stack.app).get('/health').set('X-Request-Id', 'probe-7')).headers['x-request-id']).toBe('probe-7');
    const forged = await request(stack.app).get('/health').set('X-Request-Id', 'a b"c');
    expect(forged.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('when asked then it costs no access line, while every other request gets exactly one, without headers', async () => {
    const lines: Array<{ msg: string; req?: Record<string, unknown> }> = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
    const gateway = buildGateway(stack.targets, {}, { logger });
    try {
      await request(gateway.app).get('/health').expect(200);
      expect(lines).toEqual([]);
      await request(gateway.app).get('/o/v1/orders').set('x-token', 'not-a-token').expect(401);
      const access = lines.filter((l) => l.msg === 'request completed');
      expect(access).toHaveLength(1);
      expect(access[0]?.req).toEqual({ id: expect.any(String), method: 'GET', url: '/o/v1/orders' });
      expect(JSON.stringify(lines)).not.toContain('not-a-token');
    } finally {
      gateway.close();
    }
  });

  it("when Alipay's return carries its signature in the query then the access line keeps the URL and censors only the sign", async () => {
    const lines: Array<{ msg: string; level: number; req?: { url?: string }; res?: unknown; responseTime?: unknown }> = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
    const gateway = buildGateway(stack.targets, {}, { logger });
    try {
      await request(gateway.app).get('/o/v1/pay/alipay/return?out_trade_no=SN1&sign=c2VjcmV0K3NpZw%3D%3D&sign_type=RSA2');
      const access = lines.filter((l) => l.msg === 'request completed');
      expect(access).toHaveLength(1);
      expect(access[0]).toMatchObject({
        level: 30,
        req: { url: '/o/v1/pay/alipay/return?out_trade_no=SN1&sign=[redacted]&sign_type=RSA2' },
        res: { statusCode: expect.any(Number) },
        responseTime: expect.any(Number),
      });
      expect(JSON.stringify(lines)).not.toContain('c2VjcmV0K3NpZw');
    } finally {
      gateway.close();
    }
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

// Every route that reads a body, with a valid body for it. A new body route goes here, and gets every
// hostile body below for free. The user of each case is fresh, so "nothing was written" is checkable.
interface BodyRoute {
  method: 'post' | 'patch';
  path: string;
  /** JSON, or a form (the Alipay notify). */
  type: 'json' | 'form';
  valid: Record<string, unknown>;
  /** A text field of the route's form, for the lone-surrogate case. */
  textField: string;
  token: boolean;
}
const BODY_ROUTES: BodyRoute[] = [
  { method: 'post', path: '/o/v1/shopcarts', type: 'json', valid: { goods: 1, nums: 1 }, textField: 'note', token: true },
  { method: 'patch', path: '/o/v1/shopcarts/1', type: 'json', valid: { nums: 1 }, textField: 'note', token: true },
  {
    method: 'post',
    path: '/o/v1/orders',
    type: 'json',
    valid: { address: '北京市', name: '李雷', mobile: '13800138000', post: '快' },
    textField: 'address',
    token: true,
  },
  { method: 'post', path: '/o/v1/pay/alipay/notify', type: 'form', valid: { out_trade_no: '1' }, textField: 'subject', token: false },
];

const deep = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`;

/** Each hostile body: what is sent (Content-Type, Content-Encoding, raw bytes) and what must come back. */
const HOSTILE: Array<{
  name: string;
  send(route: BodyRoute): { headers: Record<string, string>; body: string | Buffer };
  status: number;
  code: string;
  json?: boolean;
}> = [
  ...(['gzip', 'deflate', 'br'] as const).map((encoding) => ({
    name: `Content-Encoding ${encoding} on a body that is not compressed`,
    send: (r: BodyRoute) => ({ headers: { 'Content-Encoding': encoding }, body: encodeBody(r, r.valid) }),
    status: 400,
    code: 'INVALID_ARGUMENT',
  })),
  {
    name: 'an unsupported Content-Encoding',
    send: (r) => ({ headers: { 'Content-Encoding': 'compress' }, body: encodeBody(r, r.valid) }),
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
  },
  {
    name: 'an unsupported charset',
    send: (r) => ({ headers: { 'Content-Type': `${contentType(r)}; charset=koi8-r` }, body: encodeBody(r, r.valid) }),
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
  },
  {
    name: 'JSON nested 3000 deep in a field',
    send: (r) => ({ headers: { 'Content-Type': 'application/json' }, body: `{"${r.textField}":${deep(3000)}}` }),
    status: 400,
    code: 'INVALID_ARGUMENT',
    json: true,
  },
  {
    name: 'a lone UTF-16 surrogate in a text field',
    send: (r) => ({
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ ...r.valid, [r.textField]: 'abc' }).replace('"abc"', '"ab\\ud800c"'),
    }),
    status: 400,
    code: 'INVALID_ARGUMENT',
    json: true,
  },
];

function contentType(route: BodyRoute): string {
  return route.type === 'json' ? 'application/json' : 'application/x-www-form-urlencoded';
}

function encodeBody(route: BodyRoute, fields: Record<string, unknown>): string {
  return route.type === 'json'
    ? JSON.stringify(fields)
    : new URLSearchParams(Object.entries(fields).map(([k, v]): [string, string] => [k, String(v)])).toString();
}

describe('hostile bodies on every route that reads one', () => {
  let nextUser = 90_000;
  const cases = BODY_ROUTES.flatMap((route) =>
    HOSTILE.filter((h) => !h.json || route.type === 'json').map(
      (hostile) => [`${route.method.toUpperCase()} ${route.path}`, hostile.name, route, hostile] as const,
    ),
  );

  it.each(cases)('when %s gets %s then the envelope says why and nothing is written', async (_route, _name, route, hostile) => {
    const userId = nextUser++;
    const { headers, body } = hostile.send(route);
    let req = request(stack.app)[route.method](route.path).set('Content-Type', contentType(route)).set(headers);
    if (route.token) req = req.set('x-token', stack.token(userId));
    const res = await req.send(body);
    expect(res.status).toBe(hostile.status);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body).toMatchObject({ code: hostile.code, msg: expect.any(String), requestId: res.headers['x-request-id'] });
    if (hostile.name.includes('surrogate')) expect(res.body.error).toEqual({ [route.textField]: expect.stringContaining(route.textField) });
    expect((await stack.srv.order.CartItemList({ id: userId })).data).toEqual([]);
    expect((await stack.srv.order.OrderList({ userId, pages: 1, pagePerNums: 10 })).total).toBe(0);
  });
});

describe('requests Node itself refuses, and doubled credentials', () => {
  let server: http.Server;
  let base: string;
  beforeAll(async () => {
    server = http.createServer(stack.app);
    server.on('clientError', clientErrorHandler(silentLogger));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  /** A GET with raw header lines, as a client or proxy might really send them (twice, huge). */
  function rawGet(path: string, headerLines: string[]): Promise<{ status: number; headers: string; body: string }> {
    return new Promise((resolve, reject) => {
      const socket = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1', () => {
        socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n${headerLines.map((l) => `${l}\r\n`).join('')}\r\n`);
      });
      let raw = '';
      socket.on('data', (chunk) => {
        raw += chunk.toString();
      });
      socket.on('error', reject);
      socket.on('end', () => {
        const [head = '', body = ''] = raw.split('\r\n\r\n');
        resolve({ status: Number(head.split(' ')[1]), headers: head, body });
      });
    });
  }

  it.each([
    ['Authorization', (t: string) => [`Authorization: Bearer ${t}`, 'Authorization: Bearer not-mine']],
    ['x-token', (t: string) => [`x-token: ${t}`, 'x-token: not-mine']],
    ['x-token, the same token twice', (t: string) => [`x-token: ${t}`, `x-token: ${t}`]],
  ])('when %s comes twice then 401 未登录, whichever would be valid', async (_case, lines) => {
    const res = await rawGet('/o/v1/shopcarts', lines(stack.token(91_001)));
    expect(res.status).toBe(401);
    expect(JSON.parse(res.body)).toMatchObject({ msg: '未登录', code: 'UNAUTHENTICATED' });
  });

  it("when the headers are over Node's limit then 431 in the envelope, not a bare status line", async () => {
    const res = await rawGet('/o/v1/shopcarts', [`x-filler: ${'a'.repeat(20_000)}`]);
    expect(res.status).toBe(431);
    expect(res.headers).toMatch(/content-type: application\/json/i);
    expect(JSON.parse(res.body)).toEqual({ msg: '请求头过大', code: 'HEADERS_TOO_LARGE', requestId: expect.any(String) });
  });

  it('when a JSON body really is gzip-compressed then it is read like any other', async () => {
    const res = await fetch(`${base}/o/v1/shopcarts`, {
      method: 'POST',
      headers: { 'x-token': stack.token(91_002), 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' },
      body: zlib.gzipSync(JSON.stringify({ goods: 1, nums: 1 })),
    });
    expect({ status: res.status, body: await res.json() }).toEqual({ status: 200, body: { id: expect.any(Number) } });
  });

  it('when the request line is not HTTP then 400 in the envelope', async () => {
    const res = await new Promise<string>((resolve) => {
      const socket = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1', () => socket.write('HELLO\r\n\r\n'));
      let raw = '';
      socket.on('data', (c) => {
        raw += c.toString();
      });
      socket.on('end', () => resolve(raw));
    });
    expect(res).toMatch(/^HTTP\/1\.1 400 /);
    expect(JSON.parse(res.split('\r\n\r\n')[1] ?? '')).toMatchObject({ code: 'INVALID_ARGUMENT' });
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
      .set('Access-Control-Request-Headers', 'x-token,content-type,idempotency-key,traceparent,tracestate');
    expect(res.status).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe('*');
    const allowed = (res.headers['access-control-allow-headers'] as string).toLowerCase().split(',');
    for (const h of ['content-type', 'x-token', 'authorization', 'idempotency-key', 'x-request-id', 'traceparent', 'tracestate']) {
      expect(allowed).toContain(h);
    }
    expect(res.headers['access-control-allow-methods']).toBe('GET,POST,PUT,PATCH,DELETE,OPTIONS');
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
      const req = request(stack.app).get('/o/v1/nothing-here');
      const res = await (sent === undefined ? req : req.set('X-Request-Id', sent));
      expect(res.headers['x-request-id']).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    }
  });
});
