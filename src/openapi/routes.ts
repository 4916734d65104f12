// What the code cannot say about each route: its purpose, its success answer, the errors its handler itself
// raises and an example body. Everything else is read from the mounted app: the path, the method, the forms
// (validate()), the guards (authenticate, requireAdmin), and so the statuses those imply.
//
// A new route: add one entry here, keyed by "METHOD /full/express/path" as it is mounted. The suite fails
// while a mounted route has no entry, or an entry names a route that is not mounted.
import type { SchemaObject } from 'openapi3-ts/oas31';
import type { ErrorCode } from '../../global/errors';
import { IDEMPOTENCY_KEY_PATTERN } from '../../global/wire';

export type SuccessDoc =
  /** 200 with this JSON schema (a name in SHAPES). */
  | string
  | {
      status: number;
      description: string;
      /** media type → schema name in SHAPES, or an inline schema */
      content?: Record<string, string | SchemaObject>;
      headers?: Record<string, { description: string; schema: SchemaObject }>;
    };

export interface RouteDoc {
  tag: string;
  summary: string;
  description?: string;
  ok: SuccessDoc;
  /** Other successful or expected answers (e.g. readiness's 503), same form as `ok`. */
  also?: Exclude<SuccessDoc, string>[];
  /** Codes the handler itself answers, beyond those its forms and guards imply. */
  errors?: ErrorCode[];
  /** It calls the srvs, so it can answer 503 UNAVAILABLE and 504 TIMEOUT (default true). */
  srvs?: boolean;
  /** Outside the request pipeline: no X-Request-Id, no error envelope. */
  bare?: boolean;
  /** A request body that is not a form (the Alipay notify). */
  body?: { contentType: string; schema: SchemaObject; description: string };
  /** An example of the JSON body; required for every route with a body form (the Postman collection uses it). */
  example?: Record<string, unknown>;
  /** A query that is a free-form object rather than a form (Alipay's signed return). */
  freeQuery?: { description: string; schema: SchemaObject };
  /** Request headers besides the token and X-Request-Id. */
  headers?: Array<{ name: string; description: string; schema: SchemaObject }>;
}

const replayed: Record<string, { description: string; schema: SchemaObject }> = {
  'Idempotent-Replayed': {
    description: '`true` when this is the stored answer of an earlier request with the same Idempotency-Key',
    schema: { type: 'string', enum: ['true'] },
  },
};

const ALIPAY_FORM: SchemaObject = {
  type: 'object',
  description: "Alipay's signed fields (RSA2); every value a single string",
  properties: {
    app_id: { type: 'string' },
    out_trade_no: { type: 'string', description: 'the order_sn' },
    trade_no: { type: 'string' },
    trade_status: { type: 'string', enum: ['WAIT_BUYER_PAY', 'TRADE_SUCCESS', 'TRADE_FINISHED', 'TRADE_CLOSED'] },
    total_amount: { type: 'string', pattern: '^\\d{1,10}(\\.\\d{1,2})?$' },
    seller_id: { type: 'string' },
    gmt_payment: { type: 'string', description: 'China time, YYYY-MM-DD HH:MM:SS' },
    sign_type: { type: 'string', enum: ['RSA2'] },
    sign: { type: 'string' },
  },
  required: ['app_id', 'out_trade_no', 'trade_status', 'sign', 'sign_type'],
  additionalProperties: { type: 'string' },
};

const ALIPAY_RETURN: SchemaObject = { ...ALIPAY_FORM, required: ['app_id', 'out_trade_no', 'sign', 'sign_type'] };

/** The body of PUT and PATCH /up/v1/address/:id, which take the same whole form. */
const ADDRESS_REPLACEMENT = {
  province: '上海市',
  city: '上海市',
  district: '浦东新区',
  address: '世纪大道2号',
  signer_name: '李四',
  signer_mobile: '13900139000',
};

export const ROUTE_DOCS: Record<string, RouteDoc> = {
  'GET /health': {
    tag: 'operations',
    summary: 'Liveness: the process answers',
    ok: {
      status: 200,
      description: 'the process answers',
      content: { 'application/json': 'Liveness' },
      headers: { 'X-Request-Id': { description: 'the caller’s id when acceptable, else a fresh one', schema: { type: 'string' } } },
    },
    srvs: false,
    bare: true,
  },
  'GET /health/ready': {
    tag: 'operations',
    summary: 'Readiness: should a load balancer send this instance traffic?',
    description:
      'A srv outage is shared by every instance, so it never fails readiness: each srv is asked its gRPC health ' +
      'Check within 1 s and reported, `degraded` when one is not SERVING. Only a starting or draining instance answers 503.',
    ok: { status: 200, description: 'serving; each srv and its state', content: { 'application/json': 'Readiness' } },
    also: [{ status: 503, description: 'starting or draining (from SIGTERM on)', content: { 'application/json': 'Readiness' } }],
    srvs: false,
  },
  'GET /metrics': {
    tag: 'operations',
    summary: 'Prometheus metrics of the whole gateway (every worker): HTTP and gRPC durations, business counters',
    ok: { status: 200, description: 'Prometheus text exposition format', content: { 'text/plain': { type: 'string' } } },
    srvs: false,
    bare: true,
  },
  'GET /openapi.json': {
    tag: 'operations',
    summary: 'This document (OpenAPI 3.1)',
    ok: { status: 200, description: 'the OpenAPI document', content: { 'application/json': { type: 'object' } } },
    srvs: false,
  },
  'GET /docs': {
    tag: 'operations',
    summary: 'Swagger UI for this document (offline: its assets are served from here)',
    ok: { status: 200, description: 'the Swagger UI page', content: { 'text/html': { type: 'string' } } },
    also: [{ status: 301, description: '/docs → /docs/ (the page loads its assets relative to it)' }],
    srvs: false,
  },

  'GET /o/v1/shopcarts': { tag: 'cart', summary: "The caller's cart", ok: 'CartList' },
  'POST /o/v1/shopcarts': {
    tag: 'cart',
    summary: 'Add goods to the cart',
    description:
      'Merges into an existing row of the same goods (adding to its quantity, keeping its checked state); a new row starts ' +
      'checked. The quantity already in the cart plus `nums` must not exceed the stock, else 400 with `{"nums":"库存不足"}`.',
    ok: 'CartItemCreated',
    errors: ['NOT_FOUND'],
    example: { goods: 1, nums: 1 },
  },
  'PATCH /o/v1/shopcarts/:goodsId': {
    tag: 'cart',
    summary: 'Set the quantity (and optionally the checked state) of a cart row',
    description: 'An absent `checked` leaves the row as it is. More than the stock: 400 with `{"nums":"库存不足"}`.',
    ok: 'Empty',
    errors: ['NOT_FOUND'],
    example: { nums: 2, checked: true },
  },
  'DELETE /o/v1/shopcarts/:goodsId': { tag: 'cart', summary: 'Remove goods from the cart', ok: 'Empty', errors: ['NOT_FOUND'] },

  'GET /o/v1/orders': {
    tag: 'orders',
    summary: 'Orders, newest first',
    description: "The caller's own; an admin (AuthorityId 2) sees everyone's.",
    ok: 'OrderList',
  },
  'POST /o/v1/orders': {
    tag: 'orders',
    summary: 'Create an order from the checked cart items',
    description:
      'Prices come from the goods srv, never from the client; stock is deducted; the bought items leave the cart. ' +
      'Send an `Idempotency-Key` to make a retry safe: the same key with the same body answers the first answer again ' +
      '(with `Idempotent-Replayed: true`), with another body 422, while the first is still running 409 with Retry-After. ' +
      "Deliver to `address`, `name` and `mobile`, or to `address_id`, one of the caller's saved addresses " +
      "(POST /up/v1/address); another user's address answers 404.",
    ok: {
      status: 200,
      description: 'the new order and its Alipay page-pay URL',
      content: { 'application/json': 'OrderCreated' },
      headers: replayed,
    },
    errors: ['NOT_FOUND', 'CONFLICT', 'OUT_OF_STOCK', 'UNPROCESSABLE'],
    example: { address: '北京市朝阳区望京街道1号', name: '张三', mobile: '13800138000', post: '请尽快发货' },
    headers: [
      {
        name: 'Idempotency-Key',
        description: 'any 1 to 128 visible ASCII characters, unique per intended order (scoped to the user)',
        schema: { type: 'string', pattern: IDEMPOTENCY_KEY_PATTERN.source },
      },
    ],
  },
  'GET /o/v1/orders/:id': {
    tag: 'orders',
    summary: 'One order with its goods',
    description: "Another user's order answers the same 404 as a missing one. `alipay_url` is set while the order can be paid.",
    ok: 'OrderDetail',
    errors: ['NOT_FOUND'],
  },
  'DELETE /o/v1/orders/:id': {
    tag: 'orders',
    summary: "Cancel the caller's unpaid order and return its stock",
    description: 'A closed order answers 200 again; a paid order 409.',
    ok: 'Empty',
    errors: ['NOT_FOUND', 'CONFLICT'],
  },

  'GET /up/v1/userfavs': { tag: 'favourites', summary: "The caller's favourite goods", ok: 'UserFavList' },
  'POST /up/v1/userfavs': {
    tag: 'favourites',
    summary: 'Add goods to the favourites',
    description: 'The goods must exist (404 otherwise); already a favourite: 409.',
    ok: 'Empty',
    errors: ['NOT_FOUND', 'CONFLICT'],
    example: { goods: 1 },
  },
  'GET /up/v1/userfavs/:id': {
    tag: 'favourites',
    summary: 'Whether this goods is a favourite',
    description: '`:id` is the goods id. 200 `{}` when it is a favourite, else 404.',
    ok: 'Empty',
    errors: ['NOT_FOUND'],
  },
  'DELETE /up/v1/userfavs/:id': {
    tag: 'favourites',
    summary: 'Remove goods from the favourites',
    description: '`:id` is the goods id; not a favourite: 404.',
    ok: 'Deleted',
    errors: ['NOT_FOUND'],
  },
  'GET /up/v1/address': {
    tag: 'addresses',
    summary: "The caller's delivery addresses",
    description: "An admin (AuthorityId 2) sees everyone's.",
    ok: 'AddressList',
  },
  'POST /up/v1/address': {
    tag: 'addresses',
    summary: 'Save a delivery address',
    description: 'Its id can be given to POST /o/v1/orders as `address_id`.',
    ok: 'Created',
    example: {
      province: '北京市',
      city: '北京市',
      district: '朝阳区',
      address: '望京街道1号',
      signer_name: '张三',
      signer_mobile: '13800138000',
    },
  },
  'PUT /up/v1/address/:id': {
    tag: 'addresses',
    summary: "Replace one of the caller's addresses",
    description: "Another user's or a missing address: 404.",
    ok: 'Empty',
    errors: ['NOT_FOUND'],
    example: ADDRESS_REPLACEMENT,
  },
  'PATCH /up/v1/address/:id': {
    tag: 'addresses',
    summary: "Replace one of the caller's addresses (as PUT)",
    description:
      "The course SPA's own userop-web routes PATCH, most copies PUT: both take the whole form. Another user's or a missing address: 404.",
    ok: 'Empty',
    errors: ['NOT_FOUND'],
    example: ADDRESS_REPLACEMENT,
  },
  'DELETE /up/v1/address/:id': {
    tag: 'addresses',
    summary: "Delete one of the caller's addresses",
    description: "Another user's or a missing address: 404.",
    ok: 'Deleted',
    errors: ['NOT_FOUND'],
  },
  'GET /up/v1/message': {
    tag: 'messages',
    summary: "The caller's messages",
    description: "An admin (AuthorityId 2) sees everyone's.",
    ok: 'MessageList',
  },
  'POST /up/v1/message': {
    tag: 'messages',
    summary: 'Leave a message (留言, 投诉, 询问, 售后, 求购)',
    description:
      'The same form as JSON, `multipart/form-data` (what the course SPA posts) or `application/x-www-form-urlencoded`. In the ' +
      'two form encodings `type` is the decimal string of the integer ("4"); an uploaded file part is refused naming it ' +
      '(`file` is a URL).',
    ok: 'Created',
    example: { type: 1, subject: '配送时间', message: '周末可以送货吗？', file: '' },
  },

  'POST /o/v1/admin/reconcile': {
    tag: 'admin',
    summary: 'Ask Alipay about every unpaid order at least this old: paid → settled, expired → closed',
    ok: 'ReconcileResult',
  },

  'POST /o/v1/pay/alipay/notify': {
    tag: 'pay',
    summary: "Alipay's asynchronous payment notification",
    description:
      'No token: the RSA2 signature is the proof, and the app, seller, order and amount must be ours. Answers the text ' +
      '`success` once the outcome is recorded (Alipay stops re-sending), else `fail`.',
    body: { contentType: 'application/x-www-form-urlencoded', schema: ALIPAY_FORM, description: 'the form Alipay posts' },
    ok: {
      status: 200,
      description: '`success` when recorded (or already was), `fail` when refused or not recorded',
      content: { 'text/plain': { type: 'string', enum: ['success', 'fail'] } },
    },
    errors: ['INVALID_ARGUMENT', 'PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE'],
    srvs: false,
  },
  'GET /o/v1/pay/alipay/return': {
    tag: 'pay',
    summary: "The browser's return from Alipay's cashier",
    description: 'The signed query is verified; our records, not the query, decide `paid`. Redirects to the result page.',
    freeQuery: { description: "Alipay's signed return parameters", schema: ALIPAY_RETURN },
    ok: {
      status: 302,
      description: 'to the result page, with `order_sn` and `paid` (true|false) in its query (or its fragment, for a hash-routed SPA)',
      headers: { Location: { description: 'the result page', schema: { type: 'string' } } },
    },
    errors: ['INVALID_ARGUMENT'],
  },
};
