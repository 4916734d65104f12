// The gateway's closed error vocabulary, its one HTTP status table and its one gRPC→HTTP table (CONTRACT §2 Errors).
// Everything that can go wrong in a request ends up as an AppError here, so the error handler has exactly
// one envelope to write and 5xx details never leak to clients.
import { status as GrpcStatus } from '@grpc/grpc-js';
import { SrvCallError } from './srv-conn';
import { ErrorReason, SRV_LABEL } from './wire';

export const ERROR_CODES = [
  'INVALID_ARGUMENT',
  'UNAUTHENTICATED',
  'PERMISSION_DENIED',
  'NOT_FOUND',
  'CONFLICT',
  'OUT_OF_STOCK',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'UNPROCESSABLE',
  'HEADERS_TOO_LARGE',
  'UNAVAILABLE',
  'OVERLOADED',
  'TIMEOUT',
  'INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** Exhaustive on purpose: adding a code without deciding its status must not compile. */
export function httpStatusOf(code: ErrorCode): number {
  switch (code) {
    case 'INVALID_ARGUMENT':
      return 400;
    case 'UNAUTHENTICATED':
      return 401;
    case 'PERMISSION_DENIED':
      return 403;
    case 'NOT_FOUND':
      return 404;
    case 'CONFLICT':
    case 'OUT_OF_STOCK':
      return 409;
    case 'PAYLOAD_TOO_LARGE':
      return 413;
    case 'UNSUPPORTED_MEDIA_TYPE':
      return 415;
    case 'UNPROCESSABLE':
      return 422;
    case 'HEADERS_TOO_LARGE':
      return 431;
    case 'INTERNAL':
      return 500;
    case 'UNAVAILABLE':
    case 'OVERLOADED':
      return 503;
    case 'TIMEOUT':
      return 504;
    default: {
      const unhandled: never = code;
      throw new Error(`no HTTP status for error code ${String(unhandled)}`);
    }
  }
}

export interface AppErrorOptions {
  /** Per-field validation messages, sent as the body's `error` object. */
  fields?: Record<string, string>;
  /** Extra response headers (e.g. Retry-After). */
  headers?: Record<string, string>;
  /** What really happened; logged for 5xx, never sent. */
  cause?: unknown;
  /** Top-level keys the course's clients read, e.g. `{"nums":"库存不足"}`; never msg/code/requestId. */
  legacy?: Record<string, string>;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  /** The client-facing message (the course's Chinese wording). */
  readonly msg: string;
  readonly fields?: Record<string, string>;
  readonly headers?: Record<string, string>;
  readonly legacy?: Record<string, string>;

  constructor(code: ErrorCode, msg: string, options: AppErrorOptions = {}) {
    super(msg, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.msg = msg;
    if (options.fields) this.fields = options.fields;
    if (options.headers) this.headers = options.headers;
    if (options.legacy) this.legacy = options.legacy;
  }

  get status(): number {
    return httpStatusOf(this.code);
  }
}

/** The one JSON envelope every error response uses. */
export interface ErrorBody {
  [legacyKey: string]: unknown;
  msg: string;
  code: ErrorCode;
  requestId: string;
  error?: Record<string, string>;
}

export function toErrorBody(err: AppError, requestId: string): ErrorBody {
  const body: ErrorBody = { ...err.legacy, msg: err.msg, code: err.code, requestId };
  if (err.fields && Object.keys(err.fields).length > 0) body.error = err.fields;
  return body;
}

/**
 * The course's srvs send no `error-reason`; for them the text decides. Only the srvs' own "库存不足" is
 * out of stock (grpc-js also says RESOURCE_EXHAUSTED for an oversized message), and an order srv that
 * relays an outage as "库存服务不可用" names the real culprit.
 */
const OUT_OF_STOCK_TEXT = '库存不足';
const RELAYED_OUTAGE_TEXT = /服务不可用$/;

function isOutOfStock(err: SrvCallError): boolean {
  return err.reason === ErrorReason.OutOfStock || (err.reason === undefined && err.details.includes(OUT_OF_STOCK_TEXT));
}

/** "<srv>服务不可用", naming the srv that is really down. */
function unavailableMessage(err: SrvCallError): string {
  if (err.reason === ErrorReason.SrvUnavailable && err.unavailableSrv) return `${SRV_LABEL[err.unavailableSrv]}服务不可用`;
  if (err.reason === undefined && RELAYED_OUTAGE_TEXT.test(err.details)) return err.details;
  return `${SRV_LABEL[err.srv]}服务不可用`;
}

/** More in the cart than in stock: a 400 on the quantity, with the top-level `nums` the course's clients read. */
export function cartOverStock(cause?: unknown): AppError {
  return new AppError('INVALID_ARGUMENT', OUT_OF_STOCK_TEXT, {
    fields: { nums: OUT_OF_STOCK_TEXT },
    legacy: { nums: OUT_OF_STOCK_TEXT },
    cause,
  });
}

/** THE gRPC→HTTP table (CONTRACT §2). The srv's details stay on `cause` for the log. */
export function fromSrvError(err: SrvCallError): AppError {
  const cause = err;
  switch (err.reason) {
    case ErrorReason.CartOverStock:
      return cartOverStock(cause);
    case ErrorReason.IdempotencyKeyReused:
      return new AppError('UNPROCESSABLE', '该幂等键已用于内容不同的请求', { cause });
    case ErrorReason.IdempotencyInFlight:
      return new AppError('CONFLICT', '相同幂等键的请求正在处理，请稍后重试', { cause, headers: { 'Retry-After': '1' } });
    case ErrorReason.Overloaded:
      return new AppError('OVERLOADED', `${SRV_LABEL[err.srv]}服务繁忙，请稍后重试`, { cause, headers: { 'Retry-After': '1' } });
  }
  switch (err.code) {
    case GrpcStatus.INVALID_ARGUMENT:
    case GrpcStatus.OUT_OF_RANGE:
      return new AppError('INVALID_ARGUMENT', err.details || '参数错误', { cause });
    case GrpcStatus.UNAUTHENTICATED:
      return new AppError('UNAUTHENTICATED', '未登录', { cause });
    case GrpcStatus.PERMISSION_DENIED:
      return new AppError('PERMISSION_DENIED', '无权限', { cause });
    case GrpcStatus.NOT_FOUND:
      return new AppError('NOT_FOUND', err.details || '资源不存在', { cause });
    case GrpcStatus.ALREADY_EXISTS:
    case GrpcStatus.ABORTED:
    case GrpcStatus.FAILED_PRECONDITION:
      return new AppError('CONFLICT', err.details || '操作冲突', { cause });
    case GrpcStatus.RESOURCE_EXHAUSTED:
      if (isOutOfStock(err)) return new AppError('OUT_OF_STOCK', OUT_OF_STOCK_TEXT, { cause });
      return new AppError('INTERNAL', '内部错误', { cause });
    case GrpcStatus.UNAVAILABLE:
      return new AppError('UNAVAILABLE', unavailableMessage(err), { cause });
    case GrpcStatus.DEADLINE_EXCEEDED:
      return new AppError('TIMEOUT', '服务响应超时', { cause });
    default:
      return new AppError('INTERNAL', '内部错误', { cause });
  }
}

/**
 * The body parser's failures are http-errors with a 4xx `status`; most carry a string `type`, but a body
 * that does not decompress as its Content-Encoding says is zlib's own error, made an http-error (status
 * and `expose`) without a type.
 */
interface BodyParserError {
  status: number;
  type: string | undefined;
}

function asBodyParserError(err: unknown): BodyParserError | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const { status, type, expose } = err as { status?: unknown; type?: unknown; expose?: unknown };
  if (typeof status !== 'number' || status < 400 || status >= 500) return undefined;
  if (typeof type !== 'string' && expose !== true) return undefined;
  return { status, type: typeof type === 'string' ? type : undefined };
}

/** Express's router marks a path segment with broken %-encoding ("/orders/%zz") as a URIError with status 400. */
function isBadUrlEncoding(err: unknown): boolean {
  return err instanceof URIError && (err as { status?: unknown }).status === 400;
}

/** Turns anything thrown in a request into an AppError; unknown failures become an opaque 500. */
export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  if (err instanceof SrvCallError) return fromSrvError(err);
  if (isBadUrlEncoding(err)) return new AppError('INVALID_ARGUMENT', 'url格式出错', { cause: err });
  const bodyError = asBodyParserError(err);
  if (bodyError) {
    const cause = err;
    switch (bodyError.type) {
      case 'entity.parse.failed':
        return new AppError('INVALID_ARGUMENT', '请求体不是合法的JSON', { cause });
      case 'entity.too.large':
      // The urlencoded parser's "too many fields" is the same complaint: the body is too big.
      case 'parameters.too.many':
        return new AppError('PAYLOAD_TOO_LARGE', '请求体过大', { cause });
      case 'encoding.unsupported':
      case 'charset.unsupported':
        return new AppError('UNSUPPORTED_MEDIA_TYPE', '不支持的请求体编码', { cause });
      default:
        // A body that does not decompress, an aborted upload, a wrong Content-Length: the client's request is bad.
        return new AppError('INVALID_ARGUMENT', '请求体无法解析', { cause });
    }
  }
  return new AppError('INTERNAL', '内部错误', { cause: err });
}
