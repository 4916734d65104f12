// What every srv call of a request carries: the request id, and a signal that aborts when the
// HTTP client goes away before the answer, so the srvs stop working for nobody.
import type { NextFunction, Request, Response } from 'express';
import type { CallContext } from '../global/srv-conn';
import { requestIdOf } from './request-id';

export function callContext() {
  return (_req: Request, res: Response, next: NextFunction) => {
    const abort = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) abort.abort();
    });
    const ctx: CallContext = { requestId: requestIdOf(res), signal: abort.signal };
    res.locals.call = ctx;
    next();
  };
}

export function callOf(res: Response): CallContext {
  return res.locals.call as CallContext;
}
