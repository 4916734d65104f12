// Operations routes: liveness (the course's GET /health: the process answers) and readiness (CONTRACT §5:
// should a load balancer send this instance traffic?). A srv outage is shared by every gateway instance, so
// it never takes this one out of the balancer: readiness is 503 only while the instance is starting (before
// its first look at the srvs) or draining (from SIGTERM on), and otherwise 200, `degraded` when some srv is
// not SERVING, with each srv's state. srv_up{srv} carries the same states for alerting.
import { randomUUID } from 'node:crypto';
import { type RequestHandler, Router } from 'express';
import { srvUp } from '../global/metrics';
import type { SrvConn, SrvHealthState } from '../global/srv-conn';
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

export type SrvStates = Record<SrvName, SrvHealthState>;

/** Every srv's health, asked in parallel within READINESS_TIMEOUT_MS; srv_up follows what was found. */
export async function lookAtSrvs(srv: Pick<SrvConn, 'health'>): Promise<SrvStates> {
  const states = await Promise.all(SRVS.map((name) => srv.health(name, READINESS_TIMEOUT_MS)));
  const found = {} as SrvStates;
  SRVS.forEach((name, i) => {
    const state = states[i] ?? 'UNREACHABLE';
    found[name] = state;
    srvUp.labels(name).set(state === 'SERVING' ? 1 : 0);
  });
  return found;
}

export function readinessRoutes({ srv, instance }: Pick<AppDeps, 'srv' | 'instance'>): Router {
  const router = Router();
  router.get('/health/ready', async (_req, res) => {
    const phase = instance?.phase ?? 'serving';
    if (phase !== 'serving') {
      res.status(503).json({ ready: false, reason: phase });
      return;
    }
    const srvs = await lookAtSrvs(srv);
    const degraded = Object.values(srvs).some((state) => state !== 'SERVING');
    res.json({ ready: true, degraded, srvs });
  });
  return router;
}
