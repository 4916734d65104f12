// GATEWAY_WORKERS > 1: the gateway on every core, as one server. The primary process forks the workers
// (node:cluster; they share the listening port, which the primary hands out round robin), replaces a
// worker that dies unexpectedly, and on SIGTERM/SIGINT stops them all — each drains as a single gateway
// would — and exits once they have. The instance registers in Consul once, here in the primary, when the
// first worker listens; on SIGTERM the primary deregisters while the workers answer readiness 503. Every log line says which worker wrote it. A scrape of GET /metrics
// lands on one worker, which asks the primary for every worker's metrics summed (prom-client's
// AggregatorRegistry), so Prometheus sees the whole gateway, not one worker at random.
import cluster, { type Worker } from 'node:cluster';
import { AggregatorRegistry } from 'prom-client';
import type { Logger } from '../global/logger';
import { exitAfterLogs } from './lifecycle';
import type { Registration } from './srv/registration';

/** A worker that dies this soon after starting is not replaced at once (a crash loop would spin). */
const EARLY_DEATH_MS = 5000;
const REPLACE_AFTER_EARLY_DEATH_MS = 2000;

export function isGatewayWorker(): boolean {
  return cluster.isWorker;
}

/** Runs in the primary: forks `count` workers and looks after them until a signal stops them all. */
export function superviseWorkers(count: number, logger: Logger, register?: (port: number) => Registration | undefined): void {
  let stopping = false;
  let registration: Registration | undefined;
  let deregistered: Promise<void> = Promise.resolve();
  const bornAt = new Map<number, number>();
  const fork = () => {
    const worker = cluster.fork();
    bornAt.set(worker.id, Date.now());
  };
  cluster.on('exit', (worker: Worker, code, signal) => {
    const lived = Date.now() - (bornAt.get(worker.id) ?? 0);
    bornAt.delete(worker.id);
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) {
        logger.info('all gateway workers stopped');
        void deregistered.then(() => exitAfterLogs(logger, 0));
      }
      return;
    }
    logger.error({ worker: worker.id, code, signal, livedMs: lived }, 'gateway worker died; starting another');
    if (lived < EARLY_DEATH_MS) setTimeout(fork, REPLACE_AFTER_EARLY_DEATH_MS).unref();
    else fork();
  });
  answerScrapes(logger);
  cluster.on('listening', (worker, address) => {
    logger.info({ worker: worker.id, port: address.port }, 'gateway worker listening');
    if (!registration && !stopping) registration = register?.(address.port);
  });
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal, workers: count }, 'shutting down the gateway workers');
    // The workers turn readiness 503 and wait a check interval before they drain; meanwhile the instance leaves Consul.
    deregistered = registration?.deregister() ?? Promise.resolve();
    const workers = Object.values(cluster.workers ?? {});
    if (workers.length === 0) void deregistered.then(() => exitAfterLogs(logger, 0));
    for (const worker of workers) worker?.process.kill('SIGTERM');
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  for (let i = 0; i < count; i++) fork();
}

/** The worker's number, for its log lines (undefined in the primary or a single gateway). */
export function workerId(): number | undefined {
  return cluster.worker?.id;
}

const SCRAPE = 'order-web:scrape';
const SCRAPED = 'order-web:scraped';

interface ScrapeRequest {
  type: typeof SCRAPE;
  id: number;
}
interface ScrapeAnswer {
  type: typeof SCRAPED;
  id: number;
  text?: string;
  error?: string;
}

/** In the primary: a worker's scrape request is answered with every worker's metrics, aggregated. */
function answerScrapes(logger: Logger): void {
  const aggregator = new AggregatorRegistry();
  cluster.on('message', (worker: Worker, message: Partial<ScrapeRequest>) => {
    if (message?.type !== SCRAPE || typeof message.id !== 'number') return;
    const { id } = message;
    aggregator.clusterMetrics().then(
      (text) => worker.send({ type: SCRAPED, id, text } satisfies ScrapeAnswer),
      (err: unknown) => {
        logger.warn({ err }, 'could not gather the workers’ metrics');
        worker.send({ type: SCRAPED, id, error: String(err) } satisfies ScrapeAnswer);
      },
    );
  });
}

/** In a worker: answers the primary's requests for this worker's metrics, and scrapes the whole gateway. */
export function workerScrape(): () => Promise<string> {
  new AggregatorRegistry(); // in a worker, this adds prom-client's answer to the primary's requests
  const pending = new Map<number, { resolve(text: string): void; reject(err: Error): void }>();
  let nextId = 0;
  process.on('message', (message: Partial<ScrapeAnswer>) => {
    if (message?.type !== SCRAPED || typeof message.id !== 'number') return;
    const waiter = pending.get(message.id);
    pending.delete(message.id);
    if (message.text !== undefined) waiter?.resolve(message.text);
    else waiter?.reject(new Error(message.error ?? 'no metrics from the primary'));
  });
  return () =>
    new Promise<string>((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      process.send?.({ type: SCRAPE, id } satisfies ScrapeRequest);
    });
}
