// CORS for the SPA and any browser client (CONTRACT §2 CORS). Any origin is fine: the token travels in a
// header, never in a cookie, so a foreign page cannot ride on a user's credentials.
import cors from 'cors';
import type { RequestHandler } from 'express';

export function corsPolicy(): RequestHandler {
  return cors({
    origin: '*',
    // PUT: the address book's update (/up/v1/address/:id).
    methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
    // traceparent/tracestate (W3C Trace Context): a traced browser page's trace goes on through the gateway.
    allowedHeaders: ['Content-Type', 'x-token', 'Authorization', 'Idempotency-Key', 'X-Request-Id', 'traceparent', 'tracestate'],
    // Without these a browser script cannot read the request id, an idempotent replay marker or a back-off hint.
    exposedHeaders: ['X-Request-Id', 'Idempotent-Replayed', 'Retry-After'],
    optionsSuccessStatus: 204,
    preflightContinue: false,
  });
}
