// The error vocabulary and its tables, then the HTTP envelope around them: error handler, unknown routes,
// request ids and CORS, over a tiny express app with the real middlewares.
import { status as GrpcStatus } from '@grpc/grpc-js';
import express from 'express';
import pino from 'pino';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import type { ErrorCode } from '../../global/errors';
import { AppError, ERROR_CODES, fromSrvError, httpStatusOf, toAppError } from '../../global/errors';
import type { Logger } from '../../global/logger';
import { SrvCallError } from '../../global/srv-conn';
import { ErrorReason, type SrvName } from '../../global/wire';
import { corsPolicy } from '../../middlewares/cors';
import { errorHandler, notFound } from '../../middlewares/error-handler';
import { requestId, requestIdOf } from '../../middlewares/request-id';

describe('httpStatusOf', () => {
  it.each<[ErrorCode, number]>([
    ['INVALID_ARGUMENT', 400],
    ['UNAUTHENTICATED', 401],
    ['PERMISSION_DENIED', 403],
    ['NOT_FOUND', 404],
    ['CONFLICT', 409],
    ['OUT_OF_STOCK', 409],
    ['PAYLOAD_TOO_LARGE', 413],
    ['UNSUPPORTED_MEDIA_TYPE', 415],
    ['UNPROCESSABLE', 422],
    ['HEADERS_TOO_LARGE', 431],
    ['UNAVAILABLE', 503],
    ['OVERLOADED', 503],
    ['TIMEOUT', 504],
    ['INTERNAL', 500],
  ])('when the code is %s then the status is %i', (code, status) => {
    expect(httpStatusOf(code)).toBe(status);
    expect(new AppError(code, 'x').status).toBe(status);
  });

  it('when a code is in the vocabulary then the table above covers it', () => {
    expect([...ERROR_CODES].sort()).toStrictEqual(
      [
        'INVALID_ARGUMENT',
        'UNAUTHENTICATED',
        'PERMISSION_DENIED',
        'NOT_FOUND',
        'CONFLICT',
        'OUT_OF_STOCK',
        'PAYLOAD_TOO_LARGE',
        'UNSUPPORTED_MEDIA_TYPE',
        'UNPROCESSABLE',
        'HEADERS_TOO_LARGE',
        'UNAVAILABLE',
        'OVERLOADED',
        'TIMEOUT',
        'INTERNAL',
      ].sort(),
    );
  });
});

interface AppErrorShape {
  status: number;
  code: ErrorCode;
  msg: string;
}
const toShape = (e: AppError): AppErrorShape => ({ status: e.status, code: e.code, msg: e.msg });

describe('fromSrvError: the gRPC→HTTP table', () => {
  it.each<[keyof typeof GrpcStatus, string, number, ErrorCode, string]>([
    ['OK', '', 500, 'INTERNAL', '内部错误'],
    ['CANCELLED', 'caller went away', 500, 'INTERNAL', '内部错误'],
    ['UNKNOWN', 'boom', 500, 'INTERNAL', '内部错误'],
    ['INVALID_ARGUMENT', '商品数量必须大于0', 400, 'INVALID_ARGUMENT', '商品数量必须大于0'],
    ['INVALID_ARGUMENT', '', 400, 'INVALID_ARGUMENT', '参数错误'],
    ['DEADLINE_EXCEEDED', 'Deadline exceeded after 5.001s', 504, 'TIMEOUT', '服务响应超时'],
    ['NOT_FOUND', '订单记录不存在', 404, 'NOT_FOUND', '订单记录不存在'],
    ['NOT_FOUND', '', 404, 'NOT_FOUND', '资源不存在'],
    ['ALREADY_EXISTS', '订单已存在', 409, 'CONFLICT', '订单已存在'],
    ['PERMISSION_DENIED', 'not yours', 403, 'PERMISSION_DENIED', '无权限'],
    ['RESOURCE_EXHAUSTED', '库存不足', 409, 'OUT_OF_STOCK', '库存不足'],
    ['RESOURCE_EXHAUSTED', '库存不足: goods 3', 409, 'OUT_OF_STOCK', '库存不足'],
    ['RESOURCE_EXHAUSTED', 'Received message larger than max (5000000 vs. 4194304)', 500, 'INTERNAL', '内部错误'],
    ['FAILED_PRECONDITION', '订单已支付', 409, 'CONFLICT', '订单已支付'],
    ['ABORTED', '并发冲突，请重试', 409, 'CONFLICT', '并发冲突，请重试'],
    ['OUT_OF_RANGE', '页码超出范围', 400, 'INVALID_ARGUMENT', '页码超出范围'],
    ['UNIMPLEMENTED', 'Method not found', 500, 'INTERNAL', '内部错误'],
    ['INTERNAL', 'SQLITE_BUSY: database is locked', 500, 'INTERNAL', '内部错误'],
    ['UNAVAILABLE', 'No connection established', 503, 'UNAVAILABLE', '订单服务不可用'],
    ['DATA_LOSS', 'torn page', 500, 'INTERNAL', '内部错误'],
    ['UNAUTHENTICATED', 'bad credentials', 401, 'UNAUTHENTICATED', '未登录'],
  ])('when the order srv answers %s "%s" then %i %s "%s"', (grpcName, details, status, code, msg) => {
    const srvError = new SrvCallError('order', GrpcStatus[grpcName], details);
    const appError = fromSrvError(srvError);
    expect({ status: appError.status, code: appError.code, msg: appError.msg }).toStrictEqual({ status, code, msg });
    expect(appError.cause).toBe(srvError);
  });

  it('when every gRPC status is mapped then each lands on a code of the vocabulary', () => {
    const codes = Object.values(GrpcStatus).filter((v): v is GrpcStatus => typeof v === 'number');
    expect(codes).toHaveLength(17);
    for (const code of codes) {
      expect(ERROR_CODES).toContain(fromSrvError(new SrvCallError('goods', code, 'x')).code);
    }
  });

  it.each<[SrvName, string]>([
    ['goods', '商品服务不可用'],
    ['inventory', '库存服务不可用'],
    ['order', '订单服务不可用'],
  ])('when the %s srv is unreachable then 503 "%s"', (srv, msg) => {
    const appError = fromSrvError(new SrvCallError(srv, GrpcStatus.UNAVAILABLE, 'connect ECONNREFUSED 127.0.0.1:50051'));
    expect({ status: appError.status, code: appError.code, msg: appError.msg }).toStrictEqual({
      status: 503,
      code: 'UNAVAILABLE',
      msg,
    });
  });

  it('when the order srv relays "库存服务不可用" then the message names inventory, not order', () => {
    const appError = fromSrvError(new SrvCallError('order', GrpcStatus.UNAVAILABLE, '库存服务不可用'));
    expect({ status: appError.status, code: appError.code, msg: appError.msg }).toStrictEqual({
      status: 503,
      code: 'UNAVAILABLE',
      msg: '库存服务不可用',
    });
  });

  it('when UNAVAILABLE details merely mention the phrase mid-sentence then the srv is named instead', () => {
    const appError = fromSrvError(new SrvCallError('goods', GrpcStatus.UNAVAILABLE, '库存服务不可用, retrying'));
    expect(appError.msg).toBe('商品服务不可用');
  });
});

describe('fromSrvError: error-reason wins over the message text', () => {
  const reasoned = (srv: SrvName, code: GrpcStatus, details: string, reason: string, down?: SrvName) =>
    fromSrvError(new SrvCallError(srv, code, details, reason, down));

  it.each<[string, AppErrorShape, AppErrorShape]>([
    [
      'OUT_OF_STOCK whatever the text says',
      toShape(reasoned('order', GrpcStatus.RESOURCE_EXHAUSTED, 'insufficient stock for goods 3', ErrorReason.OutOfStock)),
      { status: 409, code: 'OUT_OF_STOCK', msg: '库存不足' },
    ],
    [
      'SRV_UNAVAILABLE naming inventory, relayed by the order srv in any words',
      toShape(reasoned('order', GrpcStatus.UNAVAILABLE, 'downstream gone', ErrorReason.SrvUnavailable, 'inventory')),
      { status: 503, code: 'UNAVAILABLE', msg: '库存服务不可用' },
    ],
    [
      'SRV_UNAVAILABLE naming goods',
      toShape(reasoned('order', GrpcStatus.UNAVAILABLE, '商品服务不可用', ErrorReason.SrvUnavailable, 'goods')),
      { status: 503, code: 'UNAVAILABLE', msg: '商品服务不可用' },
    ],
    [
      'CART_OVER_STOCK: the cart would hold more than the stock, the request is at fault',
      toShape(reasoned('order', GrpcStatus.RESOURCE_EXHAUSTED, '库存不足', ErrorReason.CartOverStock)),
      { status: 400, code: 'INVALID_ARGUMENT', msg: '库存不足' },
    ],
    [
      'a reason other than OUT_OF_STOCK on RESOURCE_EXHAUSTED, even with the words 库存不足',
      toShape(reasoned('order', GrpcStatus.RESOURCE_EXHAUSTED, '库存不足', 'QUOTA')),
      { status: 500, code: 'INTERNAL', msg: '内部错误' },
    ],
    [
      'a reason but no srv named on UNAVAILABLE: the srv that answered',
      toShape(reasoned('order', GrpcStatus.UNAVAILABLE, '库存服务不可用', ErrorReason.SrvUnavailable)),
      { status: 503, code: 'UNAVAILABLE', msg: '订单服务不可用' },
    ],
  ])('when the srv sends %s then the answer follows the reason', (_case, actual, expected) => {
    expect(actual).toStrictEqual(expected);
  });
});

describe('toAppError', () => {
  it('when given an AppError then it passes through unchanged', () => {
    const original = new AppError('CONFLICT', '订单已支付', { headers: { 'Retry-After': '1' } });
    expect(toAppError(original)).toBe(original);
  });

  it('when given a SrvCallError then the gRPC table applies', () => {
    const appError = toAppError(new SrvCallError('inventory', GrpcStatus.RESOURCE_EXHAUSTED, '库存不足'));
    expect({ status: appError.status, code: appError.code, msg: appError.msg }).toStrictEqual({
      status: 409,
      code: 'OUT_OF_STOCK',
      msg: '库存不足',
    });
  });

  it.each<[string, unknown]>([
    ['a plain Error', new Error('SELECT * FROM secrets failed')],
    ['a thrown string', 'db password is hunter2'],
    ['undefined', undefined],
    ['an object with a 4xx status but no body-parser type', { status: 404, message: 'upstream 404' }],
    ['a body-parser 5xx', Object.assign(new Error('stream not readable'), { status: 500, type: 'stream.not.readable' })],
  ])('when given %s then 500 INTERNAL 内部错误 keeping the original as the cause', (_case, thrown) => {
    const appError = toAppError(thrown);
    expect({ status: appError.status, code: appError.code, msg: appError.msg }).toStrictEqual({
      status: 500,
      code: 'INTERNAL',
      msg: '内部错误',
    });
    expect(appError.cause).toBe(thrown);
  });
});

/** A pino logger writing parsed lines into an array, to check what the error handler logs. */
function memoryLogger(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  return { logger, lines };
}

function envelopeApp(logger: Logger) {
  const app = express();
  app.use(requestId());
  app.use(corsPolicy());
  app.post('/json', express.json({ limit: '100b' }), (_req, res) => {
    res.json({ ok: true });
  });
  app.post('/form', express.urlencoded({ extended: false, parameterLimit: 3 }), (_req, res) => {
    res.json({ ok: true });
  });
  app.get('/orders/:id', (_req, res) => {
    res.json({ ok: true });
  });
  app.get('/srv-down', () => {
    throw new SrvCallError('inventory', GrpcStatus.UNAVAILABLE, 'connect ECONNREFUSED 127.0.0.1:50052');
  });
  app.get('/bug', async () => {
    throw new Error('secret internal detail');
  });
  app.get('/busy', () => {
    throw new AppError('CONFLICT', '请求处理中', { headers: { 'Retry-After': '2' } });
  });
  app.get('/not-found', () => {
    throw new SrvCallError('order', GrpcStatus.NOT_FOUND, '订单记录不存在');
  });
  app.get('/request-id', (_req, res) => {
    res.json({ requestId: requestIdOf(res) });
  });
  app.get('/half-sent', (_req, res, next) => {
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    res.write('partial');
    next(new Error('failed mid-stream'));
  });
  app.use(notFound());
  app.use(errorHandler(logger));
  return app;
}

describe('errorHandler and notFound', () => {
  const RID = 'err-test-1';

  it('when JSON is malformed then 400 请求体不是合法的JSON in the envelope', async () => {
    const { logger } = memoryLogger();
    const res = await request(envelopeApp(logger)).post('/json').set('X-Request-Id', RID).type('json').send('{"goods": 1,');
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.body).toStrictEqual({ msg: '请求体不是合法的JSON', code: 'INVALID_ARGUMENT', requestId: RID });
  });

  it('when the JSON body is over the limit then 413 请求体过大', async () => {
    const { logger } = memoryLogger();
    const res = await request(envelopeApp(logger))
      .post('/json')
      .set('X-Request-Id', RID)
      .send({ address: 'x'.repeat(200) });
    expect(res.status).toBe(413);
    expect(res.body).toStrictEqual({ msg: '请求体过大', code: 'PAYLOAD_TOO_LARGE', requestId: RID });
  });

  it('when a form body has too many fields then 413 请求体过大', async () => {
    const { logger } = memoryLogger();
    const res = await request(envelopeApp(logger)).post('/form').set('X-Request-Id', RID).type('form').send('a=1&b=2&c=3&d=4');
    expect(res.status).toBe(413);
    expect(res.body).toStrictEqual({ msg: '请求体过大', code: 'PAYLOAD_TOO_LARGE', requestId: RID });
  });

  it.each([
    ['an unsupported charset', { 'Content-Type': 'application/json; charset=iso-8859-1' }],
    ['an unsupported content encoding', { 'Content-Type': 'application/json', 'Content-Encoding': 'compress' }],
  ])('when the body has %s then 415 不支持的请求体编码', async (_case, headers) => {
    const { logger } = memoryLogger();
    const res = await request(envelopeApp(logger)).post('/json').set('X-Request-Id', RID).set(headers).send('{}');
    expect(res.status).toBe(415);
    expect(res.body).toStrictEqual({ msg: '不支持的请求体编码', code: 'UNSUPPORTED_MEDIA_TYPE', requestId: RID });
  });

  it.each(['gzip', 'deflate', 'br'])(
    'when the body says Content-Encoding %s but is not compressed then 400 请求体无法解析',
    async (encoding) => {
      const { logger } = memoryLogger();
      const res = await request(envelopeApp(logger))
        .post('/json')
        .set('X-Request-Id', RID)
        .set('Content-Type', 'application/json')
        .set('Content-Encoding', encoding)
        .send('{}');
      expect(res.status).toBe(400);
      expect(res.body).toStrictEqual({ msg: '请求体无法解析', code: 'INVALID_ARGUMENT', requestId: RID });
    },
  );

  it('when a path segment has broken %-encoding then 400 url格式出错', async () => {
    const { logger } = memoryLogger();
    const res = await request(envelopeApp(logger)).get('/orders/%E0%A4%A').set('X-Request-Id', RID);
    expect(res.status).toBe(400);
    expect(res.body).toStrictEqual({ msg: 'url格式出错', code: 'INVALID_ARGUMENT', requestId: RID });
  });

  it('when no route matches then 404 资源不存在 in the envelope', async () => {
    const { logger } = memoryLogger();
    const res = await request(envelopeApp(logger)).delete('/o/v1/nothing').set('X-Request-Id', RID);
    expect(res.status).toBe(404);
    expect(res.body).toStrictEqual({ msg: '资源不存在', code: 'NOT_FOUND', requestId: RID });
  });

  it('when a srv answers NOT_FOUND then 404 with the srv message', async () => {
    const { logger } = memoryLogger();
    const res = await request(envelopeApp(logger)).get('/not-found').set('X-Request-Id', RID);
    expect(res.status).toBe(404);
    expect(res.body).toStrictEqual({ msg: '订单记录不存在', code: 'NOT_FOUND', requestId: RID });
  });

  it('when an AppError carries headers then the response has them', async () => {
    const { logger } = memoryLogger();
    const res = await request(envelopeApp(logger)).get('/busy').set('X-Request-Id', RID);
    expect(res.status).toBe(409);
    expect(res.headers['retry-after']).toBe('2');
    expect(res.body).toStrictEqual({ msg: '请求处理中', code: 'CONFLICT', requestId: RID });
  });

  it('when a handler throws an unknown error then 500 内部错误 without any detail', async () => {
    const { logger } = memoryLogger();
    const res = await request(envelopeApp(logger)).get('/bug').set('X-Request-Id', RID);
    expect(res.status).toBe(500);
    expect(res.body).toStrictEqual({ msg: '内部错误', code: 'INTERNAL', requestId: RID });
    expect(res.text).not.toContain('secret internal detail');
  });

  it('when a handler throws an unknown error then it is logged at error level with the cause and request id', async () => {
    const { logger, lines } = memoryLogger();
    await request(envelopeApp(logger)).get('/bug').set('X-Request-Id', RID);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 50,
      requestId: RID,
      method: 'GET',
      path: '/bug',
      status: 500,
      code: 'INTERNAL',
      err: { message: 'secret internal detail' },
    });
  });

  it('when a srv is down then 503 names it and the log has srv, gRPC code and details', async () => {
    const { logger, lines } = memoryLogger();
    const res = await request(envelopeApp(logger)).get('/srv-down').set('X-Request-Id', RID);
    expect(res.status).toBe(503);
    expect(res.body).toStrictEqual({ msg: '库存服务不可用', code: 'UNAVAILABLE', requestId: RID });
    expect(res.text).not.toContain('ECONNREFUSED');
    expect(lines[0]).toMatchObject({
      level: 50,
      requestId: RID,
      srv: 'inventory',
      grpcCode: 'UNAVAILABLE',
      details: 'connect ECONNREFUSED 127.0.0.1:50052',
    });
  });

  it('when a 4xx happens then it is logged at info level without headers or body', async () => {
    const { logger, lines } = memoryLogger();
    await request(envelopeApp(logger))
      .post('/json')
      .set('X-Request-Id', RID)
      .set('x-token', 'eyJ.secret.token')
      .type('json')
      .send('{"mobile":"13800138000",');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 30, requestId: RID, status: 400, code: 'INVALID_ARGUMENT' });
    const line = JSON.stringify(lines[0]);
    expect(line).not.toContain('secret');
    expect(line).not.toContain('13800138000');
  });

  it('when the response had already started then the handler logs and lets express cut the connection', async () => {
    const { logger, lines } = memoryLogger();
    const outcome = await request(envelopeApp(logger))
      .get('/half-sent')
      .then(
        (res) => ({ text: res.text }),
        (err: unknown) => ({ failed: err instanceof Error }),
      );
    // Either the client sees the truncated stream fail, or just the part written before the error: never an envelope.
    expect([{ failed: true }, { text: 'partial' }]).toContainEqual(outcome);
    expect(lines[0]).toMatchObject({ level: 50, path: '/half-sent', err: { message: 'failed mid-stream' } });
  });
});

describe('requestId', () => {
  const { logger } = memoryLogger();
  const app = envelopeApp(logger);
  const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

  it.each([
    ['a UUID', '3f1c9a52-0b7e-4d1e-9f4a-2b8c6d0e1f23'],
    ['letters, digits and ._:-', 'web.1:req_2-x'],
    ['exactly 128 characters', 'a'.repeat(128)],
    ['one character', 'z'],
  ])('when the caller sends %s then it is kept and echoed', async (_case, id) => {
    const res = await request(app).get('/request-id').set('X-Request-Id', id);
    expect(res.headers['x-request-id']).toBe(id);
    expect(res.body).toStrictEqual({ requestId: id });
  });

  it.each([
    ['nothing', undefined],
    ['an empty value', ''],
    ['129 characters', 'a'.repeat(129)],
    ['a space', 'abc def'],
    ['a quote', 'abc"def'],
    ['a slash', 'a/b'],
    ['a non-ASCII byte', 'caf\u00e9'],
  ])('when the caller sends %s then a fresh UUID is used', async (_case, id) => {
    const req = request(app).get('/request-id');
    if (id !== undefined) req.set('X-Request-Id', id);
    const res = await req;
    expect(res.headers['x-request-id']).toMatch(UUID);
    expect(res.body).toStrictEqual({ requestId: res.headers['x-request-id'] });
  });

  it('when two requests arrive without ids then they get different ids', async () => {
    const [a, b] = await Promise.all([request(app).get('/request-id'), request(app).get('/request-id')]);
    expect(a.headers['x-request-id']).not.toBe(b.headers['x-request-id']);
  });

  it('when an error response is sent then its body and header carry the same id', async () => {
    const res = await request(app).get('/nope');
    expect(res.status).toBe(404);
    expect(res.body.requestId).toMatch(UUID);
    expect(res.headers['x-request-id']).toBe(res.body.requestId);
  });
});

describe('corsPolicy', () => {
  const { logger } = memoryLogger();
  const app = envelopeApp(logger);

  it('when a browser sends a preflight then 204 with the allowed origin, methods and headers', async () => {
    const res = await request(app)
      .options('/o/v1/shopcarts/1')
      .set('Origin', 'http://localhost:8080')
      .set('Access-Control-Request-Method', 'PATCH')
      .set('Access-Control-Request-Headers', 'x-token, content-type');
    expect(res.status).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(res.headers['access-control-allow-methods']).toBe('GET,POST,PUT,PATCH,DELETE,OPTIONS');
    expect(res.headers['access-control-allow-headers']).toBe(
      'Content-Type,x-token,Authorization,Idempotency-Key,X-Request-Id,traceparent,tracestate',
    );
    expect(res.text).toBe('');
  });

  it('when a browser makes a request then the id, replay and back-off headers are readable', async () => {
    const res = await request(app).get('/request-id').set('Origin', 'https://shop.example');
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(res.headers['access-control-expose-headers']).toBe('X-Request-Id,Idempotent-Replayed,Retry-After');
  });

  it('when an error response goes to a browser then it carries the CORS headers too', async () => {
    const res = await request(app).get('/bug').set('Origin', 'https://shop.example');
    expect(res.status).toBe(500);
    expect(res.headers['access-control-allow-origin']).toBe('*');
  });
});
