// The OpenAPI document and its Swagger UI: the document is valid OpenAPI 3.1, names exactly the routes the
// app mounts, carries the forms' rules, and the real gateway's answers match it; /docs works with nothing
// from outside.
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { plainToInstance } from 'class-transformer';
import { validate as runValidators } from 'class-validator';
import { Router } from 'express';
import type { OperationObject, ParameterObject, ResponseObject, ResponsesObject, SchemaObject } from 'openapi3-ts/oas31';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mountedRoutes, openApiPath } from '../../middlewares/mounted-routes';
import { type FormClass, formSpecOf } from '../../middlewares/validate';
import { appForDocs, gatewayDocument } from '../../src/api-document';
import { buildOpenApiDocument, routeCoverage, routeKey } from '../../src/openapi/document';
import { api } from '../helpers/http';
import { type Stack, startStack } from '../helpers/stack';

const app = appForDocs();
const document = buildOpenApiDocument(app);

function operation(method: string, route: string): OperationObject & { responses: ResponsesObject } {
  const found = document.paths?.[route]?.[method as 'get'];
  if (!found?.responses) throw new Error(`no ${method} ${route} with responses in the document`);
  return found as OperationObject & { responses: ResponsesObject };
}

function parameter(op: OperationObject, where: string, name: string): ParameterObject {
  const found = (op.parameters ?? []).find((p): p is ParameterObject => 'in' in p && p.in === where && p.name === name);
  if (!found) throw new Error(`no ${where} parameter ${name}`);
  return found;
}

const schemas = document.components?.schemas ?? {};
const propertyOf = (schema: string, field: string) => (schemas[schema] as SchemaObject).properties?.[field] as SchemaObject;

describe('the OpenAPI document', () => {
  it('when checked against the OpenAPI 3.1 schema then it is valid and every $ref resolves', async () => {
    // ESM only: imported, not required.
    const { Validator } = await import('@seriousme/openapi-schema-validator');
    const validator = new Validator();
    const result = await validator.validate(structuredClone(document) as unknown as Record<string, unknown>);
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
    expect(() => validator.resolveRefs()).not.toThrow();
  });

  it('when the mounted routes are listed then each has its entry in src/openapi/routes.ts and each entry is mounted', () => {
    expect(routeCoverage(app)).toEqual({ undocumented: [], unmounted: [] });
  });

  it('when its operations are listed then they are exactly the mounted routes, each documented', () => {
    const operations = Object.entries(document.paths ?? {}).flatMap(([route, item]) =>
      Object.entries(item).map(([method, op]) => ({ key: `${method.toUpperCase()} ${route}`, op: op as OperationObject })),
    );
    const mounted = mountedRoutes(app).map((r) => `${r.method.toUpperCase()} ${openApiPath(r.path)}`);
    expect(operations.map((o) => o.key).sort()).toEqual([...mounted].sort());
    for (const { key, op } of operations) {
      expect(op['x-undocumented'], key).toBeUndefined();
      expect(Object.keys(op.responses ?? {}).length, key).toBeGreaterThan(0);
    }
    // The contract's routes, spot-checked by name.
    for (const key of [
      'GET /o/v1/shopcarts',
      'PATCH /o/v1/shopcarts/{goodsId}',
      'POST /o/v1/orders',
      'GET /o/v1/orders/{id}',
      'POST /o/v1/pay/alipay/notify',
    ]) {
      expect(operations.map((o) => o.key)).toContain(key);
    }
  });

  it('when a route is mounted without an entry then the coverage names it, and the document still lists it', () => {
    const extra = appForDocs();
    const router = Router();
    router.get('/:id', (_req, res) => void res.json({}));
    extra.use('/o/v1/undocumented', router);
    expect(routeCoverage(extra).undocumented).toEqual(['GET /o/v1/undocumented/:id']);
    expect(buildOpenApiDocument(extra).paths?.['/o/v1/undocumented/{id}']?.get?.['x-undocumented']).toBe(true);
  });

  it('when a router is mounted at a RegExp then listing the routes refuses rather than skipping it', () => {
    const extra = appForDocs();
    extra.use(
      /^\/weird/,
      Router().get('/', (_req, res) => void res.json({})),
    );
    expect(() => mountedRoutes(extra)).toThrow(/not a plain string/);
  });

  it('when the forms are read then their rules are in the document, integers staying integers', () => {
    const list = operation('get', '/o/v1/orders');
    expect(parameter(list, 'query', 'pnum')).toMatchObject({
      required: false,
      schema: { type: 'integer', minimum: 1, maximum: 100, default: 10 },
    });
    expect(parameter(list, 'query', 'p')).toMatchObject({ required: false, schema: { type: 'integer', minimum: 1, default: 1 } });
    expect(parameter(operation('get', '/o/v1/orders/{id}'), 'path', 'id')).toMatchObject({
      required: true,
      schema: { type: 'integer', minimum: 1 },
    });
    expect(parameter(operation('patch', '/o/v1/shopcarts/{goodsId}'), 'path', 'goodsId').schema).toMatchObject({
      type: 'integer',
      minimum: 1,
    });
    expect(propertyOf('ShopCartItemForm', 'nums')).toEqual({ type: 'integer', minimum: 1, maximum: 10000 });
    expect(propertyOf('ShopCartItemForm', 'goods')).toEqual({ type: 'integer', minimum: 1, maximum: 2147483647 });
    expect(schemas.ShopCartItemUpdateForm).toMatchObject({ required: ['nums'], properties: { checked: { type: 'boolean' } } });
    expect(propertyOf('CreateOrderForm', 'mobile')).toEqual({ type: 'string', pattern: '^1[3-9]\\d{9}$' });
    expect(propertyOf('CreateOrderForm', 'name')).toEqual({ type: 'string', minLength: 1, maxLength: 40 });
    // Either address, name and mobile, or one of the caller's saved addresses (address_id); post always.
    expect(schemas.CreateOrderForm).toMatchObject({
      required: ['post'],
      properties: { address_id: { type: 'integer', minimum: 1 } },
      oneOf: [
        { required: ['address', 'name', 'mobile'], properties: { address_id: { not: {} } } },
        { required: ['address_id'], properties: { address: { not: {} }, name: { not: {} }, mobile: { not: {} } } },
      ],
    });
    expect(propertyOf('AddressForm', 'signer_mobile')).toEqual({ type: 'string', pattern: '^1[3-9]\\d{9}$' });
    expect(propertyOf('AddressForm', 'province')).toEqual({ type: 'string', minLength: 1, maxLength: 100 });
    expect(propertyOf('MessageForm', 'type')).toEqual({ type: 'integer', minimum: 1, maximum: 5 });
    expect(propertyOf('MessageForm', 'file')).toMatchObject({
      type: 'string',
      maxLength: 100,
      anyOf: [{ const: '' }, { format: 'uri', pattern: '^(http|https):' }],
      default: '',
    });
    expect((schemas.MessageForm as SchemaObject).required).toEqual(['type', 'subject', 'message']);
    const reconcile = parameter(operation('post', '/o/v1/admin/reconcile'), 'query', 'older_than_seconds');
    expect(reconcile.schema).toMatchObject({ type: 'integer', minimum: 0, maximum: 30 * 24 * 3600, default: 1800 });
  });

  it('when a route takes a JSON body then its example passes the very form the route validates with', async () => {
    const withBody = mountedRoutes(app)
      .map((route) => ({ route, form: route.handlers.map(formSpecOf).find((spec) => spec?.body)?.body }))
      .filter((r) => r.form);
    expect(withBody.length).toBeGreaterThanOrEqual(3);
    for (const { route, form } of withBody) {
      if (!form) continue;
      const op = operation(route.method, openApiPath(route.path));
      const body = op.requestBody && 'content' in op.requestBody ? op.requestBody.content['application/json'] : undefined;
      expect(body?.example, routeKey(route)).toBeDefined();
      const errors = await runValidators(plainToInstance(form, body?.example) as object, { whitelist: true, forbidNonWhitelisted: true });
      expect(errors, routeKey(route)).toEqual([]);
    }
  });

  it('when a body is checked by its form and by its schema then both accept and refuse the same values, the examples included', async () => {
    const ajv = addFormats(new Ajv2020({ strict: false, allErrors: true }));
    ajv.addSchema({ $id: 'openapi.json', components: document.components });
    const schemaAccepts = (name: string, body: unknown) => ajv.validate({ $ref: `openapi.json#/components/schemas/${name}` }, body);
    const formAccepts = async (form: FormClass, body: unknown) =>
      (await runValidators(plainToInstance(form, body) as object, { whitelist: true, forbidNonWhitelisted: true })).length === 0;
    const message = { type: 1, subject: 's', message: 'm' };
    const files = [
      '',
      'https://img.example/a.png',
      'http://img.example/b',
      'ftp://img.example/c',
      'not a link',
      `https://x.example/${'a'.repeat(90)}`,
    ];
    const messageForm = mountedRoutes(app)
      .flatMap((route) => route.handlers.map(formSpecOf))
      .find((spec) => spec?.body?.name === 'MessageForm')?.body;
    if (!messageForm) throw new Error('no MessageForm mounted');
    for (const file of files) {
      const body = { ...message, file };
      expect(schemaAccepts('MessageForm', body), JSON.stringify(file)).toBe(await formAccepts(messageForm, body));
    }
    expect(schemaAccepts('MessageForm', { ...message, file: '' })).toBe(true);
    expect(schemaAccepts('MessageForm', { ...message, file: 'ftp://img.example/c' })).toBe(false);
    for (const route of mountedRoutes(app)) {
      const form = route.handlers.map(formSpecOf).find((spec) => spec?.body)?.body;
      if (!form) continue;
      const op = operation(route.method, openApiPath(route.path));
      const example = op.requestBody && 'content' in op.requestBody ? op.requestBody.content['application/json']?.example : undefined;
      expect(schemaAccepts(form.name, example), `${routeKey(route)} ${JSON.stringify(ajv.errors)}`).toBe(true);
    }
  });

  it('when a route needs a token then it names x-token and Bearer and answers 401; the admin route 403 too; a public one says security: []', () => {
    expect(document.components?.securitySchemes).toMatchObject({
      xToken: { type: 'apiKey', in: 'header', name: 'x-token' },
      bearer: { type: 'http', scheme: 'bearer' },
    });
    for (const [route, method] of [
      ['/o/v1/shopcarts', 'get'],
      ['/o/v1/orders/{id}', 'delete'],
      ['/o/v1/admin/reconcile', 'post'],
    ] as const) {
      const op = operation(method, route);
      expect(op.security).toEqual([{ xToken: [] }, { bearer: [] }]);
      expect(op.responses['401']).toBeDefined();
    }
    expect(operation('post', '/o/v1/admin/reconcile').responses['403']).toBeDefined();
    expect(operation('get', '/o/v1/shopcarts').responses['403']).toBeUndefined();
    for (const [route, method] of [
      ['/health', 'get'],
      ['/o/v1/pay/alipay/notify', 'post'],
      ['/o/v1/pay/alipay/return', 'get'],
      ['/openapi.json', 'get'],
    ] as const) {
      expect(operation(method, route).security, route).toEqual([]);
    }
  });

  it('when POST /o/v1/orders is read then it has Idempotency-Key in, Idempotent-Replayed out and each status it can answer', () => {
    const create = operation('post', '/o/v1/orders');
    expect(parameter(create, 'header', 'Idempotency-Key').schema).toMatchObject({ type: 'string' });
    const ok = create.responses['200'] as ResponseObject;
    expect(Object.keys(ok.headers ?? {})).toEqual(expect.arrayContaining(['X-Request-Id', 'Idempotent-Replayed']));
    expect(Object.keys(create.responses).sort()).toEqual(['200', '400', '401', '404', '409', '413', '415', '422', '500', '503', '504']);
    const conflict = create.responses['409'] as ResponseObject;
    expect(Object.keys(conflict.headers ?? {})).toContain('Retry-After');
    expect(JSON.stringify(conflict.content)).toContain('OUT_OF_STOCK');
    expect(JSON.stringify(create.responses['400'])).toContain('#/components/schemas/ErrorEnvelope');
    expect(schemas.ErrorEnvelope).toMatchObject({ required: ['msg', 'code', 'requestId'], properties: { error: { type: 'object' } } });
  });

  it('when the Alipay routes are read then the notify is form-encoded answering text success/fail, the return a 302', () => {
    const notify = operation('post', '/o/v1/pay/alipay/notify');
    expect(notify.requestBody && 'content' in notify.requestBody ? Object.keys(notify.requestBody.content) : []).toEqual([
      'application/x-www-form-urlencoded',
    ]);
    expect((notify.responses['200'] as ResponseObject).content?.['text/plain']?.schema).toEqual({
      type: 'string',
      enum: ['success', 'fail'],
    });
    const back = operation('get', '/o/v1/pay/alipay/return');
    expect(Object.keys((back.responses['302'] as ResponseObject).headers ?? {})).toContain('Location');
  });
});

describe('served by the gateway', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('when GET /openapi.json is asked twice then it answers the same document, the one built from the app', async () => {
    const first = await request(stack.app).get('/openapi.json');
    const second = await request(stack.app).get('/openapi.json');
    expect(first.status).toBe(200);
    expect(first.headers['content-type']).toMatch(/^application\/json/);
    expect(first.text).toBe(second.text);
    expect(first.body).toEqual(JSON.parse(JSON.stringify(gatewayDocument())));
  });

  it('when /docs is opened then the page and every asset it loads come from the gateway, with no external URL', async () => {
    const bare = await request(stack.app).get('/docs');
    expect(bare.status).toBe(301);
    expect(bare.headers.location).toBe('docs/');
    const page = await request(stack.app).get('/docs/');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    const refs = [...page.text.matchAll(/\b(?:src|href)\s*=\s*["']([^"']+)["']/g)].map((m) => m[1] ?? '');
    expect(refs).toEqual(expect.arrayContaining(['./swagger-ui.css', './swagger-ui-bundle.js', './swagger-ui-init.js']));
    for (const ref of refs) {
      expect(ref, 'an absolute or protocol-relative URL would load from elsewhere').not.toMatch(/^(?:[a-z][a-z0-9+.-]*:|\/\/)/i);
      const asset = await request(stack.app).get(new URL(ref, 'http://gateway.invalid/docs/').pathname);
      expect(asset.status, ref).toBe(200);
      if (ref.endsWith('.css')) expect(asset.text).not.toMatch(/@import|url\(\s*["']?(?:https?:)?\/\//i);
    }
    const init = await request(stack.app).get('/docs/swagger-ui-init.js');
    expect(init.text).toContain('"validatorUrl": null');
    expect(init.text).not.toMatch(/https?:\/\//);
    expect(init.text).toContain('"/o/v1/orders/{id}"');
  });

  describe('when the real gateway answers then each answer is one the document declares, in its shape', () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    ajv.addSchema({ $id: 'openapi.json', components: document.components });

    async function conforms(route: string, method: string, res: request.Response) {
      const op = operation(method, route);
      const declared = op.responses[String(res.status)] as ResponseObject | undefined;
      expect(declared, `${method} ${route} answered ${res.status}, which it does not declare`).toBeDefined();
      if (route !== '/health') expect(res.headers['x-request-id']).toBeTruthy();
      const schema = declared?.content?.['application/json']?.schema;
      if (!schema) return;
      const rooted = JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"openapi.json#/components/'));
      const valid = ajv.validate(rooted, res.body);
      expect(ajv.errors ?? [], `${method} ${route} ${res.status}: ${JSON.stringify(res.body)}`).toEqual([]);
      expect(valid).toBe(true);
    }

    it('when a user walks cart, orders, favourites, addresses and messages, and errors are provoked, then every answer matches', async () => {
      const token = stack.token(4242);
      const as = api(stack.app, token);
      await conforms('/health', 'get', await request(stack.app).get('/health'));
      await conforms('/health/ready', 'get', await request(stack.app).get('/health/ready'));
      await conforms('/o/v1/shopcarts', 'get', await as.get('/o/v1/shopcarts'));
      await conforms('/o/v1/shopcarts', 'post', await as.post('/o/v1/shopcarts').send({ goods: 1, nums: 2 }));
      await conforms('/o/v1/shopcarts', 'post', await as.post('/o/v1/shopcarts').send({ goods: 2, nums: 1 }));
      await conforms('/o/v1/shopcarts', 'get', await as.get('/o/v1/shopcarts'));
      await conforms('/o/v1/shopcarts/{goodsId}', 'patch', await as.patch('/o/v1/shopcarts/2').send({ nums: 1, checked: false }));
      await conforms('/o/v1/shopcarts/{goodsId}', 'delete', await as.delete('/o/v1/shopcarts/2'));
      const created = await as.post('/o/v1/orders').set('Idempotency-Key', 'openapi-1').send(operationExample('/o/v1/orders'));
      expect(created.status).toBe(200);
      await conforms('/o/v1/orders', 'post', created);
      await conforms('/o/v1/orders', 'get', await as.get('/o/v1/orders?p=1&pnum=5'));
      await conforms('/o/v1/orders/{id}', 'get', await as.get(`/o/v1/orders/${created.body.id}`));
      await conforms('/o/v1/orders/{id}', 'delete', await as.delete(`/o/v1/orders/${created.body.id}`));
      await conforms('/o/v1/orders/{id}', 'get', await as.get(`/o/v1/orders/${created.body.id}`));
      // Errors: validation, not found, no token, not an admin, the admin's own answer.
      await conforms('/o/v1/shopcarts', 'post', await as.post('/o/v1/shopcarts').send({ goods: 'x', nums: 0 }));
      await conforms('/o/v1/orders', 'get', await as.get('/o/v1/orders?pnum=101'));
      await conforms('/o/v1/orders/{id}', 'get', await as.get('/o/v1/orders/999999'));
      await conforms('/o/v1/shopcarts', 'get', await request(stack.app).get('/o/v1/shopcarts'));
      await conforms('/o/v1/admin/reconcile', 'post', await as.post('/o/v1/admin/reconcile'));
      const admin = api(stack.app, stack.token(1, { admin: true }));
      await conforms('/o/v1/admin/reconcile', 'post', await admin.post(`/o/v1/admin/reconcile?older_than_seconds=${30 * 24 * 3600}`));
      // The user-operation routes, and an order delivered to a saved address.
      await conforms('/up/v1/userfavs', 'post', await as.post('/up/v1/userfavs').send({ goods: 3 }));
      await conforms('/up/v1/userfavs', 'post', await as.post('/up/v1/userfavs').send({ goods: 3 }));
      await conforms('/up/v1/userfavs', 'get', await as.get('/up/v1/userfavs'));
      await conforms('/up/v1/userfavs/{id}', 'get', await as.get('/up/v1/userfavs/3'));
      await conforms('/up/v1/userfavs/{id}', 'delete', await as.delete('/up/v1/userfavs/3'));
      await conforms('/up/v1/userfavs/{id}', 'get', await as.get('/up/v1/userfavs/3'));
      const saved = await as.post('/up/v1/address').send(operationExample('/up/v1/address'));
      await conforms('/up/v1/address', 'post', saved);
      await conforms('/up/v1/address', 'get', await as.get('/up/v1/address'));
      const replaced = await as.put(`/up/v1/address/${saved.body.id}`).send({ ...operationExample('/up/v1/address'), city: '天津市' });
      await conforms('/up/v1/address/{id}', 'put', replaced);
      await as.post('/o/v1/shopcarts').send({ goods: 1, nums: 1 });
      const byAddress = await as.post('/o/v1/orders').send({ address_id: saved.body.id, post: '放门口' });
      expect(byAddress.status).toBe(200);
      await conforms('/o/v1/orders', 'post', byAddress);
      await conforms('/o/v1/orders', 'post', await as.post('/o/v1/orders').send({ address_id: saved.body.id, name: '张三', post: 'x' }));
      await conforms('/up/v1/address/{id}', 'delete', await as.delete(`/up/v1/address/${saved.body.id}`));
      await conforms('/up/v1/address/{id}', 'delete', await as.delete(`/up/v1/address/${saved.body.id}`));
      await conforms('/up/v1/message', 'post', await as.post('/up/v1/message').send(operationExample('/up/v1/message')));
      await conforms(
        '/up/v1/message',
        'post',
        await as.post('/up/v1/message').send({ type: 9, subject: '', message: 'x', file: 'ftp://x' }),
      );
      await conforms('/up/v1/message', 'get', await as.get('/up/v1/message'));
      await conforms('/o/v1/pay/alipay/return', 'get', await request(stack.app).get('/o/v1/pay/alipay/return?out_trade_no=x'));
    });
  });
});

function operationExample(route: string): object {
  const op = operation('post', route);
  const example = op.requestBody && 'content' in op.requestBody ? op.requestBody.content['application/json']?.example : undefined;
  return example as object;
}
