// The Postman collection: the committed file is what the OpenAPI document makes today, and it is a walk a
// fresh user can run top to bottom: baseUrl, token and adminToken are its only hand-set variables, every
// other {{variable}} is set by an earlier step's script, every request asserts its status, every guarded one
// sends its token. (.ci/check-artefacts runs it with newman against the dev stack.)
import fs from 'node:fs';
import path from 'node:path';
import type { OperationObject } from 'openapi3-ts/oas31';
import { describe, expect, it } from 'vitest';
import { mountedRoutes, openApiPath } from '../../middlewares/mounted-routes';
import { appForDocs, gatewayDocument } from '../../src/api-document';
import { buildOpenApiDocument, routeKey } from '../../src/openapi/document';
import { COLLECTION_FILE, DEFAULT_BASE_URL, type PostmanCollection, type PostmanItem, postmanCollection, routeOf } from '../tools/postman';

const app = appForDocs();
const document = buildOpenApiDocument(app);

function operation(method: string, route: string): OperationObject {
  const found = document.paths?.[route]?.[method as 'get'];
  if (!found) throw new Error(`no ${method} ${route} in the document`);
  return found;
}

const requestsOf = (collection: PostmanCollection): PostmanItem[] => collection.item.flatMap((folder) => folder.item ?? [folder]);
const scriptOf = (item: PostmanItem, listen: string) =>
  (item.event ?? [])
    .filter((e) => e.listen === listen)
    .flatMap((e) => e.script.exec)
    .join('\n');

describe('the Postman collection', () => {
  it(`when regenerated from the document then it equals the committed ${COLLECTION_FILE} (else run npm run postman)`, async () => {
    const committed = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', COLLECTION_FILE), 'utf8')) as PostmanCollection;
    expect(await postmanCollection(gatewayDocument())).toEqual(committed);
  });

  it('when imported then every mounted route is one request with its token, its example body and a test of its status', async () => {
    const collection = await postmanCollection(document);
    expect(collection.variable?.map((v) => v.key)).toEqual(['baseUrl', 'token', 'adminToken']);
    expect(collection.variable?.[0]?.value).toBe(DEFAULT_BASE_URL);
    const routes = requestsOf(collection).filter((item) => routeOf(item));
    const byKey = new Map(routes.map((item) => [routeOf(item), item]));
    expect(routes.length).toBe(mountedRoutes(app).length);
    expect(byKey.size).toBe(mountedRoutes(app).length);
    for (const route of mountedRoutes(app)) {
      const item = byKey.get(routeKey(route));
      const r = item?.request;
      const op = operation(route.method, openApiPath(route.path));
      const token = r?.header?.find((h) => h.key === 'x-token');
      const admin = op.description?.includes('Admins only');
      if (op.security?.length) expect(token?.value, routeKey(route)).toBe(admin ? '{{adminToken}}' : '{{token}}');
      else expect(token, routeKey(route)).toBeUndefined();
      expect(r?.auth, routeKey(route)).toBeUndefined();
      const example = op.requestBody && 'content' in op.requestBody ? op.requestBody.content['application/json']?.example : undefined;
      if (example && r?.body?.raw !== undefined) expect(Object.keys(JSON.parse(r.body.raw)), routeKey(route)).toEqual(Object.keys(example));
      expect(scriptOf(item as PostmanItem, 'test'), routeKey(route)).toMatch(/pm\.response\.to\.have\.status\(\d{3}\)/);
    }
  });

  it('when walked top to bottom then every {{variable}} a request uses is hand-set or set by an earlier step, and the cart is filled before checkout', async () => {
    const collection = await postmanCollection(document);
    const set = new Set<string>(collection.variable?.map((v) => v.key));
    const setBy = (script: string) => {
      for (const [, name] of script.matchAll(/collectionVariables\.set\('(\w+)'/g)) set.add(name as string);
    };
    const order: string[] = [];
    for (const item of requestsOf(collection)) {
      const before = scriptOf(item, 'prerequest');
      const uses = [...(before.match(/\{\{[^}$]+\}\}/g) ?? [])];
      setBy(before); // runs before the request is sent
      uses.push(...(JSON.stringify(item.request).match(/\{\{[^}$]+\}\}/g) ?? []));
      for (const use of uses) expect(set, `${item.name} uses ${use}`).toContain(use.slice(2, -2));
      setBy(scriptOf(item, 'test'));
      expect(scriptOf(item, 'test'), item.name).toContain('pm.test(');
      order.push(routeOf(item) ?? `${item.request?.method} ${item.name}`);
    }
    const at = (key: string) => order.indexOf(key);
    expect(at('POST /o/v1/shopcarts')).toBeLessThan(at('POST /o/v1/orders'));
    expect(at('PATCH /o/v1/shopcarts/:goodsId')).toBeLessThan(at('POST /o/v1/orders'));
    expect(at('POST /o/v1/orders')).toBeLessThan(at('GET Open the cashier (dev stack)'));
    expect(at('POST Pay in the cashier (dev stack)')).toBeLessThan(at('GET /o/v1/pay/alipay/return'));
    expect(JSON.stringify(collection)).not.toContain('<string>');
  });
});
