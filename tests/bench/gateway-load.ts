// The load generators of `npm run bench:gateway`, each run in its own worker thread so that sending and
// parsing does not share the bench's event loop:
//   http:   autocannon, `connections` keep-alive connections for `seconds`, cycling through the given
//           requests (one per user: its path, token and body).
//   direct: the same RPCs the gateway makes for a route, with a plain grpc-js client (one channel per srv,
//           a deadline per call, nothing else), `connections` loops calling back to back for `seconds`.
// The worker posts `started` when the load begins (the bench samples CPU then) and `done` with the result.
import { parentPort, workerData } from 'node:worker_threads';
import * as grpc from '@grpc/grpc-js';
import autocannon from 'autocannon';
import { serviceDefinitions } from '../../global/proto';
import type { CartItemListResponse__Output } from '../../proto/types/proto/CartItemListResponse';

export interface HttpRequestSpec {
  path: string;
  token?: string;
  body?: string;
}

export interface HttpLoadJob {
  kind: 'http';
  url: string;
  method: 'GET' | 'POST';
  /** Cycled through in order, across all connections. */
  requests: HttpRequestSpec[];
  connections: number;
  seconds: number;
}

/** What one direct iteration calls; CartItemList+BatchGetGoods calls one after the other, as the gateway does. */
export type DirectRpc = 'OrderList' | 'OrderDetail' | 'CartItemList+BatchGetGoods' | 'CreateCartItem';

export interface DirectUser {
  userId: number;
  orderId: number;
  /** The goods CreateCartItem adds one unit of (already in the user's cart). */
  addGoods: number;
}

export interface DirectLoadJob {
  kind: 'direct';
  rpc: DirectRpc;
  targets: { order: string; goods: string };
  /** Cycled through in order, across all loops. */
  users: DirectUser[];
  connections: number;
  seconds: number;
  deadlineMs: number;
}

export type LoadJob = HttpLoadJob | DirectLoadJob;

export interface LoadResult {
  /** 2xx answers, or iterations whose calls all succeeded. */
  ok: number;
  /** Everything else, by HTTP status, gRPC status name, `socket error` or `timeout`. */
  failures: Record<string, number>;
  /** From the load's start to the last answer. */
  wallMs: number;
  /** Over the successful answers (high-resolution response times). */
  p50Ms: number;
  p99Ms: number;
}

export type LoadMessage = { kind: 'started' } | { kind: 'done'; result: LoadResult } | { kind: 'failed'; error: string };

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
}

/** Collects what a load run produces and turns it into a LoadResult. */
function tally() {
  const latencies: number[] = [];
  const failures: Record<string, number> = {};
  const startedAt = performance.now();
  let lastAt = startedAt;
  return {
    ok(latencyMs: number) {
      latencies.push(latencyMs);
      lastAt = performance.now();
    },
    failed(what: string, n = 1) {
      if (n > 0) failures[what] = (failures[what] ?? 0) + n;
      lastAt = performance.now();
    },
    result(): LoadResult {
      const sorted = Float64Array.from(latencies).sort();
      return { ok: latencies.length, failures, wallMs: lastAt - startedAt, p50Ms: percentile(sorted, 50), p99Ms: percentile(sorted, 99) };
    },
  };
}

// ---------------------------------------------------------------------------------------------- http

function runHttp(job: HttpLoadJob, started: () => void): Promise<LoadResult> {
  let next = 0;
  const headersOf = (spec: HttpRequestSpec): Record<string, string> => ({
    ...(spec.token ? { 'x-token': spec.token } : {}),
    ...(spec.body ? { 'content-type': 'application/json' } : {}),
  });
  started();
  const counts = tally();
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: job.url,
        connections: job.connections,
        duration: job.seconds,
        requests: [
          {
            method: job.method,
            setupRequest: (request) => {
              const spec = job.requests[next++ % job.requests.length]!;
              return { ...request, path: spec.path, headers: headersOf(spec), ...(spec.body ? { body: spec.body } : {}) };
            },
          },
        ],
      },
      (err: unknown, result: autocannon.Result) => {
        if (err) return reject(err);
        counts.failed('socket error', result.errors - result.timeouts);
        counts.failed('timeout', result.timeouts);
        resolve(counts.result());
      },
    );
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      if (statusCode >= 200 && statusCode < 300) counts.ok(responseTime);
      else counts.failed(String(statusCode));
    });
  });
}

// ---------------------------------------------------------------------------------------------- direct

function unary<T>(start: (done: grpc.requestCallback<T>) => void): Promise<T> {
  return new Promise((resolve, reject) =>
    start((err, value) => {
      if (err) reject(err);
      else if (value === undefined) reject(new Error('no answer'));
      else resolve(value);
    }),
  );
}

function ready(client: grpc.Client, deadlineMs: number): Promise<void> {
  return new Promise((resolve, reject) => client.waitForReady(Date.now() + deadlineMs, (err) => (err ? reject(err) : resolve())));
}

async function runDirect(job: DirectLoadJob, started: () => void): Promise<LoadResult> {
  const definitions = serviceDefinitions();
  const order = new definitions.order(job.targets.order, grpc.credentials.createInsecure());
  const goods = new definitions.goods(job.targets.goods, grpc.credentials.createInsecure());
  try {
    await Promise.all([ready(order, job.deadlineMs), ready(goods, job.deadlineMs)]);
    const options = (): grpc.CallOptions => ({ deadline: Date.now() + job.deadlineMs });
    const iterations: Record<DirectRpc, (user: DirectUser) => Promise<unknown>> = {
      OrderList: (u) => unary((done) => order.OrderList({ userId: u.userId, pages: 1, pagePerNums: 10 }, options(), done)),
      OrderDetail: (u) => unary((done) => order.OrderDetail({ id: u.orderId, userId: u.userId }, options(), done)),
      'CartItemList+BatchGetGoods': async (u) => {
        const cart = await unary<CartItemListResponse__Output>((done) => order.CartItemList({ id: u.userId }, options(), done));
        if (cart.data.length === 0) return cart;
        return unary((done) => goods.BatchGetGoods({ id: cart.data.map((item) => item.goodsId) }, options(), done));
      },
      CreateCartItem: (u) =>
        unary((done) => order.CreateCartItem({ userId: u.userId, goodsId: u.addGoods, nums: 1, checked: true }, options(), done)),
    };
    const iteration = iterations[job.rpc];
    started();
    const counts = tally();
    const end = performance.now() + job.seconds * 1000;
    let next = 0;
    const loop = async () => {
      while (performance.now() < end) {
        const user = job.users[next++ % job.users.length]!;
        const at = performance.now();
        try {
          await iteration(user);
          counts.ok(performance.now() - at);
        } catch (err) {
          const code = (err as Partial<grpc.ServiceError>).code;
          counts.failed(code === undefined ? String(err) : (grpc.status[code] ?? String(code)));
        }
      }
    };
    await Promise.all(Array.from({ length: job.connections }, loop));
    return counts.result();
  } finally {
    order.close();
    goods.close();
  }
}

// ---------------------------------------------------------------------------------------------- worker

if (parentPort) {
  const port = parentPort;
  const job = workerData as LoadJob;
  const post = (message: LoadMessage) => port.postMessage(message);
  const started = () => post({ kind: 'started' });
  (job.kind === 'http' ? runHttp(job, started) : runDirect(job, started)).then(
    (result) => post({ kind: 'done', result }),
    (err: unknown) => post({ kind: 'failed', error: err instanceof Error ? (err.stack ?? err.message) : String(err) }),
  );
}
