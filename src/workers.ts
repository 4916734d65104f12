// GATEWAY_WORKERS > 1: the gateway on every core, as one server. The primary process forks the workers
// (node:cluster; they share the listening port, which the primary hands out round robin), replaces a
// worker that dies unexpectedly, and on SIGTERM/SIGINT stops them all — each drains as a single gateway
// would — and exits once they have. Every log line says which worker wrote it.
import cluster, { type Worker } from 'node:cluster';
import type { Logger } from '../global/logger';
import { exitAfterLogs } from './lifecycle';

/** A worker that dies this soon after starting is not replaced at once (a crash loop would spin). */
const EARLY_DEATH_MS = 5000;
const REPLACE_AFTER_EARLY_DEATH_MS = 2000;

export function isGatewayWorker(): boolean {
  return cluster.isWorker;
}

/** Runs in the primary: forks `count` workers and looks after them until a signal stops them all. */
export function superviseWorkers(count: number, logger: Logger): void {
  let stopping = false;
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
        exitAfterLogs(logger, 0);
      }
      return;
    }
    logger.error({ worker: worker.id, code, signal, livedMs: lived }, 'gateway worker died; starting another');
    if (lived < EARLY_DEATH_MS) setTimeout(fork, REPLACE_AFTER_EARLY_DEATH_MS).unref();
    else fork();
  });
  cluster.on('listening', (worker, address) => logger.info({ worker: worker.id, port: address.port }, 'gateway worker listening'));
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal, workers: count }, 'shutting down the gateway workers');
    const workers = Object.values(cluster.workers ?? {});
    if (workers.length === 0) exitAfterLogs(logger, 0);
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
