// Small conveniences over supertest for the e2e tests.
import type express from 'express';
import request from 'supertest';
import { verifyAppSignature } from '../../src/stand-in-alipay/server';

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
  return verifyAppSignature(Object.fromEntries(new URL(url).searchParams.entries()), appPublicKey);
}
