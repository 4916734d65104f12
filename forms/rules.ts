// Field rules shared by the forms. Each rule is a few stock class-validator decorators that share ONE message
// function, so a field reports one sentence that fits the value it got ("nums 必须是1到10000之间的整数"),
// whichever of its constraints happens to fail first (decorator order is bottom-up and easy to disturb).
import { Transform } from 'class-transformer';
import type { ValidationArguments } from 'class-validator';
import {
  IsBoolean,
  IsDefined,
  IsInt,
  IsString,
  IsUrl,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateBy,
  ValidateIf,
} from 'class-validator';

export const INT32_MAX = 2_147_483_647;

type Message = (args: ValidationArguments) => string;

function allOf(...decorators: PropertyDecorator[]): PropertyDecorator {
  return (target, key) => {
    for (const decorate of decorators) decorate(target, key);
  };
}

const isMissing = (value: unknown) => value === undefined || value === null;
const required = (field: string) => `${field} 为必填字段`;

function intMessage(min: number, max: number): Message {
  const range = max === INT32_MAX ? `不小于${min}的整数` : `${min}到${max}之间的整数`;
  return ({ property, value }) => (isMissing(value) ? required(property) : `${property} 必须是${range}`);
}

/** A required JSON integer in [min, max]. Body values are never coerced: "3", 3.5 and true are errors. */
export function IntField(min: number, max: number = INT32_MAX): PropertyDecorator {
  const opts = { message: intMessage(min, max) };
  return allOf(IsDefined(opts), IsInt(opts), Min(min, opts), Max(max, opts));
}

/**
 * Query strings and path segments are always text; only plain decimal digits within int32 become a number.
 * Anything else ("1.5", "1e3", "-1", "", " 7", "0x10", a repeated key) is left as it came, so IntField rejects it.
 */
export function toStrictInt(value: unknown): unknown {
  if (typeof value !== 'string' || !/^\d+$/.test(value)) return value;
  const n = Number(value);
  return n <= INT32_MAX ? n : value;
}

/** An integer read from a query string or a path segment. */
export function IntParam(min: number, max: number = INT32_MAX): PropertyDecorator {
  return allOf(
    Transform(({ value }: { value: unknown }) => toStrictInt(value)),
    IntField(min, max),
  );
}

function textMessage(min: number, max: number): Message {
  return ({ property, value }) => {
    if (isMissing(value)) return required(property);
    if (typeof value !== 'string') return `${property} 必须是字符串`;
    if (value.length < min) return min === 1 ? `${property} 不能为空` : `${property} 长度不能少于${min}个字符`;
    return `${property} 长度不能超过${max}个字符`;
  };
}

/** A required string, trimmed (people paste addresses with stray spaces), [min, max] characters after trimming. */
export function TextField(min: number, max: number): PropertyDecorator {
  const opts = { message: textMessage(min, max) };
  return allOf(
    Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value)),
    IsDefined(opts),
    IsString(opts),
    Length(min, max, opts),
  );
}

/** Mainland mobile numbers, as the course's validator checks them. Not trimmed: it is a machine-read value. */
export const MOBILE_PATTERN = /^1[3-9]\d{9}$/;

export function MobileField(): PropertyDecorator {
  const opts: { message: Message } = {
    message: ({ property, value }) => {
      if (isMissing(value)) return required(property);
      if (typeof value !== 'string') return `${property} 必须是字符串`;
      return `${property} 非法的手机号码`;
    },
  };
  return allOf(IsDefined(opts), IsString(opts), Matches(MOBILE_PATTERN, opts));
}

/**
 * An optional JSON boolean: absent stays undefined (meaning "leave it as it is"); null or "true" are errors,
 * which @IsOptional would let through as null.
 */
export function OptionalBooleanField(): PropertyDecorator {
  const opts = { message: ({ property }: ValidationArguments) => `${property} 必须是布尔值` };
  return allOf(
    ValidateIf((_form: object, value: unknown) => value !== undefined),
    IsBoolean(opts),
  );
}

/** An optional link (an uploaded file's URL): absent or empty means none; otherwise an http(s) URL of at most max characters. */
export function OptionalUrlField(max: number): PropertyDecorator {
  const opts: { message: Message } = {
    message: ({ property, value }) => {
      if (typeof value !== 'string') return `${property} 必须是字符串`;
      if (value.length > max) return `${property} 长度不能超过${max}个字符`;
      return `${property} 必须是http或https链接`;
    },
  };
  return allOf(
    ValidateIf((_form: object, value: unknown) => value !== undefined && value !== ''),
    IsString(opts),
    MaxLength(max, opts),
    IsUrl({ protocols: ['http', 'https'], require_protocol: true }, opts),
  );
}

/**
 * One of two ways to give something: `rule` applies while `other` is absent (so the field is required then),
 * and the field must be absent when `other` is given, each field saying so itself.
 */
export function UnlessGiven(other: string, rule: PropertyDecorator): PropertyDecorator {
  const otherOf = (form: object) => (form as Record<string, unknown>)[other];
  return allOf(
    ValidateIf((form: object, value: unknown) => otherOf(form) === undefined || value !== undefined),
    ValidateBy({
      name: 'unlessGiven',
      // Named for readers of the metadata (the OpenAPI document states the either/or).
      constraints: [other],
      validator: {
        validate: (_value: unknown, args?: ValidationArguments) => otherOf(args?.object ?? {}) === undefined,
        defaultMessage: ({ property }: ValidationArguments) => `${property} 不能与 ${other} 同时填写`,
      },
    }),
    rule,
  );
}

/** An optional integer in [min, max]: absent stays undefined; null, "3" or 3.5 are errors. */
export function OptionalIntField(min: number, max: number = INT32_MAX): PropertyDecorator {
  return allOf(
    ValidateIf((_form: object, value: unknown) => value !== undefined),
    IntField(min, max),
  );
}
