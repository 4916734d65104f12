// answerJsonDirectly: the gateway's res.json answers byte for byte what Express's own does, on the common path
// and on each path it hands back to Express (HEAD, conditional requests, bodiless statuses, a chosen type).
import express from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { answerJsonDirectly } from '../../middlewares/json-response';

const BODY = {
  total: 2,
  data: [
    { id: 1, name: '北京 <&>' },
    { id: 2, name: null },
  ],
};

function appWith(direct: boolean) {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  if (direct) answerJsonDirectly(app);
  app.all('/json', (_req, res) => void res.json(BODY));
  app.get('/status/:code', (req, res) => void res.status(Number(req.params.code)).json(BODY));
  app.get('/typed', (_req, res) => void res.type('application/problem+json').json(BODY));
  app.get('/scalar', (_req, res) => void res.json('text'));
  return app;
}

const express5 = appWith(false);
const direct = appWith(true);

/** What a client sees, without the Date header (it differs between two answers). */
async function seen(app: express.Express, method: 'get' | 'head' | 'post', path: string, headers: Record<string, string> = {}) {
  const res = await request(app)[method](path).set(headers);
  const { date: _date, ...rest } = res.headers;
  return { status: res.status, headers: rest, text: res.text };
}

describe('answerJsonDirectly', () => {
  const cases: Array<[string, 'get' | 'head' | 'post', string, Record<string, string>?]> = [
    ['GET', 'get', '/json'],
    ['POST', 'post', '/json'],
    ['HEAD', 'head', '/json'],
    ['If-None-Match: *', 'get', '/json', { 'If-None-Match': '*' }],
    ['If-Modified-Since', 'get', '/json', { 'If-Modified-Since': new Date().toUTCString() }],
    ['a 201', 'get', '/status/201'],
    ['a 204', 'get', '/status/204'],
    ['a 205', 'get', '/status/205'],
    ['a 503', 'get', '/status/503'],
    ['a chosen Content-Type', 'get', '/typed'],
    ['a JSON string', 'get', '/scalar'],
  ];
  for (const [name, method, path, headers] of cases) {
    it(`answers ${name} exactly as Express does`, async () => {
      expect(await seen(direct, method, path, headers)).toEqual(await seen(express5, method, path, headers));
    });
  }

  it('answers with the charset and length Express would', async () => {
    const res = await request(direct).get('/json');
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.headers['content-length']).toBe(String(Buffer.byteLength(JSON.stringify(BODY))));
    expect(res.body).toEqual(BODY);
  });

  it('refuses an app whose JSON settings it would ignore', () => {
    const app = express();
    app.set('json spaces', 2);
    expect(() => answerJsonDirectly(app)).toThrow(/json spaces/);
  });
});
