// The one error handler, the unknown-route fallback and the answer to requests Node refuses before
// Express sees them: every failure leaves as one JSON envelope { msg, code, requestId, error? } with
// the table's status; 5xx details go to the log only.
import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { status as GrpcStatus } from '@grpc/grpc-js';
import type { ErrorRequestHandler, Request, RequestHandler, Response } from 'express';
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

/** The client hung up before its answer: whatever failed after that failed for nobody. */
function clientWentAway(req: Request, res: Response): boolean {
  return !res.writableFinished && (res.destroyed || req.socket.destroyed);
}

/** nginx's name for it: the client closed the request. Never sent, only logged. */
const CLIENT_CLOSED = 499;

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, next) => {
    const requestId = requestIdOf(res);
    if (clientWentAway(req, res)) {
      logger.info({ requestId, method: req.method, path: req.path, status: CLIENT_CLOSED }, 'client closed the request');
      return;
    }
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

/**
 * For the HTTP server's 'clientError': a request Node refuses to parse (headers over its limit, a
 * malformed request line) gets the envelope too, instead of Node's bare status line.
 */
export function clientErrorHandler(logger: Logger) {
  return (err: NodeJS.ErrnoException, socket: Duplex): void => {
    if (err.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const appError =
      err.code === 'HPE_HEADER_OVERFLOW'
        ? new AppError('HEADERS_TOO_LARGE', '请求头过大')
        : new AppError('INVALID_ARGUMENT', '请求格式错误');
    const requestId = randomUUID();
    const body = JSON.stringify(toErrorBody(appError, requestId));
    logger.info({ requestId, status: appError.status, code: appError.code, parseError: err.code }, appError.msg);
    socket.end(
      `HTTP/1.1 ${appError.status} ${STATUS_CODES[appError.status]}\r\n` +
        'Content-Type: application/json; charset=utf-8\r\n' +
        `Content-Length: ${Buffer.byteLength(body)}\r\n` +
        `X-Request-Id: ${requestId}\r\n` +
        'Connection: close\r\n\r\n' +
        body,
    );
  };
}
