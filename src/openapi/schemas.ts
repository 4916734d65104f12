// JSON Schemas for the OpenAPI document: the request forms read from their class-validator rules, and the
// response shapes of routes/shapes.ts and the error envelope of global/errors.ts. A shape's schema is typed
// against its view interface, so a field added to or dropped from a view without its schema does not compile.
import { getMetadataStorage } from 'class-validator';
import { targetConstructorToSchema } from 'class-validator-jsonschema';
import type { SchemaObject } from 'openapi3-ts/oas31';
import { ERROR_CODES } from '../../global/errors';
import { PAYING, TRADE_CLOSED, TRADE_FINISHED, TRADE_SUCCESS } from '../../global/order-status';
import type { SrvHealthState } from '../../global/srv-conn';
import type { FormClass } from '../../middlewares/validate';
import type { ReconcileResponse__Output } from '../../proto/types/proto/ReconcileResponse';
import type { AddressView, CartItemView, MessageView, OrderDetailView, OrderGoodsView, OrderView, UserFavView } from '../../routes/shapes';

// class-validator-jsonschema's own Min/Max converters also say `type: number`, which turns an @IsInt field
// into a number; these say only the bound, so integers stay integers. IsDefined adds nothing to a schema:
// it only makes a field required, which `required` says.
const CONVERTERS = {
  min: (meta: { constraints: unknown[] }) => ({ minimum: meta.constraints[0] as number }),
  max: (meta: { constraints: unknown[] }) => ({ maximum: meta.constraints[0] as number }),
  isDefined: {},
  // Said once for the whole form (eitherOr below), not per field.
  unlessGiven: {},
  // JSON Schema's name for it is `uri` (the library says `url`). Links are optional links
  // (OptionalUrlField, the one user of IsUrl): the empty string, meaning none, is accepted too.
  isUrl: (meta: { constraints: unknown[] }) => {
    const protocols = (meta.constraints[0] as { protocols?: string[] } | undefined)?.protocols;
    return {
      anyOf: [{ const: '' }, { format: 'uri', ...(protocols ? { pattern: `^(${protocols.join('|')}):` } : {}) }],
      description: `${protocols ? `a ${protocols.join(' or ')} URL` : 'a URL'}, or empty for none`,
    };
  },
};

/** A property schema no value matches: the property must be absent. */
const ABSENT: SchemaObject = { not: {} };

/**
 * Fields under UnlessGiven(other, …) are required while `other` is absent and refused when it is given:
 * the form takes either all of them or `other`, which per-field `required` cannot say.
 */
function eitherOr(form: FormClass): SchemaObject | undefined {
  const storage = getMetadataStorage();
  const groups = new Map<string, string[]>();
  for (const meta of storage.getTargetValidationMetadatas(form, '', true, false)) {
    const constraint = meta.constraintCls ? storage.getTargetValidatorConstraints(meta.constraintCls)[0] : undefined;
    const other: unknown = meta.constraints?.[0];
    if (constraint?.name !== 'unlessGiven' || typeof other !== 'string') continue;
    groups.set(other, [...(groups.get(other) ?? []), meta.propertyName]);
  }
  const alternatives = [...groups].map(([other, fields]) => ({
    description: `either ${fields.join(', ')}, or ${other}`,
    oneOf: [
      { required: fields, properties: { [other]: ABSENT } },
      { required: [other], properties: Object.fromEntries(fields.map((field) => [field, ABSENT])) },
    ],
  }));
  if (alternatives.length === 0) return undefined;
  return alternatives.length === 1 ? alternatives[0] : { allOf: alternatives };
}

/** A form's schema: its rules, its defaults (a field with a default is never required) and nothing else. */
export function formSchema(form: FormClass): SchemaObject {
  const schema = targetConstructorToSchema(form, {
    additionalConverters: CONVERTERS,
    classValidatorMetadataStorage: getMetadataStorage(),
  }) as SchemaObject;
  const defaults = new form() as Record<string, unknown>;
  const properties = (schema.properties ?? {}) as Record<string, SchemaObject>;
  for (const [name, value] of Object.entries(defaults)) {
    const property = properties[name];
    if (value !== undefined && property) property.default = value;
  }
  const required = (schema.required ?? []).filter((name) => defaults[name] === undefined);
  const out: SchemaObject = { type: 'object', properties };
  if (required.length > 0) out.required = required;
  return { ...out, ...eitherOr(form) };
}

// ---- response shapes -------------------------------------------------------------------------------

type Properties<T> = { [K in keyof Required<T>]-?: SchemaObject };

/** Every field of the view, each always present. */
function shape<T>(properties: Properties<T>, description?: string): SchemaObject {
  return { type: 'object', ...(description ? { description } : {}), properties, required: Object.keys(properties) };
}

const int = (description?: string): SchemaObject => ({ type: 'integer', ...(description ? { description } : {}) });
const text = (description?: string): SchemaObject => ({ type: 'string', ...(description ? { description } : {}) });
const yuan = (description = 'yuan, at most 2 decimals'): SchemaObject => ({ type: 'number', description });
const ref = (name: string): SchemaObject => ({ $ref: `#/components/schemas/${name}` });
const listOf = (item: string): SchemaObject => ({
  type: 'object',
  properties: { total: int('how many there are in all'), data: { type: 'array', items: ref(item) } },
  required: ['total', 'data'],
});

const addTime: SchemaObject = { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}$', example: '2026-01-02 15:04:05' };

const cartItem = shape<CartItemView>(
  {
    id: int('the goods id: what every cart route takes'),
    goods_id: int(),
    good_id: int('the course SPA spelling of goods_id'),
    goods_name: text(),
    good_name: text('the course SPA spelling of goods_name'),
    goods_image: text(),
    good_image: text('the course SPA spelling of goods_image'),
    goods_price: yuan(),
    good_price: yuan('the course SPA spelling of goods_price'),
    nums: int(),
    checked: { type: 'boolean' },
  },
  'A cart row joined with its goods; goods no longer in the catalogue show an empty name and price 0.',
);

const order = shape<OrderView>({
  id: int(),
  status: {
    type: 'string',
    enum: [PAYING, TRADE_SUCCESS, TRADE_FINISHED, TRADE_CLOSED],
    description: `an unpaid order reads \`${PAYING}\``,
  },
  pay_type: text(),
  user: int('the owner user id'),
  post: text('a note for the delivery'),
  total: yuan(),
  address: text(),
  name: text(),
  mobile: text(),
  order_sn: text('the Alipay out_trade_no'),
  add_time: addTime,
});

const orderGoods = shape<OrderGoodsView>(
  { id: int('the goods id'), name: text(), image: text(), price: yuan('the price paid, yuan'), nums: int() },
  'A goods as it was when the order was placed.',
);

const orderDetail: SchemaObject = {
  allOf: [
    ref('Order'),
    shape<Omit<OrderDetailView, keyof OrderView>>({
      goods: { type: 'array', items: ref('OrderGoods') },
      alipay_url: { type: ['string', 'null'], description: 'the Alipay page-pay URL while the order can be paid, else null' },
    }),
  ],
};

const reconcileResult = shape<ReconcileResponse__Output>({
  checked: int('unpaid orders looked at'),
  paid: int('found paid at Alipay and settled'),
  closed: int('found expired or closed and closed here'),
  unchanged: int(),
  failed: int('Alipay could not be asked'),
});

const userFav = shape<UserFavView>(
  { id: int('the goods id'), name: text(), shop_price: yuan() },
  'A favourite joined with its goods; goods no longer in the catalogue show an empty name and price 0.',
);

const address = shape<AddressView>({
  id: int(),
  user_id: int(),
  province: text(),
  city: text(),
  district: text(),
  address: text(),
  signer_name: text(),
  signer_mobile: text(),
});

const messageType: SchemaObject = { type: 'integer', enum: [1, 2, 3, 4, 5], description: '1 留言, 2 投诉, 3 询问, 4 售后, 5 求购' };
const message: SchemaObject = {
  ...shape<MessageView>({
    id: int(),
    user_id: int(),
    type: messageType,
    message_type: { ...messageType, description: '`type` again, the name the course SPA reads' },
    subject: text(),
    message: text(),
    file: text('a URL, or empty'),
    add_time: { ...addTime, description: 'when it was left; absent when a course srv does not say' },
  }),
  required: ['id', 'user_id', 'type', 'message_type', 'subject', 'message', 'file'],
};

const SRV_STATES: SrvHealthState[] = ['SERVING', 'NOT_SERVING', 'UNKNOWN', 'SERVICE_UNKNOWN', 'UNREACHABLE', 'TIMEOUT'];

/** Named schemas the operations refer to by `#/components/schemas/<name>`. */
export const SHAPES: Record<string, SchemaObject> = {
  ErrorEnvelope: {
    type: 'object',
    description:
      'Every error answer. `error` names each failing field (validation). A few answers also carry a top-level ' +
      'key the course clients read, e.g. `{"nums":"库存不足"}`.',
    properties: {
      msg: text('the message for people (the course wording, Chinese)'),
      code: { type: 'string', enum: [...ERROR_CODES], description: 'a stable code for programs' },
      requestId: text('the X-Request-Id of this request'),
      error: { type: 'object', additionalProperties: { type: 'string' }, description: 'field → message, for every failing field' },
    },
    required: ['msg', 'code', 'requestId'],
    additionalProperties: { type: 'string' },
  },
  Empty: { type: 'object', maxProperties: 0 },
  CartItem: cartItem,
  CartList: listOf('CartItem'),
  CartItemCreated: shape<{ id: number }>({ id: int('the cart row id') }),
  Order: order,
  OrderList: listOf('Order'),
  OrderGoods: orderGoods,
  OrderDetail: orderDetail,
  OrderCreated: shape<{ id: number; order_sn: string; alipay_url: string | null }>({
    id: int(),
    order_sn: text(),
    alipay_url: { type: ['string', 'null'], description: 'the Alipay page-pay URL' },
  }),
  ReconcileResult: reconcileResult,
  Created: shape<{ id: number }>({ id: int('the new record') }),
  Deleted: shape<{ msg: string }>({ msg: { type: 'string', const: '删除成功' } }),
  UserFav: userFav,
  UserFavList: listOf('UserFav'),
  Address: address,
  AddressList: listOf('Address'),
  Message: message,
  MessageList: listOf('Message'),
  Liveness: shape<{ code: number; success: boolean }>({ code: { type: 'integer', const: 200 }, success: { type: 'boolean', const: true } }),
  Readiness: {
    type: 'object',
    description: '200: serving (degraded when some srv is not SERVING); 503: starting or draining',
    properties: {
      ready: { type: 'boolean' },
      degraded: { type: 'boolean', description: 'some srv is not SERVING (the instance still takes traffic)' },
      srvs: { type: 'object', additionalProperties: { type: 'string', enum: SRV_STATES }, description: 'each srv and its health' },
      reason: { type: 'string', enum: ['starting', 'draining'], description: 'why this instance takes no traffic' },
    },
    required: ['ready'],
  },
};

export { ref as schemaRef };
