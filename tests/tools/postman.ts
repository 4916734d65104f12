// The Postman collection of the gateway, generated from its OpenAPI document by openapi-to-postmanv2 and
// then made a walk that runs top to bottom for a fresh user (FLOW below): only `baseUrl`, `token` and
// `adminToken` are set by hand; ids come from earlier answers; the cart is filled before checkout; the
// payment goes through the dev stack's stand-in cashier (steps marked "dev stack", which only `npm start`
// without a real Alipay app serves), since nothing outside Alipay can sign a notify. Every request has a
// test script asserting its status and the keys the document promises, so newman fails on any mismatch.
// The document's example bodies, a fresh Idempotency-Key per send, and nothing random, so the committed
// copy can be compared with a fresh one.
//
// `npm run postman` writes docs/order-web.postman_collection.json; tests/e2e/postman.test.ts keeps it in sync;
// .ci/check-artefacts runs it with newman against the dev stack.
import fs from 'node:fs';
import path from 'node:path';
import type { OpenAPIObject, OperationObject, ReferenceObject, ResponseObject, SchemaObject } from 'openapi3-ts/oas31';
import { gatewayDocument } from '../../src/api-document';

export const COLLECTION_FILE = path.join('docs', 'order-web.postman_collection.json');
export const DEFAULT_BASE_URL = 'http://127.0.0.1:8023';

interface ConvertResult {
  result: boolean;
  reason?: string;
  output?: Array<{ type: string; data: PostmanCollection }>;
}

interface PostmanConverter {
  convert(
    input: { type: 'json'; data: unknown },
    options: Record<string, unknown>,
    cb: (err: unknown, result: ConvertResult) => void,
  ): void;
}

interface PostmanKeyValue {
  key: string;
  value: string;
  disabled?: boolean;
  description?: unknown;
  type?: string;
}

interface PostmanRequest {
  name?: string;
  description?: unknown;
  method: string;
  /** A dev-stack step's URL is a variable taken from an earlier answer: raw only, no path. */
  url: { host?: string[]; path?: string[]; query?: PostmanKeyValue[]; variable?: PostmanKeyValue[] } | string;
  header?: PostmanKeyValue[];
  auth?: unknown;
  body?: { mode: string; raw?: string; urlencoded?: PostmanKeyValue[]; options?: unknown };
}

interface PostmanEvent {
  listen: 'prerequest' | 'test';
  script: { type: 'text/javascript'; exec: string[] };
}

export interface PostmanItem {
  id?: string;
  name: string;
  description?: string;
  item?: PostmanItem[];
  request?: PostmanRequest;
  response?: unknown[];
  event?: PostmanEvent[];
  protocolProfileBehavior?: Record<string, unknown>;
}

export interface PostmanCollection {
  info: { _postman_id?: string; name: string; schema: string; description?: unknown };
  item: PostmanItem[];
  variable?: Array<{ key: string; value: string; type?: string; description?: string }>;
  event?: unknown[];
  auth?: unknown;
}

// openapi-to-postmanv2 is CommonJS without types.
const converter: PostmanConverter = require('openapi-to-postmanv2');

function convert(document: OpenAPIObject): Promise<PostmanCollection> {
  return new Promise((resolve, reject) => {
    converter.convert(
      { type: 'json', data: document },
      { folderStrategy: 'Tags', requestNameSource: 'Fallback', parametersResolution: 'Example', includeAuthInfoInExample: false },
      (err, result) => {
        const collection = result?.output?.[0]?.data;
        if (err || !result.result || !collection) reject(err ?? new Error(`openapi-to-postmanv2: ${result?.reason ?? 'no collection'}`));
        else resolve(collection);
      },
    );
  });
}

/** How one request takes part in the walk. */
interface Step {
  /** "METHOD /express/path" of a documented route, or a dev-stack step's own name. */
  route: string;
  /** The status the test script asserts. */
  status: number;
  /** Path variables: name → value (a {{variable}} set by an earlier step, or a demo goods id). */
  path?: Record<string, string>;
  query?: Record<string, string>;
  /** Replaces the document's example body. */
  body?: Record<string, unknown>;
  /** The variable whose token goes in x-token (default `token`). */
  token?: 'token' | 'adminToken';
  /** Script run before the request (to set up what it needs). */
  before?: string[];
  /** Assertions and captures after the generic status and keys checks. */
  after?: string[];
  /** Redirects are asserted, not followed. */
  noRedirects?: boolean;
}

/** A dev-stack step: a request to the stand-in Alipay, not a gateway route. */
interface DevStep extends Step {
  name: string;
  description: string;
  method: string;
  /** A {{variable}} holding the whole URL. */
  url: string;
}

const json = (code: string) => [`const body = pm.response.json();`, code];
const setVar = (name: string, expr: string) => `pm.collectionVariables.set('${name}', ${expr});`;
/** pm.sendRequest as a promise, for a pre-request script that prepares state through the gateway. */
const SEND = [
  'const send = (method, path, body) => new Promise((resolve, reject) => pm.sendRequest({',
  "  url: pm.variables.replaceIn('{{baseUrl}}') + path, method,",
  "  header: { 'x-token': pm.variables.replaceIn('{{token}}'), 'content-type': 'application/json' },",
  "  body: { mode: 'raw', raw: JSON.stringify(body ?? {}) },",
  "}, (err, res) => (err ? reject(err) : res.code === 200 ? resolve(res.json()) : reject(new Error(method + ' ' + path + ': ' + res.code + ' ' + res.text())))));",
];
/** A failed preparation fails the run (a rejected promise alone would go unnoticed). */
const PREPARED = ".catch((err) => pm.test('prepared through the gateway', () => { throw err; }));";

/** The walk, top to bottom, folder by folder. */
const FLOW: Array<{ folder: string; description: string; steps: Array<Step | DevStep> }> = [
  {
    folder: 'operations',
    description: 'Liveness, readiness, metrics and the docs: no token.',
    steps: [
      { route: 'GET /health', status: 200 },
      {
        route: 'GET /health/ready',
        status: 200,
        after: json("pm.test('every srv is SERVING', () => pm.expect(body.ready).to.equal(true));"),
      },
      {
        route: 'GET /metrics',
        status: 200,
        after: [
          "pm.test('the HTTP durations are there', () => pm.expect(pm.response.text()).to.include('http_request_duration_seconds'));",
        ],
      },
      { route: 'GET /openapi.json', status: 200, after: json("pm.test('OpenAPI 3.1', () => pm.expect(body.openapi).to.equal('3.1.0'));") },
      { route: 'GET /docs', status: 200, after: ["pm.test('Swagger UI', () => pm.expect(pm.response.text()).to.include('swagger-ui'));"] },
    ],
  },
  {
    folder: 'favourites',
    description: 'Goods 1 of the demo catalogue in and out of the favourites.',
    steps: [
      { route: 'POST /up/v1/userfavs', status: 200 },
      {
        route: 'GET /up/v1/userfavs',
        status: 200,
        after: json("pm.test('goods 1 is listed', () => pm.expect(body.data.map((f) => f.id)).to.include(1));"),
      },
      { route: 'GET /up/v1/userfavs/:id', status: 200, path: { id: '1' } },
      { route: 'DELETE /up/v1/userfavs/:id', status: 200, path: { id: '1' } },
    ],
  },
  {
    folder: 'addresses',
    description: 'An address saved, listed, replaced and deleted: its id comes from the first answer.',
    steps: [
      { route: 'POST /up/v1/address', status: 200, after: json(setVar('addressId', 'body.id')) },
      {
        route: 'GET /up/v1/address',
        status: 200,
        after: json(
          "pm.test('the new address is listed', () => pm.expect(body.data.map((a) => a.id)).to.include(pm.collectionVariables.get('addressId')));",
        ),
      },
      { route: 'PUT /up/v1/address/:id', status: 200, path: { id: '{{addressId}}' } },
      { route: 'PATCH /up/v1/address/:id', status: 200, path: { id: '{{addressId}}' } },
      { route: 'DELETE /up/v1/address/:id', status: 200, path: { id: '{{addressId}}' } },
    ],
  },
  {
    folder: 'messages',
    description: 'A message left and read back.',
    steps: [
      { route: 'POST /up/v1/message', status: 200, after: json(setVar('messageId', 'body.id')) },
      {
        route: 'GET /up/v1/message',
        status: 200,
        after: json(
          "pm.test('the new message is listed', () => pm.expect(body.data.map((m) => m.id)).to.include(pm.collectionVariables.get('messageId')));",
        ),
      },
    ],
  },
  {
    folder: 'cart',
    description: 'Goods 1 into the cart and checked, for the checkout that follows; goods 2 in and out again.',
    steps: [
      { route: 'POST /o/v1/shopcarts', status: 200, body: { goods: 1, nums: 1 } },
      { route: 'PATCH /o/v1/shopcarts/:goodsId', status: 200, path: { goodsId: '1' }, body: { nums: 2, checked: true } },
      {
        route: 'DELETE /o/v1/shopcarts/:goodsId',
        status: 200,
        path: { goodsId: '2' },
        before: [
          "// Goods 2 goes in first, so there is a row to remove that is not the checkout's.",
          ...SEND,
          `send('POST', '/o/v1/shopcarts', { goods: 2, nums: 1 })${PREPARED}`,
        ],
      },
      {
        route: 'GET /o/v1/shopcarts',
        status: 200,
        after: json(
          "pm.test('only goods 1, twice, checked', () => pm.expect(body.data.map((r) => [r.goods_id, r.nums, r.checked])).to.eql([[1, 2, true]]));",
        ),
      },
    ],
  },
  {
    folder: 'orders',
    description: 'Checkout of the checked cart, the order read back, and a second order cancelled.',
    steps: [
      {
        route: 'POST /o/v1/orders',
        status: 200,
        after: json([setVar('orderId', 'body.id'), setVar('orderSn', 'body.order_sn'), setVar('alipayUrl', 'body.alipay_url')].join('\n')),
      },
      {
        route: 'GET /o/v1/orders',
        status: 200,
        query: { p: '1', pnum: '10' },
        after: json(
          "pm.test('the new order is listed', () => pm.expect(body.data.map((o) => o.id)).to.include(pm.collectionVariables.get('orderId')));",
        ),
      },
      {
        route: 'GET /o/v1/orders/:id',
        status: 200,
        path: { id: '{{orderId}}' },
        after: json(
          [
            "pm.test('unpaid, with its goods', () => {",
            "  pm.expect(body.status).to.equal('paying');",
            '  pm.expect(body.goods.map((g) => [g.id, g.nums])).to.eql([[1, 2]]);',
            '});',
          ].join('\n'),
        ),
      },
      {
        route: 'DELETE /o/v1/orders/:id',
        status: 200,
        path: { id: '{{cancelOrderId}}' },
        before: [
          '// A second order to cancel (the first one is paid next): goods 3 into the cart, then checkout.',
          ...SEND,
          "send('POST', '/o/v1/shopcarts', { goods: 3, nums: 1 })",
          "  .then(() => send('POST', '/o/v1/orders', { address: '杭州市西湖区', name: '孙九', mobile: '13700137000', post: '取消' }))",
          `  .then((order) => { ${setVar('cancelOrderId', 'order.id')} })`,
          `  ${PREPARED}`,
        ],
      },
    ],
  },
  {
    folder: 'pay',
    description:
      "The first order paid in the dev stack's stand-in cashier (its alipay_url): the cashier sends the signed notify and " +
      'the browser back through the return route to the pay-result page. Against a real Alipay app these dev-stack steps ' +
      'do not apply: Alipay signs the notify and the return.',
    steps: [
      {
        route: 'dev stack: open the cashier',
        name: 'Open the cashier (dev stack)',
        description: "The order's alipay_url: the stand-in Alipay checks its signature and shows the cashier.",
        method: 'GET',
        url: '{{alipayUrl}}',
        status: 200,
        after: [
          'const page = pm.response.text();',
          "pm.test('the cashier shows the order', () => pm.expect(page).to.include(pm.collectionVariables.get('orderSn')));",
          'const action = page.match(/action="(\\/cashier\\/[0-9a-f]+\\/pay)"/);',
          "pm.test('it offers to pay', () => pm.expect(action).to.be.an('array'));",
          setVar('cashierPayUrl', "pm.collectionVariables.get('alipayUrl').match(/^https?:\\/\\/[^/]+/)[0] + action[1]"),
        ],
      },
      {
        route: 'dev stack: pay',
        name: 'Pay in the cashier (dev stack)',
        description:
          'The buyer pays: the stand-in sends the signed TRADE_SUCCESS notify to the gateway, then redirects to the return route.',
        method: 'POST',
        url: '{{cashierPayUrl}}',
        status: 303,
        noRedirects: true,
        after: [
          "const location = pm.response.headers.get('Location');",
          "const returnRoute = pm.variables.replaceIn('{{baseUrl}}') + '/o/v1/pay/alipay/return?';",
          "pm.test('back through the return route', () => pm.expect(location.startsWith(returnRoute)).to.equal(true));",
          setVar('alipayReturnQuery', 'location.slice(returnRoute.length)'),
        ],
      },
      {
        route: 'GET /o/v1/pay/alipay/return',
        status: 302,
        noRedirects: true,
        before: [
          "// The signed query of the cashier's redirect, exactly as signed.",
          'pm.request.url.query.clear();',
          "for (const pair of pm.collectionVariables.get('alipayReturnQuery').split('&')) {",
          "  const at = pair.indexOf('=');",
          '  pm.request.url.query.add({ key: pair.slice(0, at), value: pair.slice(at + 1) });',
          '}',
        ],
        after: [
          "const location = pm.response.headers.get('Location');",
          "pm.test('to the pay-result page, paid', () => {",
          "  pm.expect(location).to.include('order_sn=' + pm.collectionVariables.get('orderSn'));",
          "  pm.expect(location).to.include('paid=true');",
          '});',
          setVar('payResultUrl', 'location'),
        ],
      },
      {
        route: 'dev stack: pay result',
        name: 'The pay-result page (dev stack)',
        description: "Where the return route sent the browser: the stand-in's page with the order, its amount and whether it is paid.",
        method: 'GET',
        url: '{{payResultUrl}}',
        status: 200,
        after: [
          'const page = pm.response.text();',
          "pm.test('the order, paid', () => {",
          "  pm.expect(page).to.include(pm.collectionVariables.get('orderSn'));",
          '  pm.expect(page).to.include(\'data-paid="true"\');',
          '});',
        ],
      },
      {
        route: 'POST /o/v1/pay/alipay/notify',
        status: 200,
        body: {
          app_id: '2021000000000000',
          out_trade_no: '{{orderSn}}',
          trade_status: 'TRADE_SUCCESS',
          total_amount: '0.01',
          sign_type: 'RSA2',
          sign: 'forged',
        },
        after: [
          '// Only Alipay can sign a notify (the cashier sent the real one): a forged one is refused.',
          "pm.test('a forged notify is refused', () => pm.expect(pm.response.text()).to.equal('fail'));",
        ],
      },
    ],
  },
  {
    folder: 'admin',
    description: 'Needs `adminToken`: npm run token -- <userId> --admin.',
    steps: [{ route: 'POST /o/v1/admin/reconcile', status: 200, token: 'adminToken', query: { older_than_seconds: '1800' } }],
  },
];

/** "GET /o/v1/orders/:id" for a request to a gateway route; undefined for a dev-stack step. */
export function routeOf(item: PostmanItem): string | undefined {
  const request = item.request;
  if (!request || typeof request.url === 'string' || !request.url.path) return undefined;
  return `${request.method} /${request.url.path.join('/')}`;
}

const isDevStep = (step: Step | DevStep): step is DevStep => 'url' in step;

/** "GET /o/v1/orders/:id" as the collection spells its path, from the document's "/o/v1/orders/{id}". */
function operationsByRequest(document: OpenAPIObject): Map<string, OperationObject> {
  const map = new Map<string, OperationObject>();
  for (const [route, item] of Object.entries(document.paths ?? {})) {
    for (const [method, operation] of Object.entries(item)) {
      map.set(`${method.toUpperCase()} ${route.replace(/\{([^}]+)\}/g, ':$1')}`, operation as OperationObject);
    }
  }
  return map;
}

function jsonExample(operation: OperationObject): unknown {
  const body = operation.requestBody;
  return body && 'content' in body ? body.content['application/json']?.example : undefined;
}

function resolve(document: OpenAPIObject, schema: SchemaObject | ReferenceObject | undefined): SchemaObject | undefined {
  if (!schema) return undefined;
  if ('$ref' in schema) return resolve(document, document.components?.schemas?.[String(schema.$ref).split('/').pop() ?? '']);
  return schema as SchemaObject;
}

/** The keys the document promises for an answer: its required properties, else all it names. */
function promisedKeys(document: OpenAPIObject, schema: SchemaObject | undefined): string[] {
  const parts = [schema, ...(schema?.allOf ?? []).map((s) => resolve(document, s))];
  const keys = new Set<string>();
  for (const part of parts) for (const key of part?.required ?? Object.keys(part?.properties ?? {})) keys.add(key);
  return [...keys];
}

/** The generic checks: the status, and for a JSON answer the keys its schema promises (list rows too). */
function checks(document: OpenAPIObject, operation: OperationObject | undefined, status: number): string[] {
  const lines = [`pm.test('status ${status}', () => pm.response.to.have.status(${status}));`];
  const response = operation?.responses?.[String(status)] as ResponseObject | undefined;
  const schema = resolve(document, response?.content?.['application/json']?.schema);
  const keys = promisedKeys(document, schema);
  if (keys.length > 0) {
    lines.push(
      `pm.test('keys ${keys.join(', ')}', () => pm.expect(pm.response.json()).to.include.all.keys(${keys.map((k) => `'${k}'`).join(', ')}));`,
    );
  }
  const rows = resolve(document, schema?.properties?.data);
  const rowKeys = promisedKeys(document, resolve(document, rows?.items as SchemaObject | ReferenceObject | undefined));
  if (rowKeys.length > 0) {
    lines.push(
      `pm.test('rows have ${rowKeys.join(', ')}', () => pm.response.json().data.forEach((row) => pm.expect(row).to.include.all.keys(${rowKeys.map((k) => `'${k}'`).join(', ')})));`,
    );
  }
  return lines;
}

function events(before: string[] | undefined, test: string[]): PostmanEvent[] {
  const list: PostmanEvent[] = [];
  if (before) list.push({ listen: 'prerequest', script: { type: 'text/javascript', exec: before.flatMap((l) => l.split('\n')) } });
  list.push({ listen: 'test', script: { type: 'text/javascript', exec: test.flatMap((l) => l.split('\n')) } });
  return list;
}

function finishRequest(document: OpenAPIObject, item: PostmanItem, operation: OperationObject, step: Step): void {
  const request = item.request;
  if (!request) return;
  delete request.auth;
  let headers = (request.header ?? []).filter((h) => h.key.toLowerCase() !== 'x-token');
  if (operation.security?.length) {
    const token = step.token ?? 'token';
    const how = token === 'adminToken' ? 'npm run token -- <userId> --admin' : 'npm run token -- <userId>';
    headers = [{ key: 'x-token', value: `{{${token}}}`, description: `the collection variable \`${token}\` (${how})` }, ...headers];
  }
  for (const header of headers) {
    // The gateway makes one up when none is sent; a placeholder would only be refused and replaced.
    if (header.key === 'X-Request-Id') Object.assign(header, { value: '', disabled: true });
    if (header.key === 'Idempotency-Key') Object.assign(header, { value: '{{$guid}}', disabled: false });
  }
  request.header = headers;
  const url = typeof request.url === 'string' ? {} : request.url;
  for (const variable of url.variable ?? []) {
    const value = step.path?.[variable.key];
    if (value === undefined) throw new Error(`${step.route}: no value for :${variable.key}`);
    variable.value = value;
  }
  for (const param of url.query ?? []) {
    const value = step.query?.[param.key];
    if (value !== undefined) Object.assign(param, { value, disabled: false });
    else Object.assign(param, { value: '', disabled: true });
  }
  const example = step.body ?? jsonExample(operation);
  if (request.body?.mode === 'urlencoded') {
    request.body.urlencoded = Object.entries(step.body ?? {}).map(([key, value]) => ({ key, value: String(value) }));
  } else if (example !== undefined && request.body) {
    request.body.raw = JSON.stringify(example, null, 2);
  }
  item.event = events(step.before, [...checks(document, operation, step.status), ...(step.after ?? [])]);
  if (step.noRedirects) item.protocolProfileBehavior = { ...item.protocolProfileBehavior, followRedirects: false };
  // The converter's response examples are filled with placeholders; the document has the real shapes.
  delete item.response;
  delete item.id;
}

function devItem(step: DevStep): PostmanItem {
  return {
    name: step.name,
    request: { name: step.name, description: step.description, method: step.method, url: step.url, header: [] },
    event: events(step.before, [
      `pm.test('status ${step.status}', () => pm.response.to.have.status(${step.status}));`,
      ...(step.after ?? []),
    ]),
    ...(step.noRedirects ? { protocolProfileBehavior: { followRedirects: false } } : {}),
  };
}

function requestItems(items: PostmanItem[], into: Map<string, PostmanItem>): void {
  for (const item of items) {
    if (item.item) requestItems(item.item, into);
    const route = routeOf(item);
    if (route) into.set(route, item);
  }
}

export async function postmanCollection(document: OpenAPIObject): Promise<PostmanCollection> {
  const collection = await convert(document);
  const operations = operationsByRequest(document);
  const items = new Map<string, PostmanItem>();
  requestItems(collection.item, items);
  for (const key of items.keys()) if (!operations.has(key)) throw new Error(`the collection has ${key}, which the document does not`);
  const walked = new Set(FLOW.flatMap((folder) => folder.steps.filter((step) => !isDevStep(step)).map((step) => step.route)));
  const missing = [...operations.keys()].filter((key) => !walked.has(key));
  if (missing.length > 0) throw new Error(`the walk (FLOW) lacks ${missing.join(', ')}`);
  collection.item = FLOW.map(({ folder, description, steps }) => ({
    name: folder,
    description,
    item: steps.map((step) => {
      if (isDevStep(step)) return devItem(step);
      const item = items.get(step.route);
      const operation = operations.get(step.route);
      if (!item || !operation) throw new Error(`the walk names ${step.route}, which the document does not have`);
      finishRequest(document, item, operation, step);
      return item;
    }),
  }));
  delete collection.info._postman_id;
  delete collection.auth;
  collection.variable = [
    { key: 'baseUrl', value: DEFAULT_BASE_URL, type: 'string', description: 'the gateway (npm start serves it here)' },
    { key: 'token', value: '', type: 'string', description: 'a JWT for the x-token header of a fresh user: npm run token -- <userId>' },
    { key: 'adminToken', value: '', type: 'string', description: 'an admin JWT, for the admin folder: npm run token -- <userId> --admin' },
  ];
  return collection;
}

export function serializeCollection(collection: PostmanCollection): string {
  return `${JSON.stringify(collection, null, 2)}\n`;
}

async function main(): Promise<void> {
  const file = path.resolve(process.argv[2] ?? COLLECTION_FILE);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, serializeCollection(await postmanCollection(gatewayDocument())));
  process.stdout.write(`wrote ${path.relative(process.cwd(), file)}\n`);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  });
}
