// The Postman collection of the gateway, generated from its OpenAPI document by openapi-to-postmanv2 and
// then made ready to use: a `baseUrl` variable (the dev stack's address), a `token` variable sent as the
// x-token header of every request that needs one, the document's example body for every route that takes
// one, example path ids, a fresh Idempotency-Key per send, and nothing random (no generated ids), so the
// committed copy can be compared with a fresh one.
//
// `npm run postman` writes docs/order-web.postman_collection.json; tests/e2e/openapi.test.ts keeps it in sync.
import fs from 'node:fs';
import path from 'node:path';
import type { OpenAPIObject, OperationObject, ParameterObject } from 'openapi3-ts/oas31';
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
  method: string;
  url: { path: string[]; query?: PostmanKeyValue[]; variable?: PostmanKeyValue[] };
  header?: PostmanKeyValue[];
  auth?: unknown;
  body?: { mode: string; raw?: string; options?: unknown };
}

interface PostmanItem {
  id?: string;
  name: string;
  item?: PostmanItem[];
  request?: PostmanRequest;
  response?: unknown[];
  event?: unknown[];
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

/** "/o/v1/orders/:id" as the collection spells its path, from the document's "/o/v1/orders/{id}". */
function operationsByRequest(document: OpenAPIObject): Map<string, OperationObject> {
  const map = new Map<string, OperationObject>();
  for (const [route, item] of Object.entries(document.paths ?? {})) {
    for (const [method, operation] of Object.entries(item)) {
      map.set(`${method.toUpperCase()} ${route.replace(/\{([^}]+)\}/g, ':$1')}`, operation as OperationObject);
    }
  }
  return map;
}

function parameter(operation: OperationObject, where: string, name: string): ParameterObject | undefined {
  return (operation.parameters ?? []).find((p): p is ParameterObject => 'in' in p && p.in === where && p.name === name);
}

function jsonExample(operation: OperationObject): unknown {
  const body = operation.requestBody;
  return body && 'content' in body ? body.content['application/json']?.example : undefined;
}

/** Example path values: 1 is a goods of the dev stack's demo catalogue, and a first order's id. */
function pathValue(operation: OperationObject, name: string): string {
  const schema = parameter(operation, 'path', name)?.schema;
  const example = schema && 'example' in schema ? schema.example : undefined;
  return String(example ?? 1);
}

function finishRequest(item: PostmanItem, operation: OperationObject): void {
  const request = item.request;
  if (!request) return;
  delete request.auth;
  let headers = (request.header ?? []).filter((h) => h.key.toLowerCase() !== 'x-token');
  if (operation.security?.length) {
    headers = [
      { key: 'x-token', value: '{{token}}', description: 'the collection variable `token` (npm run token -- <userId>)' },
      ...headers,
    ];
  }
  for (const header of headers) {
    // The gateway makes one up when none is sent; a placeholder would only be refused and replaced.
    if (header.key === 'X-Request-Id') Object.assign(header, { value: '', disabled: true });
    if (header.key === 'Idempotency-Key') Object.assign(header, { value: '{{$guid}}', disabled: false });
  }
  request.header = headers;
  for (const variable of request.url.variable ?? []) variable.value = pathValue(operation, variable.key);
  const example = jsonExample(operation);
  if (example !== undefined && request.body) request.body.raw = JSON.stringify(example, null, 2);
  // The converter's response examples are filled with placeholders; the document has the real shapes.
  delete item.response;
  delete item.id;
}

function finishItems(items: PostmanItem[], operations: Map<string, OperationObject>, into: Set<string>): void {
  for (const item of items) {
    delete item.id;
    if (item.item) finishItems(item.item, operations, into);
    if (!item.request) continue;
    const key = `${item.request.method} /${item.request.url.path.join('/')}`;
    const operation = operations.get(key);
    if (!operation) throw new Error(`the collection has ${key}, which the document does not`);
    finishRequest(item, operation);
    into.add(key);
  }
}

export async function postmanCollection(document: OpenAPIObject): Promise<PostmanCollection> {
  const collection = await convert(document);
  const operations = operationsByRequest(document);
  const seen = new Set<string>();
  finishItems(collection.item, operations, seen);
  const missing = [...operations.keys()].filter((key) => !seen.has(key));
  if (missing.length > 0) throw new Error(`the collection lacks ${missing.join(', ')}`);
  delete collection.info._postman_id;
  delete collection.auth;
  collection.variable = [
    { key: 'baseUrl', value: DEFAULT_BASE_URL, type: 'string', description: 'the gateway (npm start serves it here)' },
    { key: 'token', value: '', type: 'string', description: 'a JWT for the x-token header: npm run token -- <userId> [--admin]' },
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
