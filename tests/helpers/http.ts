// Small conveniences over supertest for the e2e tests.
import crypto from 'node:crypto';
import request from 'supertest';
import type express from 'express';

export function api(app: express.Express, token?: string) {
  const withToken = (t: request.Test) => (token ? t.set('x-token', token) : t);
  const agent = request(app);
  return {
    get: (path: string) => withToken(agent.get(path)),
    post: (path: string) => withToken(agent.post(path)),
    patch: (path: string) => withToken(agent.patch(path)),
    delete: (path: string) => withToken(agent.delete(path)),
  };
}

/** Alipay's RSA2 content to sign: every non-empty field but sign and sign_type, sorted, k=v joined by &. */
export function signContent(fields: Record<string, string>): string {
  return Object.keys(fields)
    .filter((k) => k !== 'sign' && k !== 'sign_type' && fields[k] !== '' && fields[k] !== undefined)
    .sort()
    .map((k) => `${k}=${fields[k]}`)
    .join('&');
}

/** Signs a notify the way Alipay does, with the (stand-in) Alipay private key. */
export function signNotify(fields: Record<string, string>, alipayPrivateKey: string): Record<string, string> {
  const sign = crypto.createSign('RSA-SHA256').update(signContent(fields), 'utf8').sign(alipayPrivateKey, 'base64');
  return { ...fields, sign_type: 'RSA2', sign };
}

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
