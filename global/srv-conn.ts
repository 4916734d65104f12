// srv-conn: the gRPC client of each srv (goods, inventory, order, userop), created once from config.
// Every call carries a deadline and the request id, is cancelled when the caller's signal aborts, and
// is timed (grpc_client_duration_seconds by srv, method and status code). Overload is not an outage
// (CONTRACT §5): past maxInFlight calls of one method in flight to a srv, more are refused at once (reason
// OVERLOADED) instead of queueing into their deadlines (a bulkhead per method, so a burst of checkouts does
// not take the slots of the cart reads), and the breaker counts a timeout only when the srv answered nothing
// at all while that call waited: a hung srv, not a busy one whose answers come late.

import { setTimeout as delay } from 'node:timers/promises';
import * as grpc from '@grpc/grpc-js';
import type { MethodDefinition } from '@grpc/proto-loader';
import { BrokenCircuitError, ConsecutiveBreaker, circuitBreaker, handleWhen } from 'cockatiel';
import { service as healthService } from 'grpc-health-check';
import { type ConsulAgent, consulAgentOf } from './consul';
import { isConsulTarget, useConsulDiscovery } from './discovery';
import type { Logger } from './logger';
import { byStatusCode, grpcClientDuration } from './metrics';
import { serviceDefinitions } from './proto';
import {
  ERROR_REASON_KEY,
  ERROR_SRV_KEY,
  ErrorReason,
  FEATURES_KEY,
  Feature,
  IDEMPOTENCY_KEY_KEY,
  isSrvName,
  REQUEST_ID_KEY,
  type SrvName,
} from './wire';

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

/** A status code's name as metrics label it (`OK`, `NOT_FOUND`, …). */
export function statusName(code: grpc.status): string {
  return grpc.status[code] ?? String(code);
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
/** The userop srv's UserFav, Address and Message RPCs, over one channel. */
export type UseropClient = PromiseClient<Definitions['userop']['service']>;
interface Clients {
  goods: GoodsClient;
  inventory: InventoryClient;
  order: OrderClient;
  userop: UseropClient;
}

export interface ClientOptions {
  deadlineMs: number;
  /** Calls to a srv that keeps timing out fail fast for a cool-down (default: 5 timeouts, 5 s). */
  breaker?: { timeouts: number; cooldownMs: number };
  /** Calls of one method in flight to a srv beyond which more are refused at once (SRV_MAX_IN_FLIGHT; default no limit). */
  maxInFlight?: number;
  /** The Consul agent consul:// targets resolve through, and where to log about it. */
  consul?: { agent: ConsulAgent; logger?: Logger };
}

/** The `consul` client option, when the settings name an agent (consul:// targets resolve through it). */
export function consulOption(settings: Parameters<typeof consulAgentOf>[0], logger: Logger): Pick<ClientOptions, 'consul'> {
  const agent = consulAgentOf(settings);
  return agent ? { consul: { agent, logger } } : {};
}

/** Calls that are safe to send again when a srv was unreachable: reads, and writes keyed so a repeat is a no-op. */
const RETRYABLE: ReadonlyArray<{ service: string; method?: string }> = [
  { service: 'Goods' }, // every goods RPC the system uses reads
  { service: 'Inventory', method: 'InvDetail' },
  { service: 'Inventory', method: 'SetInv' }, // sets, not adds
  { service: 'Inventory', method: 'Sell' }, // keyed by orderSn: a repeat is a no-op
  { service: 'Inventory', method: 'Reback' }, // keyed by orderSn: a repeat is a no-op
  { service: 'proto.Order', method: 'CartItemList' },
  { service: 'proto.Order', method: 'OrderList' },
  { service: 'proto.Order', method: 'OrderDetail' },
  { service: 'UserFav', method: 'GetFavList' },
  { service: 'UserFav', method: 'GetUserFavDetail' },
  { service: 'Address', method: 'GetAddressList' },
  { service: 'Message', method: 'MessageList' },
];

/**
 * What grpc-js dials with: round robin over whatever the target resolves to (`host:port`, an `ipv4:`
 * list, or consul:// instances), and the retryable calls retried on UNAVAILABLE within their deadline,
 * throttled so a srv that is down is not hammered.
 */
const CHANNEL_OPTIONS: grpc.ChannelOptions = {
  'grpc.service_config': JSON.stringify({
    loadBalancingConfig: [{ round_robin: {} }],
    methodConfig: [
      {
        name: RETRYABLE,
        retryPolicy: {
          maxAttempts: 3,
          initialBackoff: '0.05s',
          maxBackoff: '0.5s',
          backoffMultiplier: 2,
          retryableStatusCodes: ['UNAVAILABLE'],
        },
      },
    ],
    retryThrottling: { maxTokens: 10, tokenRatio: 0.1 },
  }),
  'grpc.keepalive_time_ms': 30_000,
  'grpc.keepalive_timeout_ms': 10_000,
  // A restarted srv is found again within seconds, not after grpc's default two-minute backoff cap.
  'grpc.max_reconnect_backoff_ms': 5_000,
  // Nothing reads channelz here; keeping its per-call counters and traces costs every call.
  'grpc.enable_channelz': 0,
};

/** CreateOrder is sent again only with an idempotency key, and only to a srv that says it honours keys. */
const KEYED_RETRIES = 2;
const KEYED_RETRY_BACKOFF_MS = 50;

/** What a srv's grpc.health.v1 Check answered, or why there was no answer. */
export type SrvHealthState = 'SERVING' | 'NOT_SERVING' | 'UNKNOWN' | 'SERVICE_UNKNOWN' | 'UNREACHABLE' | 'TIMEOUT';

const HealthClient = grpc.makeClientConstructor(healthService as grpc.ServiceDefinition, 'grpc.health.v1.Health');

export interface SrvClient<N extends SrvName> {
  api: Clients[N];
  /** The srv's overall grpc.health.v1 state, asked over the same channel within timeoutMs. */
  health(timeoutMs: number): Promise<SrvHealthState>;
  /** What the srv said it does, in its last answer's `srv-features` (empty for the course's srvs). */
  features(): ReadonlySet<string>;
  close(): void;
}

/**
 * Runs `start` with stack capture off. grpc-js captures the caller's stack (`new Error()`) on every unary call
 * to append to a failure's stack; our failures are SrvCallErrors with their own, so that capture is pure cost
 * (about 5% of a proxied read's CPU in bench:gateway's profiles).
 */
function withoutStackTraces<T>(start: () => T): T {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return start();
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/** Our own timeout waiting for the srv (not a downstream one it relayed with a reason). */
function isOwnTimeout(err: unknown): boolean {
  return err instanceof SrvCallError && err.code === grpc.status.DEADLINE_EXCEEDED && err.reason === undefined;
}

export function createSrvClient<N extends SrvName>(name: N, target: string, options: ClientOptions): SrvClient<N> {
  if (isConsulTarget(target)) {
    if (!options.consul) throw new Error(`${name}: ${target} needs a Consul agent (CONSUL_HTTP_ADDR)`);
    useConsulDiscovery(options.consul.agent, options.consul.logger);
  }
  const Ctor = serviceDefinitions()[name] as unknown as grpc.ServiceClientConstructor;
  const raw = new Ctor(target, grpc.credentials.createInsecure(), CHANNEL_OPTIONS);
  const breakerSettings = options.breaker ?? { timeouts: 5, cooldownMs: 5000 };
  const maxInFlight = options.maxInFlight ?? Number.POSITIVE_INFINITY;
  /** When the srv last answered anything (a result or its own refusal): performance.now(). */
  let lastAnswerAt = Number.NEGATIVE_INFINITY;
  /** Timeouts of calls during which the srv answered others: it is busy, not hung. */
  const busyTimeouts = new WeakSet<SrvCallError>();
  const breaker = circuitBreaker(
    handleWhen((err) => isOwnTimeout(err) && !busyTimeouts.has(err as SrvCallError)),
    {
      halfOpenAfter: breakerSettings.cooldownMs,
      breaker: new ConsecutiveBreaker(breakerSettings.timeouts),
    },
  );
  let features: ReadonlySet<string> = new Set();
  let featuresSaid: string | undefined;
  // Only the order srv says anything a client acts on (its cart rules, idempotency keys).
  const learnsFeatures = name === 'order';
  const learnFeatures = (md: grpc.Metadata) => {
    const value = md.get(FEATURES_KEY)[0];
    const said = typeof value === 'string' ? value : undefined;
    if (said === featuresSaid) return; // the same words as last time: nothing to build
    featuresSaid = said;
    features = new Set(said ? said.split(' ') : []);
  };

  const api: Record<string, unknown> = {};
  for (const method of Object.keys(Ctor.service)) {
    const fn = (raw as unknown as Record<string, (...args: unknown[]) => grpc.ClientUnaryCall>)[method];
    if (!fn) throw new Error(`${name} client has no method ${method}`);
    const once = (request: unknown, ctx: CallContext, deadline: number) =>
      new Promise((resolve, reject) => {
        if (ctx.signal?.aborted) return reject(new SrvCallError(name, grpc.status.CANCELLED, 'caller went away'));
        const metadata = new grpc.Metadata();
        if (ctx.requestId) metadata.set(REQUEST_ID_KEY, ctx.requestId);
        if (ctx.idempotencyKey) metadata.set(IDEMPOTENCY_KEY_KEY, ctx.idempotencyKey);
        const onAbort = () => call.cancel();
        const call = withoutStackTraces(() =>
          fn.call(raw, request, metadata, { deadline }, (err: grpc.ServiceError | null, response: unknown) => {
            ctx.signal?.removeEventListener('abort', onAbort);
            if (err) reject(toSrvCallError(name, err));
            else resolve(response);
          }),
        );
        if (learnsFeatures || ctx.onResponseMetadata) {
          call.on('metadata', (md: grpc.Metadata) => {
            if (learnsFeatures) learnFeatures(md);
            ctx.onResponseMetadata?.(md);
          });
        }
        ctx.signal?.addEventListener('abort', onAbort, { once: true });
      });
    const keyedRetries = method === 'CreateOrder';
    const durations = byStatusCode(grpcClientDuration, name, method, statusName);
    const observe = (code: grpc.status, startedAt: number) => durations(code).observeSince(startedAt);
    let inFlight = 0;
    api[method] = async (request: unknown, ctx: CallContext = {}) => {
      const startedAt = performance.now();
      if (inFlight >= maxInFlight) {
        observe(grpc.status.RESOURCE_EXHAUSTED, startedAt);
        throw new SrvCallError(
          name,
          grpc.status.UNAVAILABLE,
          `${maxInFlight} ${method} calls to ${name} already in flight`,
          ErrorReason.Overloaded,
        );
      }
      // Epoch ms: grpc-js takes a number as well as a Date, and a number costs no object per call.
      const deadline = ctx.deadline?.getTime() ?? Date.now() + options.deadlineMs;
      inFlight++;
      try {
        const response = await breaker.execute(async () => {
          for (let attempt = 0; ; attempt++) {
            try {
              const response = await once(request, ctx, deadline);
              lastAnswerAt = performance.now();
              return response;
            } catch (err) {
              if (err instanceof SrvCallError) {
                if (err.code === grpc.status.DEADLINE_EXCEEDED) {
                  if (lastAnswerAt > startedAt) busyTimeouts.add(err);
                } else if (err.code !== grpc.status.UNAVAILABLE && err.code !== grpc.status.CANCELLED) {
                  lastAnswerAt = performance.now(); // the srv's own refusal is an answer too
                }
              }
              const retry =
                keyedRetries &&
                ctx.idempotencyKey !== undefined &&
                features.has(Feature.IdempotencyKey) &&
                attempt < KEYED_RETRIES &&
                err instanceof SrvCallError &&
                err.code === grpc.status.UNAVAILABLE &&
                err.reason === undefined &&
                deadline - Date.now() > KEYED_RETRY_BACKOFF_MS * 2 ** attempt;
              if (!retry) throw err;
              await delay(KEYED_RETRY_BACKOFF_MS * 2 ** attempt);
            }
          }
        });
        observe(grpc.status.OK, startedAt);
        return response;
      } catch (err) {
        const failure =
          err instanceof BrokenCircuitError
            ? new SrvCallError(name, grpc.status.UNAVAILABLE, `${name} srv keeps timing out; failing fast for a while`)
            : err;
        observe(failure instanceof SrvCallError ? failure.code : grpc.status.UNKNOWN, startedAt);
        throw failure;
      } finally {
        inFlight--;
      }
    };
  }
  const healthClient = new HealthClient(target, grpc.credentials.createInsecure(), { channelOverride: raw.getChannel() });
  const health = (timeoutMs: number) =>
    new Promise<SrvHealthState>((resolve) => {
      const check = (healthClient as unknown as Record<string, (...args: unknown[]) => void>).Check;
      check?.call(
        healthClient,
        { service: '' },
        { deadline: new Date(Date.now() + timeoutMs) },
        (err: grpc.ServiceError | null, res?: { status?: string }) => {
          if (!err) resolve((res?.status as SrvHealthState | undefined) ?? 'UNKNOWN');
          else if (err.code === grpc.status.DEADLINE_EXCEEDED) resolve('TIMEOUT');
          else if (err.code === grpc.status.NOT_FOUND) resolve('SERVICE_UNKNOWN');
          else resolve('UNREACHABLE');
        },
      );
    });
  return { api: api as unknown as Clients[N], health, features: () => features, close: () => raw.close() };
}

export type SrvTargets = Record<SrvName, string>;

export interface SrvConn extends Clients {
  /** Each srv's overall health (see SrvClient.health). */
  health(srv: SrvName, timeoutMs: number): Promise<SrvHealthState>;
  /** What each srv said it does (see SrvClient.features). */
  features(srv: SrvName): ReadonlySet<string>;
  close(): void;
}

/** The gateway's clients, one per srv. Creating them does not connect; the first call does. */
export function createSrvConn(targets: SrvTargets, options: ClientOptions): SrvConn {
  const goods = createSrvClient('goods', targets.goods, options);
  const inventory = createSrvClient('inventory', targets.inventory, options);
  const order = createSrvClient('order', targets.order, options);
  const userop = createSrvClient('userop', targets.userop, options);
  const clients = { goods, inventory, order, userop };
  return {
    goods: goods.api,
    inventory: inventory.api,
    order: order.api,
    userop: userop.api,
    features: (srv) => clients[srv].features(),
    health: (srv, timeoutMs) => clients[srv].health(timeoutMs),
    close() {
      goods.close();
      inventory.close();
      order.close();
      userop.close();
    },
  };
}
