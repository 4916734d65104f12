// What every srv shares: a gRPC server bound to an address, handlers that return promises,
// one place where errors become gRPC statuses (and every answer is timed: grpc_server_duration_seconds),
// and a clean stop.
import * as grpc from '@grpc/grpc-js';
import type { Logger } from '../../global/logger';
import { byStatusCode, grpcServerDuration } from '../../global/metrics';
import { SrvCallError, statusName } from '../../global/srv-conn';
import {
  ERROR_REASON_KEY,
  ERROR_SRV_KEY,
  ErrorReason,
  FEATURES_KEY,
  IDEMPOTENCY_KEY_KEY,
  REQUEST_ID_KEY,
  SRV_LABEL,
  type SrvName,
} from '../../global/wire';
import { serviceNameOf } from './health';

/** An expected failure with the status and message the course's srvs answer (CONTRACT §1). */
export class RpcError extends Error {
  constructor(
    readonly code: grpc.status,
    readonly details: string,
    /** Sent as trailing metadata `error-reason` (see ErrorReason). */
    readonly reason?: ErrorReason,
    /** Sent as trailing metadata `error-srv`: the srv a SrvUnavailable refusal is about. */
    readonly srv?: SrvName,
  ) {
    super(details);
    this.name = 'RpcError';
  }

  toStatus(): Partial<grpc.StatusObject> {
    const status: Partial<grpc.StatusObject> = { code: this.code, details: this.details };
    if (this.reason) {
      status.metadata = new grpc.Metadata();
      status.metadata.set(ERROR_REASON_KEY, this.reason);
      if (this.srv) status.metadata.set(ERROR_SRV_KEY, this.srv);
    }
    return status;
  }
}

export interface RpcContext {
  requestId: string | undefined;
  idempotencyKey: string | undefined;
  /** When the caller stops waiting; downstream calls should finish before it. */
  deadline: Date | undefined;
  signal: AbortSignal;
  /** Adds to the response's initial metadata (sent with a successful answer). */
  setResponseMetadata(key: string, value: string): void;
}

type UnaryFn<Req, Res> = (request: Req, ctx: RpcContext) => Promise<Res>;

/**
 * Failure injection for tests (never configured in production): for an RPC name, answer UNAVAILABLE
 * `before` the handler runs, or `after` it ran (the work is done but the answer is lost).
 */
export type RpcFaults = (rpc: string) => 'before' | 'after' | undefined;

const INJECTED = { code: grpc.status.UNAVAILABLE, details: 'injected failure' };

/** Handlers for a service definition, written as async functions of (request, ctx). */
export type AsyncHandlers<D> = {
  [K in keyof D]: D[K] extends { requestDeserialize: (b: Buffer) => infer Req; responseSerialize: (r: infer Res) => Buffer }
    ? UnaryFn<Req, Res>
    : never;
};

function metadataValue(md: grpc.Metadata, key: string): string | undefined {
  const v = md.get(key)[0];
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}

function toUnaryHandler(
  service: string,
  name: string,
  fn: UnaryFn<unknown, unknown>,
  logger: Logger,
  faults: RpcFaults | undefined,
  features: string | undefined,
): grpc.handleUnaryCall<unknown, unknown> {
  const durations = byStatusCode(grpcServerDuration, service, name, statusName);
  const timed = (startedAt: number, callback: grpc.sendUnaryData<unknown>) => {
    return (status: Partial<grpc.StatusObject> | null, response?: unknown) => {
      durations(status?.code ?? grpc.status.OK).observeSince(startedAt);
      callback(status, response);
    };
  };
  return (call, answer) => {
    const callback = timed(performance.now(), answer);
    const fault = faults?.(name);
    if (fault === 'before') return callback(INJECTED);
    const abort = new AbortController();
    let answered = false;
    // grpc-js also reports a call as cancelled when its stream closes after the answer: nothing left to stop then.
    call.on('cancelled', () => {
      if (!answered) abort.abort();
    });
    const rawDeadline = call.getDeadline();
    const deadline = rawDeadline instanceof Date ? rawDeadline : Number.isFinite(rawDeadline) ? new Date(rawDeadline) : undefined;
    let responseMetadata: grpc.Metadata | undefined;
    const ctx: RpcContext = {
      requestId: metadataValue(call.metadata, REQUEST_ID_KEY),
      idempotencyKey: metadataValue(call.metadata, IDEMPOTENCY_KEY_KEY),
      deadline,
      signal: abort.signal,
      setResponseMetadata(key, value) {
        responseMetadata ??= new grpc.Metadata();
        responseMetadata.set(key, value);
      },
    };
    if (features) ctx.setResponseMetadata(FEATURES_KEY, features);
    fn(call.request, ctx).then(
      (response) => {
        answered = true;
        if (fault === 'after') return callback(INJECTED);
        if (responseMetadata) call.sendMetadata(responseMetadata);
        callback(null, response);
      },
      (err: unknown) => {
        answered = true;
        if (err instanceof RpcError) return callback(err.toStatus());
        const relayed = relayedStatus(err);
        if (relayed) return callback(relayed);
        logger.error({ err, rpc: name, requestId: ctx.requestId }, 'rpc failed');
        callback({ code: grpc.status.INTERNAL, details: '内部错误' });
      },
    );
  };
}

/**
 * A downstream srv's refusal passes through with its reason (out of stock stays out of stock, a
 * timeout stays a timeout); an outage is renamed after the srv that is down, so the gateway can say which.
 */
function relayedStatus(err: unknown): Partial<grpc.StatusObject> | undefined {
  if (!(err instanceof SrvCallError)) return undefined;
  if (err.code === grpc.status.UNAVAILABLE) {
    const down = err.unavailableSrv ?? err.srv;
    return new RpcError(err.code, `${SRV_LABEL[down]}服务不可用`, ErrorReason.SrvUnavailable, down).toStatus();
  }
  // Our own callers' breakers count only their own timeouts; this one is the downstream srv's.
  if (err.code === grpc.status.DEADLINE_EXCEEDED) return new RpcError(err.code, err.details, ErrorReason.SrvTimeout, err.srv).toStatus();
  const reason = Object.values(ErrorReason).find((r) => r === err.reason);
  return new RpcError(err.code, err.details, reason).toStatus();
}

export interface RunningServer {
  /** The port actually bound (useful with port 0). */
  port: number;
  address: string;
  /** Stops accepting, lets in-flight calls finish for up to graceMs, then forces. */
  shutdown(graceMs?: number): Promise<void>;
}

export async function startGrpcServer<D extends grpc.ServiceDefinition>(options: {
  service: D;
  handlers: AsyncHandlers<D>;
  address: string;
  logger: Logger;
  faults?: RpcFaults | undefined;
  /** What this srv does beyond the course's contract, said in every answer (FEATURES_KEY). */
  features?: readonly string[] | undefined;
  /** More services on the same server (grpc.health.v1). */
  extend?: ((server: grpc.Server) => void) | undefined;
}): Promise<RunningServer> {
  const server = new grpc.Server({ 'grpc.max_receive_message_length': 4 * 1024 * 1024 });
  const implementation: grpc.UntypedServiceImplementation = {};
  const features = options.features?.length ? options.features.join(' ') : undefined;
  for (const [name, fn] of Object.entries(options.handlers as Record<string, UnaryFn<unknown, unknown>>)) {
    // One definition may join several services (userop: UserFav, Address, Message); each method says its own.
    const method = options.service[name];
    if (!method) throw new Error(`handler ${name} has no method in the service definition`);
    implementation[name] = toUnaryHandler(serviceNameOf(method), name, fn, options.logger, options.faults, features);
  }
  server.addService(options.service, implementation);
  options.extend?.(server);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(options.address, grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  const host = options.address.slice(0, options.address.lastIndexOf(':'));
  return {
    port,
    address: `${host}:${port}`,
    shutdown: (graceMs = 5000) =>
      new Promise<void>((resolve) => {
        const force = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, graceMs);
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      }),
  };
}
