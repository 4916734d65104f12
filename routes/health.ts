// Operations routes: liveness (the course's GET /health: the process answers) and readiness (every srv
// answers its grpc.health.v1 Check with SERVING within a second), for load balancers and probes.
import { randomUUID } from 'node:crypto';
import { type RequestHandler, Router } from 'express';
import type { SrvHealthState } from '../global/srv-conn';
import { SRV_LABEL, type SrvName } from '../global/wire';
import { ACCEPTABLE_REQUEST_ID, REQUEST_ID_HEADER } from '../middlewares/request-id';
import type { AppDeps } from '../src/deps';

/** How long each srv has to answer its health Check (CONTRACT §5). */
export const READINESS_TIMEOUT_MS = 1000;

const SRVS = Object.keys(SRV_LABEL) as SrvName[];

const LIVE = JSON.stringify({ code: 200, success: true });

/** GET /health: the process answers. Mounted ahead of the request pipeline. */
export const liveness: RequestHandler = (req, res) => {
  // Outside the pipeline (no access line), but a probe's id still comes back, as on every answer.
  const incoming = req.get(REQUEST_ID_HEADER);
  res.setHeader(REQUEST_ID_HEADER, incoming !== undefined && ACCEPTABLE_REQUEST_ID.test(incoming) ? incoming : randomUUID());
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.end(LIVE);
};

export function readinessRoutes({ srv }: Pick<AppDeps, 'srv'>): Router {
  const router = Router();
  router.get('/health/ready', async (_req, res) => {
    const states = await Promise.all(SRVS.map((name) => srv.health(name, READINESS_TIMEOUT_MS)));
    const srvs = Object.fromEntries(SRVS.map((name, i) => [name, states[i]])) as Record<SrvName, SrvHealthState>;
    const ready = states.every((s) => s === 'SERVING');
    res.status(ready ? 200 : 503).json({ ready, srvs });
  });
  return router;
}
