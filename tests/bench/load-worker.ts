// The load generator of `npm run bench:orders`, in its own worker thread so that sending requests and
// parsing answers does not share the event loop of the gateway and srvs being measured.
// autocannon sends exactly `amount` POST /o/v1/orders over `connections` keep-alive connections;
// request i carries user i's token and its own Idempotency-Key.
import { parentPort, workerData } from 'node:worker_threads';
import autocannon from 'autocannon';

export interface LoadJob {
  url: string;
  /** One token per request, in the order the requests are sent. */
  tokens: string[];
  /** Request i sends `Idempotency-Key: <keyPrefix><i>`. */
  keyPrefix: string;
  body: string;
  connections: number;
  timeoutSeconds: number;
}

export interface LoadResult {
  /** From the first request sent to the last answer received (autocannon notices the end only on its 1 s tick). */
  wallMs: number;
  /** The same window in epoch milliseconds (comparable across threads). */
  window: { from: number; to: number };
  sent: number;
  /** Count per HTTP status. */
  statuses: Record<string, number>;
  /** Latency in ms of every 2xx answer (high resolution) but the first on each connection. */
  okLatenciesMs: number[];
  /**
   * Latency of the first 2xx answer on each connection. Kept apart: it includes waiting for the busy server
   * to accept the connection, which the 32 or 64 connections opened at once at the start make a startup artefact.
   */
  firstLatenciesMs: number[];
  /** Socket errors and timeouts (no HTTP answer at all). */
  errors: number;
  timeouts: number;
}

async function run(job: LoadJob): Promise<LoadResult> {
  let next = 0;
  const statuses: Record<string, number> = {};
  const okLatenciesMs: number[] = [];
  const firstLatenciesMs: number[] = [];
  const answeredClients = new WeakSet<object>();
  let firstSentAt: number | undefined;
  let lastAnsweredAt = 0;
  let finish: (result: autocannon.Result) => void = () => {};
  let fail: (err: unknown) => void = () => {};
  const done = new Promise<autocannon.Result>((resolve, reject) => {
    finish = resolve;
    fail = reject;
  });
  const instance = autocannon(
    {
      url: job.url,
      connections: job.connections,
      amount: job.tokens.length,
      timeout: job.timeoutSeconds,
      requests: [
        {
          method: 'POST',
          path: '/o/v1/orders',
          setupRequest: (request) => {
            const i = next++;
            firstSentAt ??= performance.now();
            return {
              ...request,
              headers: {
                'content-type': 'application/json',
                // Past the prepared users autocannon would have sent more than asked; make that visible as a 401.
                'x-token': job.tokens[i] ?? 'bench-out-of-users',
                'idempotency-key': `${job.keyPrefix}${i}`,
              },
              body: job.body,
            };
          },
        },
      ],
    },
    (err: unknown, result: autocannon.Result) => (err ? fail(err) : finish(result)),
  );
  instance.on('response', (client, statusCode, _bytes, responseTime) => {
    lastAnsweredAt = performance.now();
    statuses[statusCode] = (statuses[statusCode] ?? 0) + 1;
    const first = !answeredClients.has(client);
    answeredClients.add(client);
    if (statusCode >= 200 && statusCode < 300) (first ? firstLatenciesMs : okLatenciesMs).push(responseTime);
  });
  const result = await done;
  return {
    wallMs: lastAnsweredAt - (firstSentAt ?? lastAnsweredAt),
    window: { from: performance.timeOrigin + (firstSentAt ?? lastAnsweredAt), to: performance.timeOrigin + lastAnsweredAt },
    sent: next,
    statuses,
    okLatenciesMs,
    firstLatenciesMs,
    errors: result.errors,
    timeouts: result.timeouts,
  };
}

if (parentPort) {
  const port = parentPort;
  run(workerData as LoadJob).then(
    (result) => port.postMessage({ ok: true, result }),
    (err: unknown) => port.postMessage({ ok: false, error: String((err as Error)?.stack ?? err) }),
  );
}
