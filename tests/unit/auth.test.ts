// authenticate / requireAdmin / signToken with real HS256 tokens over HTTP.
import { generateKeyPairSync } from 'node:crypto';
import express from 'express';
import jwt from 'jsonwebtoken';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../global/logger';
import { authenticate, principalOf, requireAdmin, signToken } from '../../middlewares/auth';
import { errorHandler, notFound } from '../../middlewares/error-handler';
import { requestId } from '../../middlewares/request-id';

const KEY = 'unit-test-jwt-key-0123456789abcdef';
const RID = 'auth-test-1';
const now = () => Math.floor(Date.now() / 1000);

function buildApp() {
  const app = express();
  app.use(requestId());
  app.get('/me', authenticate(KEY), (_req, res) => {
    res.json(principalOf(res));
  });
  app.get('/admin', authenticate(KEY), requireAdmin(), (_req, res) => {
    res.json({ ok: true });
  });
  app.get('/forgot-auth', (_req, res) => {
    res.json(principalOf(res));
  });
  app.use(notFound());
  app.use(errorHandler(silentLogger));
  return app;
}

const app = buildApp();

/** Signs a payload the way the course's user-web does, with any claims and options the case needs. */
function sign(payload: object, options: jwt.SignOptions = {}, key: string = KEY): string {
  return jwt.sign(payload, key, { algorithm: 'HS256', noTimestamp: true, ...options });
}

const base64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

function unauthenticated(msg: string) {
  return { msg, code: 'UNAUTHENTICATED', requestId: RID };
}

async function me(headers: Record<string, string>) {
  return request(app).get('/me').set('X-Request-Id', RID).set(headers);
}

describe('authenticate: where the token comes from', () => {
  const token = signToken(KEY, { userId: 7, nickName: 'bobby' });
  const principal = { userId: 7, nickName: 'bobby', role: 'user' };

  it.each([
    ['x-token', { 'x-token': token }],
    ['Authorization: Bearer', { Authorization: `Bearer ${token}` }],
    ['Authorization: JWT', { Authorization: `JWT ${token}` }],
    ['a lower-case scheme', { Authorization: `bearer ${token}` }],
    ['x-token beside a bad Authorization', { 'x-token': token, Authorization: 'Bearer garbage' }],
  ])('when the token is sent as %s then the principal is set', async (_case, headers) => {
    const res = await me(headers);
    expect(res.status).toBe(200);
    expect(res.body).toStrictEqual(principal);
  });

  it.each([
    ['no header at all', {}],
    ['an empty x-token', { 'x-token': '' }],
    ['a Basic Authorization', { Authorization: 'Basic dXNlcjpwYXNz' }],
    ['a Bearer without a token', { Authorization: 'Bearer ' }],
  ])('when there is %s then 401 请登录', async (_case, headers) => {
    const res = await me(headers);
    expect(res.status).toBe(401);
    expect(res.body).toStrictEqual(unauthenticated('请登录'));
  });
});

describe('authenticate: which tokens are refused', () => {
  it('when the token has expired then 401 授权已过期', async () => {
    const res = await me({ 'x-token': signToken(KEY, { userId: 7, expiresInSeconds: -60 }) });
    expect(res.status).toBe(401);
    expect(res.body).toStrictEqual(unauthenticated('授权已过期'));
  });

  const { privateKey: rsaKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const claims = { ID: 7, NickName: 'bobby', AuthorityId: 1, iss: 'imooc' };
  const exp = () => now() + 3600;

  it.each<[string, () => string]>([
    ['it is signed with another key', () => sign({ ...claims, exp: exp() }, {}, 'another-key-0123456789abcdef')],
    ['it is expired and signed with another key', () => sign({ ...claims, exp: now() - 60 }, {}, 'another-key-0123456789')],
    ['it uses alg none', () => `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url({ ...claims, exp: exp() })}.`],
    ['it is HS512 with the right key', () => sign({ ...claims, exp: exp() }, { algorithm: 'HS512' })],
    ['it is HS384 with the right key', () => sign({ ...claims, exp: exp() }, { algorithm: 'HS384' })],
    ['it is RS256', () => jwt.sign({ ...claims, exp: exp() }, rsaKey, { algorithm: 'RS256' })],
    [
      'its payload was edited after signing',
      () => {
        const [header, , signature] = sign({ ...claims, exp: exp() }).split('.');
        return `${header}.${base64url({ ...claims, ID: 1, exp: exp() })}.${signature}`;
      },
    ],
    ['it has no ID', () => sign({ NickName: 'bobby', AuthorityId: 1, exp: exp() })],
    ['it has no exp (it would never expire)', () => sign(claims)],
    ['its ID is a numeric string', () => sign({ ...claims, ID: '7', exp: exp() })],
    ['its ID is zero', () => sign({ ...claims, ID: 0, exp: exp() })],
    ['its ID is negative', () => sign({ ...claims, ID: -7, exp: exp() })],
    ['its ID is a float', () => sign({ ...claims, ID: 7.5, exp: exp() })],
    ['its ID exceeds int32', () => sign({ ...claims, ID: 2147483648, exp: exp() })],
    ['its nbf is in the future', () => sign({ ...claims, exp: exp(), nbf: now() + 600 })],
    ['it is garbage', () => 'not-a-token'],
    ['it has three garbage parts', () => 'a.b.c'],
    ['its payload is not JSON', () => `${base64url({ alg: 'HS256', typ: 'JWT' })}.bm90IGpzb24.sig`],
  ])('when %s then 401 未登录', async (_case, makeToken) => {
    const res = await me({ 'x-token': makeToken() });
    expect(res.status).toBe(401);
    expect(res.body).toStrictEqual(unauthenticated('未登录'));
  });
});

describe('authenticate: the principal', () => {
  it.each([
    ['AuthorityId 2', { AuthorityId: 2 }, 'admin'],
    ['AuthorityId 1', { AuthorityId: 1 }, 'user'],
    ['AuthorityId 3 (the course let it see every order)', { AuthorityId: 3 }, 'user'],
    ['AuthorityId "2" as a string', { AuthorityId: '2' }, 'user'],
    ['no AuthorityId', {}, 'user'],
  ])('when the token has %s then the role is %s', async (_case, extra, role) => {
    const res = await me({ 'x-token': sign({ ID: 9, NickName: 'n', exp: now() + 60, ...extra }) });
    expect(res.status).toBe(200);
    expect(res.body).toStrictEqual({ userId: 9, nickName: 'n', role });
  });

  it.each([
    ['no NickName', { ID: 9 }],
    ['a non-string NickName', { ID: 9, NickName: 42 }],
  ])('when the token has %s then nickName is empty', async (_case, payload) => {
    const res = await me({ 'x-token': sign({ ...payload, exp: now() + 60 }) });
    expect(res.status).toBe(200);
    expect(res.body).toStrictEqual({ userId: 9, nickName: '', role: 'user' });
  });

  it('when a route forgot authenticate() then principalOf fails closed with 500', async () => {
    const res = await request(app).get('/forgot-auth').set('X-Request-Id', RID);
    expect(res.status).toBe(500);
    expect(res.body).toStrictEqual({ msg: '内部错误', code: 'INTERNAL', requestId: RID });
  });
});

describe('requireAdmin', () => {
  it('when the caller is an admin then the route runs', async () => {
    const res = await request(app)
      .get('/admin')
      .set('x-token', signToken(KEY, { userId: 1, admin: true }));
    expect(res.status).toBe(200);
    expect(res.body).toStrictEqual({ ok: true });
  });

  it('when the caller is a user then 403 无权限', async () => {
    const res = await request(app)
      .get('/admin')
      .set('X-Request-Id', RID)
      .set('x-token', signToken(KEY, { userId: 2 }));
    expect(res.status).toBe(403);
    expect(res.body).toStrictEqual({ msg: '无权限', code: 'PERMISSION_DENIED', requestId: RID });
  });

  it('when there is no token then 401 comes before 403', async () => {
    const res = await request(app).get('/admin').set('X-Request-Id', RID);
    expect(res.status).toBe(401);
    expect(res.body).toStrictEqual(unauthenticated('请登录'));
  });
});

describe('signToken', () => {
  it('when signing then the token has exactly the course user-web claims, HS256', () => {
    const before = now();
    const token = signToken(KEY, { userId: 5, nickName: '慕课', admin: true, expiresInSeconds: 120 });
    const decoded = jwt.decode(token, { complete: true });
    expect(decoded?.header).toStrictEqual({ alg: 'HS256', typ: 'JWT' });
    const payload = decoded?.payload as Record<string, unknown>;
    expect(Object.keys(payload).sort()).toStrictEqual(['AuthorityId', 'ID', 'NickName', 'exp', 'iss', 'nbf']);
    expect(payload).toMatchObject({ ID: 5, NickName: '慕课', AuthorityId: 2, iss: 'imooc' });
    expect(payload.exp).toBeGreaterThanOrEqual(before + 120);
    expect(payload.exp).toBeLessThanOrEqual(now() + 120);
    expect(payload.nbf).toBeLessThan(before);
  });

  it('when no options beyond userId are given then a 30-day user token with an empty nickname', () => {
    const payload = jwt.verify(signToken(KEY, { userId: 5 }), KEY) as Record<string, number | string>;
    expect(payload).toMatchObject({ ID: 5, NickName: '', AuthorityId: 1 });
    expect(Number(payload.exp) - now()).toBeGreaterThan(30 * 24 * 3600 - 10);
  });

  it('when a token is signed then authenticate accepts it immediately', async () => {
    const res = await me({ 'x-token': signToken(KEY, { userId: 3, nickName: 'x', admin: true }) });
    expect(res.status).toBe(200);
    expect(res.body).toStrictEqual({ userId: 3, nickName: 'x', role: 'admin' });
  });
});

describe('authenticate: a token verified once is remembered until it expires', () => {
  it('when the same token comes again then it is accepted from memory, and refused as expired once its exp has passed', async () => {
    let clock = Date.now();
    const remembering = express();
    remembering.use(requestId());
    remembering.get(
      '/me',
      authenticate(KEY, () => clock),
      (_req, res) => void res.json(principalOf(res)),
    );
    remembering.use(errorHandler(silentLogger));
    const token = signToken(KEY, { userId: 8, expiresInSeconds: 60 });
    const ask = () => request(remembering).get('/me').set('X-Request-Id', RID).set('x-token', token);

    expect((await ask()).body).toMatchObject({ userId: 8 });
    expect((await ask()).body).toMatchObject({ userId: 8 });
    clock += 64_000; // within exp plus the 5 s tolerance
    expect((await ask()).status).toBe(200);
    clock += 2000; // past it
    const late = await ask();
    expect({ status: late.status, body: late.body }).toEqual({ status: 401, body: unauthenticated('授权已过期') });
  });

  it('when a token is forged then it is refused every time, however often it comes', async () => {
    const forged = sign({ ID: 1, AuthorityId: 2, exp: now() + 60 }, {}, 'another-key-0123456789abcdef');
    for (let i = 0; i < 3; i++) expect((await me({ 'x-token': forged })).body).toEqual(unauthenticated('未登录'));
  });
});
