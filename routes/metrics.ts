// GET /metrics: Prometheus text for the whole gateway (with several workers, all of them: see
// src/workers.ts). Mounted ahead of the request pipeline, so a scrape is neither timed nor logged.
import type { RequestHandler } from 'express';
import { METRICS_CONTENT_TYPE } from '../global/metrics';

export function metricsRoute(scrape: () => Promise<string>): RequestHandler {
  return async (_req, res) => {
    const text = await scrape();
    res.setHeader('Content-Type', METRICS_CONTENT_TYPE);
    res.end(text);
  };
}
