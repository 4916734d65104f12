// The routes an Express 5 app really answers, read from its router stack: every route of the app and of
// every Router mounted in it (at any depth), with the full path and the handlers that run for it on the way
// (guards, validate(), the route's own). The OpenAPI document is built from this list, and the suite
// checks the document against it, so a route cannot be added without being documented. The request
// metrics read each route's template from it too.
//
// Express 5's router (router 2.x) keeps each layer's mount path as `rawPath`; a layer without a string
// rawPath (a RegExp or an array of paths) cannot be documented, and is refused loudly rather than skipped.
import type express from 'express';

interface RouteLike {
  path: unknown;
  methods: Record<string, boolean | undefined>;
  stack: LayerLike[];
}

interface LayerLike {
  handle: unknown;
  rawPath?: unknown;
  slash?: boolean;
  route?: RouteLike;
}

export interface MountedRoute {
  /** Lower case, as Express keeps it: get, post, … */
  method: string;
  /** Express syntax: /o/v1/orders/:id */
  path: string;
  /** Every handler that runs for this route, in order: app and router middleware on its path, then its own. */
  handlers: unknown[];
  /** Express's route object (what a matched request carries as `req.route`). */
  route: object;
}

function stackOf(handle: unknown): LayerLike[] | undefined {
  const stack = typeof handle === 'function' ? (handle as { stack?: unknown }).stack : undefined;
  return Array.isArray(stack) ? (stack as LayerLike[]) : undefined;
}

function stringPath(layer: LayerLike, what: string): string {
  if (typeof layer.rawPath !== 'string') {
    throw new Error(`${what} is mounted at a path that is not a plain string (${String(layer.rawPath)}): it cannot be documented`);
  }
  return layer.rawPath;
}

/** '/o/v1' + '/' is '/o/v1'; '' + '/' is '/'. */
function join(prefix: string, path: string): string {
  const joined = `${prefix}${path === '/' ? '' : path}`;
  return joined === '' ? '/' : joined;
}

/** Whether middleware mounted at `mount` runs for a request to `path` (mount paths match whole segments). */
function covers(mount: string, path: string): boolean {
  return mount === '/' || path === mount || path.startsWith(`${mount}/`);
}

function walk(stack: LayerLike[], prefix: string, outer: Array<{ mount: string; handle: unknown }>, into: MountedRoute[]): void {
  const middleware = [...outer];
  for (const layer of stack) {
    if (layer.route) {
      const route = layer.route;
      const path = join(prefix, stringPath(layer, 'a route'));
      if (route.methods._all) throw new Error(`${path} is mounted with .all(): name its methods so they can be documented`);
      const before = middleware.filter((m) => covers(m.mount, path)).map((m) => m.handle);
      for (const method of Object.keys(route.methods).filter((m) => route.methods[m])) {
        into.push({ method, path, handlers: [...before, ...route.stack.map((l) => l.handle)], route });
      }
      continue;
    }
    const mount = layer.slash ? prefix || '/' : join(prefix, stringPath(layer, 'a middleware or router'));
    const inner = stackOf(layer.handle);
    if (inner) walk(inner, mount === '/' ? '' : mount, middleware, into);
    else middleware.push({ mount, handle: layer.handle });
  }
}

export function mountedRoutes(app: express.Application): MountedRoute[] {
  const routes: MountedRoute[] = [];
  const stack = stackOf(app.router);
  if (!stack) throw new Error('the app has no router stack to read');
  walk(stack, '', [], routes);
  return routes;
}

/** GET /o/v1/orders/:id → "get /o/v1/orders/{id}": the key of an OpenAPI operation. */
export function openApiPath(path: string): string {
  if (/[*?{}()]/.test(path)) throw new Error(`${path}: wildcards and optional segments are not documented; use named parameters`);
  return path.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, '{$1}');
}
