// The OpenAPI 3.1 document of a built app: its mounted routes (mounted-routes.ts), each route's forms and
// guards read from its handlers, the per-route facts of routes.ts, the shapes and the error table.
import type express from 'express';
import type {
  HeaderObject,
  OpenAPIObject,
  OperationObject,
  ParameterObject,
  PathItemObject,
  ResponseObject,
  ResponsesObject,
  SchemaObject,
  SecurityRequirementObject,
} from 'openapi3-ts/oas31';
import { type ErrorCode, httpStatusOf } from '../../global/errors';
import { guardOf } from '../../middlewares/auth';
import { type MountedRoute, mountedRoutes, openApiPath } from '../../middlewares/mounted-routes';
import { ACCEPTABLE_REQUEST_ID, REQUEST_ID_HEADER } from '../../middlewares/request-id';
import { type FormClass, type FormSpec, formSpecOf } from '../../middlewares/validate';
import { ROUTE_DOCS, type RouteDoc, type SuccessDoc } from './routes';
import { formSchema, SHAPES, schemaRef } from './schemas';

/** "GET /o/v1/orders/:id": how routes.ts names a mounted route. */
export function routeKey(route: Pick<MountedRoute, 'method' | 'path'>): string {
  return `${route.method.toUpperCase()} ${route.path}`;
}

export interface RouteCoverage {
  /** Mounted, without an entry in routes.ts. */
  undocumented: string[];
  /** In routes.ts, not mounted. */
  unmounted: string[];
}

export function routeCoverage(app: express.Express, docs: Record<string, RouteDoc> = ROUTE_DOCS): RouteCoverage {
  const mounted = new Set(mountedRoutes(app).map(routeKey));
  return {
    undocumented: [...mounted].filter((key) => !docs[key]),
    unmounted: Object.keys(docs).filter((key) => !mounted.has(key)),
  };
}

const REQUEST_ID_DESCRIPTION =
  "The id of this request in the gateway and srv logs: the caller's own when it is 1 to 128 of `A-Za-z0-9._:-`, else a new UUID.";

const SECURITY_SCHEMES = {
  xToken: { type: 'apiKey', in: 'header', name: 'x-token', description: "The course SPA's header: the JWT itself (HS256)." },
  bearer: {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: '`Authorization: Bearer <token>` (also `Authorization: JWT <token>`).',
  },
} as const;

/** Any one of the schemes will do. */
const USER_SECURITY: SecurityRequirementObject[] = [{ xToken: [] }, { bearer: [] }];

/** What each error code means when it is a route's answer (the status comes from the error table). */
const ERROR_MEANING: Record<ErrorCode, string> = {
  INVALID_ARGUMENT: 'a field, the path or the body is invalid (`error` names each failing field)',
  UNAUTHENTICATED: 'no token (请登录), an expired one (授权已过期) or an invalid one (未登录)',
  PERMISSION_DENIED: 'only admins (AuthorityId 2)',
  NOT_FOUND: "not found (another user's records answer the same)",
  CONFLICT: 'conflicts with the current state',
  OUT_OF_STOCK: 'not enough stock (库存不足)',
  PAYLOAD_TOO_LARGE: 'the body is over the size limit',
  UNSUPPORTED_MEDIA_TYPE: 'a body encoding or charset the gateway does not read',
  UNPROCESSABLE: 'the Idempotency-Key was used for a different request',
  HEADERS_TOO_LARGE: 'the headers are over the size limit',
  UNAVAILABLE: 'a srv is unavailable (the message names it); retry later',
  OVERLOADED: 'too many calls to a srv are in flight from this gateway: shed at once, retry after `Retry-After` seconds',
  TIMEOUT: 'a srv did not answer in time',
  INTERNAL: 'an unexpected failure (details only in the log)',
};

interface RouteFacts {
  forms: FormSpec;
  guard: 'user' | 'admin' | undefined;
}

function factsOf(route: MountedRoute): RouteFacts {
  const forms: FormSpec = {};
  let guard: RouteFacts['guard'];
  for (const handler of route.handlers) {
    Object.assign(forms, formSpecOf(handler));
    const g = guardOf(handler);
    if (g === 'admin' || (g === 'user' && guard === undefined)) guard = g;
  }
  return { forms, guard };
}

function parametersOf(form: FormClass, where: 'query' | 'path'): ParameterObject[] {
  const schema = formSchema(form);
  const required = new Set(schema.required ?? []);
  return Object.entries(schema.properties ?? {}).map(([name, property]) => ({
    name,
    in: where,
    required: where === 'path' || required.has(name),
    schema: property as SchemaObject,
  }));
}

/** Every error code the route can answer: its guards', its forms', its srvs' and its own. */
function errorCodesOf(doc: RouteDoc, facts: RouteFacts): Set<ErrorCode> {
  const codes = new Set<ErrorCode>(doc.errors ?? []);
  if (facts.guard) codes.add('UNAUTHENTICATED');
  if (facts.guard === 'admin') codes.add('PERMISSION_DENIED');
  if (facts.forms.body || facts.forms.query || facts.forms.params) codes.add('INVALID_ARGUMENT');
  // JSON bodies: malformed (400), too large (413), an encoding or charset not read (415).
  if (facts.forms.body) for (const code of ['INVALID_ARGUMENT', 'PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE'] as const) codes.add(code);
  if (doc.srvs !== false) {
    codes.add('UNAVAILABLE');
    codes.add('OVERLOADED');
    codes.add('TIMEOUT');
  }
  codes.add('INTERNAL');
  return codes;
}

const requestIdHeader: HeaderObject = { $ref: '#/components/headers/XRequestId' } as HeaderObject;

function successResponse(ok: SuccessDoc, bare: boolean): [string, ResponseObject] {
  const spec = typeof ok === 'string' ? { status: 200, description: 'OK', content: { 'application/json': ok } } : ok;
  const response: ResponseObject = { description: spec.description };
  const headers: Record<string, HeaderObject> = { ...(bare ? {} : { [REQUEST_ID_HEADER]: requestIdHeader }), ...spec.headers };
  if (Object.keys(headers).length > 0) response.headers = headers;
  if (spec.content) {
    response.content = Object.fromEntries(
      Object.entries(spec.content).map(([type, schema]) => [type, { schema: typeof schema === 'string' ? schemaRef(schema) : schema }]),
    );
  }
  return [String(spec.status), response];
}

function errorResponses(codes: Set<ErrorCode>): ResponsesObject {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) byStatus.set(httpStatusOf(code), [...(byStatus.get(httpStatusOf(code)) ?? []), code]);
  const responses: ResponsesObject = {};
  for (const [status, list] of [...byStatus].sort(([a], [b]) => a - b)) {
    const response: ResponseObject = {
      description: list.map((code) => `${code}: ${ERROR_MEANING[code]}`).join('; '),
      headers: { [REQUEST_ID_HEADER]: requestIdHeader },
      content: {
        'application/json': {
          schema: { allOf: [schemaRef('ErrorEnvelope'), { properties: { code: { enum: list } } }] },
        },
      },
    };
    // The idempotency-in-flight 409 and a shed 503 say when to try again.
    if (list.includes('CONFLICT') || list.includes('OVERLOADED')) {
      response.headers = {
        ...response.headers,
        'Retry-After': { description: 'seconds to wait, when worth retrying', schema: { type: 'integer' } },
      };
    }
    responses[String(status)] = response;
  }
  return responses;
}

function operationOf(route: MountedRoute, doc: RouteDoc | undefined, formSchemas: Map<string, SchemaObject>): OperationObject {
  const path = openApiPath(route.path);
  const operationId = `${route.method}${path.replace(/[{}]/g, '').replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ?? '').toUpperCase())}`;
  if (!doc) {
    return { operationId, summary: 'Not documented yet', responses: { default: { description: 'undocumented' } }, 'x-undocumented': true };
  }
  const facts = factsOf(route);
  const operation: OperationObject = { operationId, tags: [doc.tag], summary: doc.summary };
  if (doc.description) operation.description = doc.description;

  const parameters: ParameterObject[] = [];
  if (facts.forms.params) parameters.push(...parametersOf(facts.forms.params, 'path'));
  if (facts.forms.query) parameters.push(...parametersOf(facts.forms.query, 'query'));
  if (doc.freeQuery) {
    parameters.push({
      name: 'params',
      in: 'query',
      style: 'form',
      explode: true,
      description: doc.freeQuery.description,
      schema: doc.freeQuery.schema,
    });
  }
  for (const header of doc.headers ?? []) parameters.push({ in: 'header', required: false, ...header });
  if (!doc.bare) parameters.push({ $ref: '#/components/parameters/XRequestId' } as unknown as ParameterObject);
  if (parameters.length > 0) operation.parameters = parameters;

  if (facts.forms.body) {
    const name = facts.forms.body.name;
    formSchemas.set(name, formSchema(facts.forms.body));
    operation.requestBody = {
      required: true,
      content: { 'application/json': { schema: schemaRef(name), ...(doc.example ? { example: doc.example } : {}) } },
    };
  } else if (doc.body) {
    operation.requestBody = {
      required: true,
      description: doc.body.description,
      content: { [doc.body.contentType]: { schema: doc.body.schema } },
    };
  }

  if (facts.guard) {
    operation.security = USER_SECURITY;
    if (facts.guard === 'admin') operation.description = `${operation.description ?? ''}\n\nAdmins only (AuthorityId 2).`.trim();
  } else {
    // Said explicitly: a route without a guard is public, not one whose guard was forgotten.
    operation.security = [];
  }

  const responses: ResponsesObject = Object.fromEntries([doc.ok, ...(doc.also ?? [])].map((ok) => successResponse(ok, doc.bare === true)));
  if (!doc.bare) Object.assign(responses, errorResponses(errorCodesOf(doc, facts)));
  operation.responses = responses;
  return operation;
}

export interface DocumentOptions {
  version?: string;
  docs?: Record<string, RouteDoc>;
}

export function buildOpenApiDocument(app: express.Express, options: DocumentOptions = {}): OpenAPIObject {
  const docs = options.docs ?? ROUTE_DOCS;
  const formSchemas = new Map<string, SchemaObject>();
  const paths: Record<string, PathItemObject> = {};
  for (const route of mountedRoutes(app)) {
    const key = openApiPath(route.path);
    paths[key] = { ...paths[key], [route.method]: operationOf(route, docs[routeKey(route)], formSchemas) };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'order-web',
      version: options.version ?? '0.1.0',
      license: { name: 'MIT', identifier: 'MIT' },
      description:
        'The HTTP gateway of the mxshop order system. JSON in and out; every error is one envelope ' +
        '`{msg, code, requestId, error?}` with the status of its code. Every answer carries `X-Request-Id`.',
    },
    servers: [{ url: '/', description: 'this gateway' }],
    tags: [
      { name: 'cart', description: "the caller's shopping cart" },
      { name: 'orders', description: "orders: admins read everyone's, users their own" },
      { name: 'favourites', description: "the caller's favourite goods (/up/v1)" },
      { name: 'addresses', description: "the caller's delivery addresses (/up/v1)" },
      { name: 'messages', description: "the caller's messages to the shop (/up/v1)" },
      { name: 'pay', description: 'Alipay callbacks (no token: signed by Alipay)' },
      { name: 'admin', description: 'operations for admins (AuthorityId 2)' },
      { name: 'operations', description: 'health, readiness and these docs' },
    ],
    paths,
    components: {
      schemas: { ...SHAPES, ...Object.fromEntries([...formSchemas].sort(([a], [b]) => a.localeCompare(b))) },
      securitySchemes: SECURITY_SCHEMES as NonNullable<OpenAPIObject['components']>['securitySchemes'],
      headers: { XRequestId: { description: REQUEST_ID_DESCRIPTION, schema: { type: 'string' } } },
      parameters: {
        XRequestId: {
          name: REQUEST_ID_HEADER,
          in: 'header',
          required: false,
          description: REQUEST_ID_DESCRIPTION,
          schema: { type: 'string', pattern: ACCEPTABLE_REQUEST_ID.source },
        },
      },
    },
  };
}
