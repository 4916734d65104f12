// parseConfig(gatewaySchema, env): defaults, required keys, bad values named by key, secrets never echoed.
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import type { Env } from '../../global/config';
import {
  ConfigError,
  gatewaySchema,
  goodsSrvSchema,
  inventorySrvSchema,
  orderSrvSchema,
  parseConfig,
  useropSrvSchema,
} from '../../global/config';

/** The smallest environment a production gateway starts with. */
const REQUIRED: Env = {
  JWT_KEY: 'a-jwt-key-of-sufficient-length-01',
  ALIPAY_APP_ID: '2021000000000000',
  ALIPAY_PRIVATE_KEY: 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASC',
  ALIPAY_PUBLIC_KEY: 'MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8A',
  ALIPAY_NOTIFY_URL: 'https://shop.example/o/v1/pay/alipay/notify',
  ALIPAY_RETURN_URL: 'https://shop.example/orders',
};

/** Distinctive enough that finding it in a message can only mean the value leaked. */
const SECRET = 'Zq9-LEAK-7Yx'; // under 16 characters, so it is a bad JWT_KEY too

function problemsOf(env: Env): string[] {
  try {
    parseConfig(gatewaySchema, env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('parseConfig(gatewaySchema)', () => {
  it('when only the required keys are set then every default is applied', () => {
    expect(parseConfig(gatewaySchema, REQUIRED)).toStrictEqual({
      ...REQUIRED,
      LOG_LEVEL: 'info',
      GRPC_DEADLINE_MS: 5000,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
      HOST: '0.0.0.0',
      PORT: 8023,
      GOODS_SRV: '127.0.0.1:50051',
      INVENTORY_SRV: '127.0.0.1:50052',
      ORDER_SRV: '127.0.0.1:50053',
      USEROP_SRV: '127.0.0.1:50054',
      BODY_LIMIT: '64kb',
      SHUTDOWN_GRACE_MS: 10_000,
      GATEWAY_WORKERS: 1,
      SRV_MAX_IN_FLIGHT: 256,
      SRV_NAME: 'order-web',
      HEALTH_CHECK_INTERVAL_SECONDS: 5,
      DEREGISTER_CRITICAL_AFTER_SECONDS: 60,
      CONSUL_HTTP_SSL: false,
      BREAKER_TIMEOUTS: 5,
      BREAKER_COOLDOWN_MS: 5000,
      ALIPAY_GATEWAY: 'https://openapi-sandbox.dl.alipaydev.com/gateway.do',
      ALIPAY_SUBJECT_PREFIX: '慕学生鲜订单-',
      ALIPAY_EXPIRE_MARGIN_SECONDS: 60,
      PAY_RESULT_URL: 'http://127.0.0.1:8080/#/app/home/member/order',
    });
  });

  it.each<[string, z.ZodType, Env, string[]]>([
    [
      'a consul:// target without an agent',
      gatewaySchema,
      { ...REQUIRED, ORDER_SRV: 'consul://order-srv' },
      ['CONSUL_HTTP_ADDR is required for ORDER_SRV=consul://…'],
    ],
    [
      'a consul:// userop target without an agent',
      gatewaySchema,
      { ...REQUIRED, USEROP_SRV: 'consul://userop-srv' },
      ['CONSUL_HTTP_ADDR is required for USEROP_SRV=consul://…'],
    ],
    [
      'a consul:// target without a service name',
      gatewaySchema,
      { ...REQUIRED, CONSUL_HTTP_ADDR: '127.0.0.1:8500', ADVERTISE_ADDR: '10.0.0.5:8023', GOODS_SRV: 'consul://' },
      ['GOODS_SRV must be consul://<service-name>'],
    ],
    [
      'a gateway on every interface registering without ADVERTISE_ADDR',
      gatewaySchema,
      { ...REQUIRED, CONSUL_HTTP_ADDR: '127.0.0.1:8500' },
      ['ADVERTISE_ADDR is required when HOST listens on every interface and CONSUL_HTTP_ADDR is set'],
    ],
    [
      'a Consul TLS switch that is not a boolean',
      gatewaySchema,
      { ...REQUIRED, CONSUL_HTTP_SSL: 'yes' },
      ['CONSUL_HTTP_SSL must be true or false'],
    ],
    [
      'an order srv dialing consul:// without an agent',
      orderSrvSchema,
      { INVENTORY_SRV: 'consul://inventory-srv' },
      ['CONSUL_HTTP_ADDR is required for INVENTORY_SRV=consul://…'],
    ],
    [
      'a srv on every interface registering without ADVERTISE_ADDR',
      goodsSrvSchema,
      { GOODS_SRV: '0.0.0.0:50051', CONSUL_HTTP_ADDR: '127.0.0.1:8500' },
      ['ADVERTISE_ADDR is required when GOODS_SRV listens on every interface and CONSUL_HTTP_ADDR is set'],
    ],
    ['an SRV_NAME with capitals', inventorySrvSchema, { SRV_NAME: 'Inventory' }, ['SRV_NAME must be lowercase letters, digits and dashes']],
    [
      'a check interval of 0',
      orderSrvSchema,
      { HEALTH_CHECK_INTERVAL_SECONDS: '0' },
      ['HEALTH_CHECK_INTERVAL_SECONDS must be an integer 1..300'],
    ],
    [
      'deregistration sooner than Consul allows',
      orderSrvSchema,
      { DEREGISTER_CRITICAL_AFTER_SECONDS: '30' },
      ['DEREGISTER_CRITICAL_AFTER_SECONDS must be an integer 60..86400'],
    ],
  ])('when governance settings are wrong (%s) then the problem is named', (_case, schema, env, problems) => {
    expect(() => parseConfig(schema, env)).toThrow(expect.objectContaining({ problems }));
  });

  it('when a srv registers in Consul then its name, check interval and deregistration have defaults, and a wildcard listener advertises what it is told', () => {
    expect(
      parseConfig(orderSrvSchema, { CONSUL_HTTP_ADDR: '127.0.0.1:8500', ORDER_SRV: '0.0.0.0:50053', ADVERTISE_ADDR: '10.0.0.5:50053' }),
    ).toMatchObject({
      SRV_NAME: 'order-srv',
      ADVERTISE_ADDR: '10.0.0.5:50053',
      HEALTH_CHECK_INTERVAL_SECONDS: 5,
      DEREGISTER_CRITICAL_AFTER_SECONDS: 60,
    });
    expect(parseConfig(goodsSrvSchema, {}).SRV_NAME).toBe('goods-srv');
    expect(parseConfig(inventorySrvSchema, {}).SRV_NAME).toBe('inventory-srv');
    expect(parseConfig(useropSrvSchema, {})).toMatchObject({ SRV_NAME: 'userop-srv', USEROP_SRV: '127.0.0.1:50054' });
  });

  it('when the order srv gets only some of the Alipay keys then each missing one is named', () => {
    expect(() => parseConfig(orderSrvSchema, { ALIPAY_APP_ID: '2021' })).toThrow(
      expect.objectContaining({
        problems: [
          'ALIPAY_PRIVATE_KEY must be set together with the other Alipay keys',
          'ALIPAY_PUBLIC_KEY must be set together with the other Alipay keys',
        ],
      }),
    );
  });

  it('when the order srv gets no Alipay keys then it runs without asking Alipay, refunds on by default', () => {
    expect(parseConfig(orderSrvSchema, {})).toMatchObject({
      ORDER_TIMEOUT_SECONDS: 1800,
      ALIPAY_REFUND_LATE_PAYMENTS: true,
      ALIPAY_GATEWAY: 'https://openapi-sandbox.dl.alipaydev.com/gateway.do',
    });
    expect(parseConfig(orderSrvSchema, {}).ALIPAY_APP_ID).toBeUndefined();
    expect(() => parseConfig(orderSrvSchema, { ALIPAY_REFUND_LATE_PAYMENTS: 'yes' })).toThrow(
      /ALIPAY_REFUND_LATE_PAYMENTS must be true or false/,
    );
  });

  it.each<[string, Env, Record<string, unknown>]>([
    ['PORT 0 (pick a free port)', { PORT: '0' }, { PORT: 0 }],
    ['PORT 65535', { PORT: '65535' }, { PORT: 65535 }],
    ['GRPC_DEADLINE_MS 50', { GRPC_DEADLINE_MS: '50' }, { GRPC_DEADLINE_MS: 50 }],
    [
      'a round-robin ORDER_SRV target',
      { ORDER_SRV: 'ipv4:10.0.0.1:50053,10.0.0.2:50053' },
      { ORDER_SRV: 'ipv4:10.0.0.1:50053,10.0.0.2:50053' },
    ],
    ['LOG_LEVEL silent', { LOG_LEVEL: 'silent' }, { LOG_LEVEL: 'silent' }],
    ['BODY_LIMIT 1mb', { BODY_LIMIT: '1mb' }, { BODY_LIMIT: '1mb' }],
  ])('when %s is set then it is parsed', (_case, extra, expected) => {
    expect(parseConfig(gatewaySchema, { ...REQUIRED, ...extra })).toMatchObject(expected);
  });

  it.each(['JWT_KEY', 'ALIPAY_APP_ID', 'ALIPAY_PRIVATE_KEY', 'ALIPAY_PUBLIC_KEY', 'ALIPAY_NOTIFY_URL', 'ALIPAY_RETURN_URL'])(
    'when %s is missing then it is reported as required by name',
    (key) => {
      const env = { ...REQUIRED };
      delete env[key];
      expect(problemsOf(env)).toStrictEqual([`${key} is required`]);
    },
  );

  it('when the environment is empty then every required key is reported at once', () => {
    expect(problemsOf({})).toStrictEqual([
      'JWT_KEY is required',
      'ALIPAY_APP_ID is required',
      'ALIPAY_PRIVATE_KEY is required',
      'ALIPAY_PUBLIC_KEY is required',
      'ALIPAY_NOTIFY_URL is required',
      'ALIPAY_RETURN_URL is required',
    ]);
  });

  it.each(['JWT_KEY', 'ALIPAY_PRIVATE_KEY'])('when %s is an empty string then it counts as unset', (key) => {
    expect(problemsOf({ ...REQUIRED, [key]: '' })).toStrictEqual([`${key} is required`]);
  });

  it.each([
    ['PORT', 8023],
    ['HOST', '0.0.0.0'],
    ['LOG_LEVEL', 'info'],
  ])('when %s is an empty string then its default applies', (key, value) => {
    expect(parseConfig(gatewaySchema, { ...REQUIRED, [key]: '' })).toMatchObject({ [key]: value });
  });

  it.each<[string, string, string]>([
    ['PORT', '70000', 'PORT must be an integer 0..65535'],
    ['PORT', 'http', 'PORT must be an integer 0..65535'],
    ['PORT', '-1', 'PORT must be an integer 0..65535'],
    ['PORT', '80.5', 'PORT must be an integer 0..65535'],
    ['GRPC_DEADLINE_MS', '10', 'GRPC_DEADLINE_MS must be an integer 50..120000'],
    ['SHUTDOWN_GRACE_MS', 'soon', 'SHUTDOWN_GRACE_MS must be an integer 0..120000'],
    ['BODY_LIMIT', '1gb', 'BODY_LIMIT must look like 64kb'],
    ['GOODS_SRV', 'goods srv', 'GOODS_SRV must be host:port or a gRPC target'],
    ['ALIPAY_NOTIFY_URL', 'not a url', 'ALIPAY_NOTIFY_URL Invalid URL'],
    ['ALIPAY_GATEWAY', '/gateway.do', 'ALIPAY_GATEWAY Invalid URL'],
    ['JWT_KEY', 'short', 'JWT_KEY must be at least 16 characters'],
  ])('when %s is %j then exactly that key is named', (key, value, problem) => {
    expect(problemsOf({ ...REQUIRED, [key]: value })).toStrictEqual([problem]);
  });

  it.each([
    ['JWT_KEY', SECRET],
    ['PORT', SECRET],
    ['LOG_LEVEL', SECRET],
    ['ALIPAY_NOTIFY_URL', SECRET],
    ['ALIPAY_GATEWAY', `ftp//${SECRET}`],
    ['ORDER_SRV', `${SECRET} x`],
    ['BODY_LIMIT', SECRET],
  ])('when %s holds a bad secret-looking value then the message names the key but never the value', (key, value) => {
    try {
      parseConfig(gatewaySchema, { ...REQUIRED, [key]: value });
      expect.unreachable('expected a ConfigError');
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const { message, problems } = err as ConfigError;
      expect(message).toContain(key);
      expect(message).not.toContain(SECRET);
      expect(problems.join('\n')).not.toContain(SECRET);
    }
  });
});
