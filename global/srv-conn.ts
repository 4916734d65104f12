// srv-conn: the order, goods and inventory gRPC clients, created once from config.
// Every call carries a deadline and the request id, and is cancelled when the caller's signal aborts.
import * as grpc from '@grpc/grpc-js';
import type { MethodDefinition } from '@grpc/proto-loader';
import { serviceDefinitions } from './proto';
import { ERROR_REASON_KEY, ERROR_SRV_KEY, IDEMPOTENCY_KEY_KEY, isSrvName, REQUEST_ID_KEY, type SrvName } from './wire';

export interface CallContext {
  requestId?: string;
  idempotencyKey?: string;
  /** Absolute deadline; defaults to now + the client's deadlineMs. */
  deadline?: Date;
  signal?: AbortSignal;
  /** Receives the response's initial metadata. */
  onResponseMetadata?: (metadata: grpc.Metadata) => void;
}

/** A gRPC failure, tagged with the srv that answered it. */
export class SrvCallError extends Error {
  constructor(
    readonly srv: SrvName,
    readonly code: grpc.status,
    readonly details: string,
    /** The refusal's `error-reason` (see ErrorReason), when the srv sent one. */
    readonly reason?: string,
    /** For a SrvUnavailable refusal: the srv behind this one that is down (`error-srv`). */
    readonly unavailableSrv?: SrvName,
  ) {
    super(`${srv}: ${grpc.status[code] ?? code}: ${details}`);
    this.name = 'SrvCallError';
  }
}

function trailer(err: grpc.ServiceError, key: string): string | undefined {
  const value = err.metadata?.get(key)[0];
  return typeof value === 'string' ? value : undefined;
}

function toSrvCallError(srv: SrvName, err: grpc.ServiceError): SrvCallError {
  const culprit = trailer(err, ERROR_SRV_KEY);
  return new SrvCallError(srv, err.code, err.details, trailer(err, ERROR_REASON_KEY), isSrvName(culprit) ? culprit : undefined);
}

/** Promise-returning methods derived from a service definition, so no RPC is wrapped by hand. */
export type PromiseClient<D> = {
  [K in keyof D]: D[K] extends MethodDefinition<infer Req, infer _Res, infer _ReqOut, infer ResOut>
    ? (request: Req, ctx?: CallContext) => Promise<ResOut>
    : never;
};

type Definitions = ReturnType<typeof serviceDefinitions>;
export type GoodsClient = PromiseClient<Definitions['goods']['service']>;
export type InventoryClient = PromiseClient<Definitions['inventory']['service']>;
export type OrderClient = PromiseClient<Definitions['order']['service']>;
interface Clients {
  goods: GoodsClient;
  inventory: InventoryClient;
  order: OrderClient;
}

export interface ClientOptions {
  deadlineMs: number;
}

/**
 * A target is what grpc-js dials: `host:port`, or several comma-separated addresses
 * (`ipv4:a:1,b:2`) balanced round-robin. Discovery produces targets; clients never know how.
 */
const CHANNEL_OPTIONS: grpc.ChannelOptions = {
  'grpc.service_config': JSON.stringify({ loadBalancingConfig: [{ round_robin: {} }] }),
  'grpc.keepalive_time_ms': 30_000,
  'grpc.keepalive_timeout_ms': 10_000,
  // A restarted srv is found again within seconds, not after grpc's default two-minute backoff cap.
  'grpc.max_reconnect_backoff_ms': 5_000,
};

export interface SrvClient<N extends SrvName> {
  api: Clients[N];
  close(): void;
}

export function createSrvClient<N extends SrvName>(name: N, target: string, options: ClientOptions): SrvClient<N> {
  const Ctor = serviceDefinitions()[name] as unknown as grpc.ServiceClientConstructor;
  const raw = new Ctor(target, grpc.credentials.createInsecure(), CHANNEL_OPTIONS);
  const api: Record<string, unknown> = {};
  for (const method of Object.keys(Ctor.service)) {
    const fn = (raw as unknown as Record<string, (...args: unknown[]) => grpc.ClientUnaryCall>)[method];
    if (!fn) throw new Error(`${name} client has no method ${method}`);
    api[method] = (request: unknown, ctx: CallContext = {}) =>
      new Promise((resolve, reject) => {
        if (ctx.signal?.aborted) return reject(new SrvCallError(name, grpc.status.CANCELLED, 'caller went away'));
        const metadata = new grpc.Metadata();
        if (ctx.requestId) metadata.set(REQUEST_ID_KEY, ctx.requestId);
        if (ctx.idempotencyKey) metadata.set(IDEMPOTENCY_KEY_KEY, ctx.idempotencyKey);
        const deadline = ctx.deadline ?? new Date(Date.now() + options.deadlineMs);
        const onAbort = () => call.cancel();
        const call = fn.call(raw, request, metadata, { deadline }, (err: grpc.ServiceError | null, response: unknown) => {
          ctx.signal?.removeEventListener('abort', onAbort);
          if (err) reject(toSrvCallError(name, err));
          else resolve(response);
        });
        if (ctx.onResponseMetadata) call.on('metadata', ctx.onResponseMetadata);
        ctx.signal?.addEventListener('abort', onAbort, { once: true });
      });
  }
  return { api: api as unknown as Clients[N], close: () => raw.close() };
}

export type SrvTargets = Record<SrvName, string>;

export interface SrvConn extends Clients {
  close(): void;
}

/** The gateway's three clients. Creating them does not connect; the first call does. */
export function createSrvConn(targets: SrvTargets, options: ClientOptions): SrvConn {
  const goods = createSrvClient('goods', targets.goods, options);
  const inventory = createSrvClient('inventory', targets.inventory, options);
  const order = createSrvClient('order', targets.order, options);
  return {
    goods: goods.api,
    inventory: inventory.api,
    order: order.api,
    close() {
      goods.close();
      inventory.close();
      order.close();
    },
  };
}
