// The Postman collection: the committed file is what the OpenAPI document makes today, and it is ready to
// use: baseUrl and token variables, x-token on every guarded request, an example body for every route with one.
import fs from 'node:fs';
import path from 'node:path';
import type { OperationObject } from 'openapi3-ts/oas31';
import { describe, expect, it } from 'vitest';
import { mountedRoutes, openApiPath } from '../../middlewares/mounted-routes';
import { appForDocs, gatewayDocument } from '../../src/api-document';
import { buildOpenApiDocument, routeKey } from '../../src/openapi/document';
import { COLLECTION_FILE, DEFAULT_BASE_URL, type PostmanCollection, postmanCollection } from '../tools/postman';

const app = appForDocs();
const document = buildOpenApiDocument(app);

function operation(method: string, route: string): OperationObject {
  const found = document.paths?.[route]?.[method as 'get'];
  if (!found) throw new Error(`no ${method} ${route} in the document`);
  return found;
}

describe('the Postman collection', () => {
  it(`when regenerated from the document then it equals the committed ${COLLECTION_FILE} (else run npm run postman)`, async () => {
    const committed = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', COLLECTION_FILE), 'utf8')) as PostmanCollection;
    expect(await postmanCollection(gatewayDocument())).toEqual(committed);
  });

  it('when imported then baseUrl and token are its variables, every guarded request sends x-token {{token}}, every body is its example', async () => {
    const collection = await postmanCollection(document);
    expect(collection.variable).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ key: 'baseUrl', value: DEFAULT_BASE_URL }),
        expect.objectContaining({ key: 'token' }),
      ]),
    );
    const requests = collection.item.flatMap((folder) => folder.item ?? [folder]).map((item) => item.request);
    const byKey = new Map(requests.map((r) => [`${r?.method} /${r?.url.path.join('/')}`, r]));
    expect(byKey.size).toBe(mountedRoutes(app).length);
    for (const route of mountedRoutes(app)) {
      const r = byKey.get(routeKey(route));
      const op = operation(route.method, openApiPath(route.path));
      const token = r?.header?.find((h) => h.key === 'x-token');
      if (op.security?.length) expect(token?.value, routeKey(route)).toBe('{{token}}');
      else expect(token, routeKey(route)).toBeUndefined();
      expect(r?.auth, routeKey(route)).toBeUndefined();
      const example = op.requestBody && 'content' in op.requestBody ? op.requestBody.content['application/json']?.example : undefined;
      if (example) expect(JSON.parse(r?.body?.raw ?? 'null'), routeKey(route)).toEqual(example);
      for (const variable of r?.url.variable ?? []) expect(variable.value, routeKey(route)).toMatch(/^\d+$/);
    }
  });
});
