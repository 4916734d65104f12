// The one error handler and the unknown-route fallback: every failure leaves as one JSON envelope
// { msg, code, requestId, error? } with the table's status; 5xx details go to the log only.
import { status as GrpcStatus } from '@grpc/grpc-js';
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { AppError, toAppError, toErrorBody } from '../global/errors';
import type { Logger } from '../global/logger';
import { SrvCallError } from '../global/srv-conn';
import { requestIdOf } from './request-id';

/** What a log line may say about the cause: the srv's answer, or the error itself (pino serializes `err`). */
function causeFields(cause: unknown): Record<string, unknown> {
  if (cause instanceof SrvCallError) {
    return { srv: cause.srv, grpcCode: GrpcStatus[cause.code] ?? cause.code, details: cause.details };
  }
  return cause === undefined ? {} : { err: cause };
}

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, next) => {
    const requestId = requestIdOf(res);
    const appError = toAppError(err);
    const status = appError.status;
    // Only method and path: headers carry tokens, bodies carry Alipay signatures and addresses.
    const where = { requestId, method: req.method, path: req.path, status, code: appError.code };
    if (res.headersSent) {
      // Too late for an envelope; Express's default handler closes the connection so the client sees a failure.
      logger.error({ ...where, ...causeFields(appError.cause ?? err) }, 'error after the response started');
      next(err);
      return;
    }
    if (status >= 500) {
      logger.error({ ...where, ...causeFields(appError.cause) }, appError.msg);
    } else {
      // The message and field names are ours; the values the client sent are not logged.
      logger.info({ ...where, fields: appError.fields }, appError.msg);
    }
    if (appError.headers) res.set(appError.headers);
    res.status(status).json(toErrorBody(appError, requestId));
  };
}

/** Mount after every route: anything unmatched is a 404 in the same envelope. */
export function notFound(): RequestHandler {
  return () => {
    throw new AppError('NOT_FOUND', '资源不存在');
  };
}
