// The gateway's OpenAPI document without a running system: the app is built over deps that no route may
// touch while it is being mounted (anything that tried would throw), and only its routes are read.
import type express from 'express';
import type { OpenAPIObject } from 'openapi3-ts/oas31';
import { silentLogger } from '../global/logger';
import { createApp } from './app';
import type { AppDeps } from './deps';
import { buildOpenApiDocument } from './openapi/document';

function untouchable<T extends object>(name: string): T {
  return new Proxy({} as T, {
    get(_target, key) {
      throw new Error(`building the document touched ${name}.${String(key)}`);
    },
  });
}

/** The gateway's app as createApp builds it, over deps it must not use: for reading its routes only. */
export function appForDocs(): express.Express {
  return createApp({
    srv: untouchable<AppDeps['srv']>('srv'),
    alipay: untouchable<AppDeps['alipay']>('alipay'),
    logger: silentLogger,
    jwtKey: 'document-only',
    bodyLimit: '64kb',
    pay: { sellerId: undefined, expireMarginMs: 0, resultUrl: 'http://127.0.0.1/' },
    now: Date.now,
  });
}

export function gatewayDocument(): OpenAPIObject {
  return buildOpenApiDocument(appForDocs());
}
