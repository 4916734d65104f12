// Every request carries one id: the caller's when it is safe to echo and log, else a fresh UUID.
// It is logged with every line, sent to the srvs as x-request-id and returned in the X-Request-Id header.
import { randomUUID } from 'node:crypto';
import type { RequestHandler, Response } from 'express';

export const REQUEST_ID_HEADER = 'X-Request-Id';

/** Bounded and free of spaces, quotes and newlines, so an incoming id cannot forge log lines or headers. */
export const ACCEPTABLE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestId(): RequestHandler {
  return (req, res, next) => {
    const incoming = req.get(REQUEST_ID_HEADER);
    assignRequestId(res, incoming !== undefined && ACCEPTABLE_REQUEST_ID.test(incoming) ? incoming : randomUUID());
    next();
  };
}

function assignRequestId(res: Response, id: string): string {
  res.locals.requestId = id;
  if (!res.headersSent) res.setHeader(REQUEST_ID_HEADER, id);
  return id;
}

/**
 * The request's id. Never throws: an error raised before requestId() ran (or in an app that forgot it)
 * still gets an id in its envelope and log line.
 */
export function requestIdOf(res: Response): string {
  const id: unknown = res.locals.requestId;
  return typeof id === 'string' ? id : assignRequestId(res, randomUUID());
}
