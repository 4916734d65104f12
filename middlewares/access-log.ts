// One access line per request, written when the answer has left (or the client gave up on it). It says
// which request (id, method, URL), how it ended and how long it took, and nothing a header or body could
// leak. Hand-written rather than pino-http: that one builds a child logger and wraps serializers per
// request, which bench:gateway showed as the costliest part of logging; the line's shape is the same.
import type { RequestHandler } from 'express';
import type { Logger } from '../global/logger';
import { requestIdOf } from './request-id';

/** Alipay's return carries its signature in the query: the line keeps the URL and censors that. */
const SIGN_IN_QUERY = /([?&]sign=)[^&]*/g;

function loggableUrl(url: string): string {
  return url.includes('sign=') ? url.replace(SIGN_IN_QUERY, '$1[redacted]') : url;
}

export function accessLog(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const startedAt = performance.now();
    // 'close' follows 'finish' on every response, and comes alone when the client went away first.
    res.once('close', () => {
      const line = {
        req: { id: requestIdOf(res), method: req.method, url: loggableUrl(req.originalUrl) },
        res: { statusCode: res.statusCode },
        responseTime: Math.round(performance.now() - startedAt),
      };
      if (!res.writableFinished) logger.info(line, 'request aborted');
      else if (res.statusCode >= 500) logger.warn(line, 'request completed');
      else logger.info(line, 'request completed');
    });
    next();
  };
}
