// Request durations by method, route template and status, for every request that passes it (mount
// it before the routes). The route is the template that matched (`/o/v1/orders/:id`), never the URL:
// the label stays bounded whatever callers send. A request answered before any route matched (an
// unknown path, or refused by a middleware ahead of the routes such as authentication) is UNMATCHED.
// Per request: a time reading, a listener and a few Map lookups; no label objects, no strings built.
import type { Application, Request, RequestHandler, Response } from 'express';
import { DurationHistogram } from '../global/metrics';
import { mountedRoutes } from './mounted-routes';

export const UNMATCHED = 'unmatched';

export const httpRequestDuration = new DurationHistogram(
  'http_request_duration_seconds',
  'HTTP requests answered, by method, route template and status code',
  ['method', 'route', 'status_code'],
);

const STARTED_AT = Symbol('http-metrics.startedAt');

type Timed = Response & { [STARTED_AT]?: number };

/** Each route object's full template (mount paths + its own path), learnt from the app's router. */
const templates = new WeakMap<object, string>();

function routeTemplate(req: Request): string {
  const route: unknown = req.route;
  if (typeof route !== 'object' || route === null) return UNMATCHED;
  let template = templates.get(route);
  if (template === undefined) {
    // First request to this route: learn every route the app has (routes added later are learnt too).
    for (const mounted of mountedRoutes(req.app as Application)) templates.set(mounted.route, mounted.path);
    template = templates.get(route);
    if (template === undefined) {
      template = String((route as { path?: unknown }).path ?? UNMATCHED);
      templates.set(route, template);
    }
  }
  return template;
}

/** Status codes as label values, made once each. */
const statusText: string[] = [];

function onFinish(this: Timed): void {
  const startedAt = this[STARTED_AT];
  if (startedAt === undefined) return;
  const code = this.statusCode;
  let status = statusText[code];
  if (status === undefined) {
    status = String(code);
    statusText[code] = status;
  }
  httpRequestDuration.at(this.req.method, routeTemplate(this.req), status).observeSince(startedAt);
}

export function httpMetrics(): RequestHandler {
  return (_req, res, next) => {
    (res as Timed)[STARTED_AT] = performance.now();
    res.once('finish', onFinish);
    next();
  };
}
