// Small conveniences over supertest for the e2e tests.
import crypto from 'node:crypto';
import type express from 'express';
import request from 'supertest';

export function api(app: express.Express, token?: string) {
  const withToken = (t: request.Test) => (token ? t.set('x-token', token) : t);
  const agent = request(app);
  return {
    get: (path: string) => withToken(agent.get(path)),
    post: (path: string) => withToken(agent.post(path)),
    put: (path: string) => withToken(agent.put(path)),
    patch: (path: string) => withToken(agent.patch(path)),
    delete: (path: string) => withToken(agent.delete(path)),
  };
}

// Alipay's notify signing lives with the product (src/alipay/notify-form.ts, also used by `npm run pay`).
export { signAlipayNotify as signNotify, signContent } from '../../src/alipay/notify-form';

/** Checks a page-pay URL's signature with the app's public key, as Alipay would. */
export function verifyPagePayUrl(url: string, appPublicKey: string): boolean {
  const params = Object.fromEntries(new URL(url).searchParams.entries());
  const sign = params.sign ?? '';
  const content = Object.keys(params)
    .filter((k) => k !== 'sign' && params[k] !== '')
    .sort()
    .map((k) => `${k}=${params[k]}`)
    .join('&');
  return crypto.createVerify('RSA-SHA256').update(content, 'utf8').verify(appPublicKey, sign, 'base64');
}
