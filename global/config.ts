// Every setting is an environment variable, parsed once by the process's main file and
// validated before anything listens. Errors name the key and the rule, never the value.
import { z } from 'zod';
import { CRASH_POINTS, INVENTORY_CRASH_POINTS } from './crash-points';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

export type Env = Record<string, string | undefined>;

const hostPort = z
  .string()
  .regex(/^[^\s:]+:\d{1,5}$/, 'must be host:port')
  .refine((v) => Number(v.slice(v.lastIndexOf(':') + 1)) <= 65535, 'port must be 0..65535');

/** A gRPC target: host:port, `consul://<service-name>`, or anything grpc-js dials (`dns:`, `ipv4:a:1,b:2`). */
const grpcTarget = z
  .string()
  .min(1)
  .regex(/^\S+$/, 'must be host:port or a gRPC target')
  .refine((v) => !v.startsWith('consul:') || /^consul:\/\/[A-Za-z0-9][A-Za-z0-9._-]*$/.test(v), 'must be consul://<service-name>');

const int = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, `must be an integer ${min}..${max}`)
    .transform(Number)
    .refine((n) => n >= min && n <= max, `must be an integer ${min}..${max}`);

const bool = z.enum(['true', 'false'], { message: 'must be true or false' }).transform((v) => v === 'true');

const logLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

/** mysql://user:pass@host:port/db (MySQL/MariaDB). Absent: an SQLite file per srv under DATA_DIR. */
const databaseUrl = z.string().regex(/^mysql:\/\/\S+$/, 'must be mysql://user:password@host:port/database');

const common = {
  LOG_LEVEL: logLevel.default('info'),
  GRPC_DEADLINE_MS: int(50, 120_000).default(5000),
  /** A Consul agent (host:port, as Consul's own tools name it): srvs register there, consul:// targets resolve there. */
  CONSUL_HTTP_ADDR: hostPort.optional(),
  /** The ACL token sent to the agent (X-Consul-Token), as Consul's own tools read it. */
  CONSUL_HTTP_TOKEN: z.string().min(1).optional(),
  /** Talk to the agent over HTTPS. */
  CONSUL_HTTP_SSL: bool.default(false),
  /** A PEM file of the CA that signed the agent's certificate (with CONSUL_HTTP_SSL). */
  CONSUL_CACERT: z.string().min(1).optional(),
  /** A Consul KV key holding a flat JSON object of settings; the environment wins over it (loadEnv). */
  CONSUL_CONFIG_KEY: z
    .string()
    .regex(/^[A-Za-z0-9._/-]+$/, 'must be a Consul KV key')
    .optional(),
  /** OTLP collector base URL: traces are exported there when set (and OpenTelemetry is not loaded otherwise). */
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url().optional(),
  OTEL_EXPORTER_OTLP_PROTOCOL: z
    .enum(['http/protobuf', 'http/json'], { message: 'must be http/protobuf or http/json' })
    .default('http/protobuf'),
  /** The service name on this process's spans; defaults to the process's own name (order-web, order-srv, …). */
  OTEL_SERVICE_NAME: z.string().min(1).optional(),
};

/** Calls to a srv that keeps timing out fail fast (503) for a cool-down, then one probe is let through. */
const breaker = {
  BREAKER_TIMEOUTS: int(1, 1000).default(5),
  BREAKER_COOLDOWN_MS: int(100, 600_000).default(5000),
};

/** How a process presents itself in Consul (only with CONSUL_HTTP_ADDR). */
const registration = (srvName: string) => ({
  SRV_NAME: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]*$/, 'must be lowercase letters, digits and dashes')
    .default(srvName),
  /** host:port others dial; defaults to the listen address when that is not a wildcard. */
  ADVERTISE_ADDR: hostPort.optional(),
  HEALTH_CHECK_INTERVAL_SECONDS: int(1, 300).default(5),
  /** Consul drops an instance whose check stays critical this long (its minimum is a minute). */
  DEREGISTER_CRITICAL_AFTER_SECONDS: int(60, 86_400).default(60),
});

/** A srv's GET /metrics (Prometheus text) on this port, on its listen host; off when unset (the gateway serves its own). */
const metricsPort = { METRICS_PORT: int(0, 65535).optional() };

type Refinement = z.core.$RefinementCtx;
type GovernedConfig = { CONSUL_HTTP_ADDR?: string | undefined; ADVERTISE_ADDR?: string | undefined } & Record<string, unknown>;

const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', '[::]', '']);

/** A srv registering in Consul must say where others dial it when it listens on every interface. */
function needsAdvertiseAddr(listenKey: string) {
  return (c: GovernedConfig, issue: Refinement) => {
    const listen = String(c[listenKey] ?? '');
    const host = listen.slice(0, listen.lastIndexOf(':'));
    if (c.CONSUL_HTTP_ADDR && !c.ADVERTISE_ADDR && WILDCARD_HOSTS.has(host)) {
      issue.addIssue({
        code: 'custom',
        path: ['ADVERTISE_ADDR'],
        message: `is required when ${listenKey} listens on every interface and CONSUL_HTTP_ADDR is set`,
      });
    }
  };
}

/** consul:// targets resolve through the agent, so they need one. */
function needsAgentFor(...targetKeys: string[]) {
  return (c: GovernedConfig, issue: Refinement) => {
    for (const key of targetKeys) {
      if (String(c[key] ?? '').startsWith('consul://') && !c.CONSUL_HTTP_ADDR) {
        issue.addIssue({ code: 'custom', path: ['CONSUL_HTTP_ADDR'], message: `is required for ${key}=consul://…` });
      }
    }
  };
}

/** RabbitMQ for the order system's messages (CONTRACT §7); without MESSAGE_BROKER_URL the outbox relay delivers them itself. */
const broker = {
  MESSAGE_BROKER_URL: z
    .string()
    .regex(/^amqps?:\/\/\S+$/, 'must be amqp://user:password@host:port/vhost')
    .optional(),
  /** Starts every exchange and queue name, so that tenants and test runs never share a queue. */
  MESSAGE_BROKER_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9_-]*$/, 'must be letters, digits, _ and -')
    .default('mxshop'),
  /** A message that fails this many times goes to the dead-letter queue. */
  MESSAGE_MAX_ATTEMPTS: int(1, 100).default(5),
};

const storage = {
  DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: databaseUrl.optional(),
};

export const goodsSrvSchema = z
  .object({ ...common, ...storage, ...registration('goods-srv'), ...metricsPort, GOODS_SRV: hostPort.default('127.0.0.1:50051') })
  .superRefine(needsAdvertiseAddr('GOODS_SRV'));
export const inventorySrvSchema = z
  .object({
    ...common,
    ...storage,
    ...registration('inventory-srv'),
    ...metricsPort,
    ...broker,
    INVENTORY_SRV: hostPort.default('127.0.0.1:50052'),
    /** Testing aid: SIGKILL the srv at this step (see global/crash-points.ts). Never set in production. */
    INVENTORY_SRV_CRASH_AT: z.enum(INVENTORY_CRASH_POINTS).optional(),
  })
  .superRefine(needsAdvertiseAddr('INVENTORY_SRV'));
export const useropSrvSchema = z
  .object({ ...common, ...storage, ...registration('userop-srv'), ...metricsPort, USEROP_SRV: hostPort.default('127.0.0.1:50054') })
  .superRefine(needsAdvertiseAddr('USEROP_SRV'));
const ALIPAY_SANDBOX = 'https://openapi-sandbox.dl.alipaydev.com/gateway.do';

export const orderSrvSchema = z
  .object({
    ...common,
    ...storage,
    ...breaker,
    ...registration('order-srv'),
    ...metricsPort,
    ...broker,
    ORDER_SRV: hostPort.default('127.0.0.1:50053'),
    GOODS_SRV: grpcTarget.default('127.0.0.1:50051'),
    INVENTORY_SRV: grpcTarget.default('127.0.0.1:50052'),
    /** Distinguishes order numbers of instances running side by side; random per start when unset. */
    ORDER_SN_NODE: int(0, 999).optional(),
    /** Unpaid orders close by themselves after this long (the seed's 30 minutes). */
    ORDER_TIMEOUT_SECONDS: int(1, 30 * 24 * 3600).default(1800),
    /** How often the relay delivers outbox messages and recovers abandoned attempts. */
    RELAY_INTERVAL_MS: int(10, 600_000).default(1000),
    /** An order attempt still open after this long is given up and its stock returned (well above any deadline). */
    ATTEMPT_RECOVER_SECONDS: int(1, 86_400).default(60),
    /** How long a relay's claim on a message keeps other relays off it (a crashed relay's claim lapses after this). */
    RELAY_LEASE_SECONDS: int(1, 3600).default(30),
    /** Testing aid: SIGKILL the srv at this step (see global/crash-points.ts). Never set in production. */
    ORDER_SRV_CRASH_AT: z.enum(CRASH_POINTS).optional(),
    /**
     * Alipay's OpenAPI, for asking before a timeout closes an order, closing the trade at Alipay,
     * reconciling, and refunding late payments. All three keys, or none (then nothing is asked).
     */
    ALIPAY_APP_ID: z.string().min(1).optional(),
    ALIPAY_PRIVATE_KEY: z.string().min(1).optional(),
    ALIPAY_PUBLIC_KEY: z.string().min(1).optional(),
    ALIPAY_GATEWAY: z.url().default(ALIPAY_SANDBOX),
    ALIPAY_TIMEOUT_MS: int(100, 60_000).default(5000),
    ALIPAY_REFUND_LATE_PAYMENTS: bool.default(true),
  })
  .superRefine((c, issue) => {
    const set = (['ALIPAY_APP_ID', 'ALIPAY_PRIVATE_KEY', 'ALIPAY_PUBLIC_KEY'] as const).filter((k) => c[k] !== undefined);
    if (set.length === 0 || set.length === 3) return;
    for (const key of ['ALIPAY_APP_ID', 'ALIPAY_PRIVATE_KEY', 'ALIPAY_PUBLIC_KEY'] as const) {
      if (c[key] === undefined) issue.addIssue({ code: 'custom', path: [key], message: 'must be set together with the other Alipay keys' });
    }
  })
  .superRefine(needsAdvertiseAddr('ORDER_SRV'))
  .superRefine(needsAgentFor('GOODS_SRV', 'INVENTORY_SRV'));

const pemOrBase64 = z.string().min(1);

export const gatewaySchema = z
  .object({
    ...common,
    ...breaker,
    ...registration('order-web'),
    HOST: z.string().min(1).default('0.0.0.0'),
    PORT: int(0, 65535).default(8023),
    JWT_KEY: z.string().min(16, 'must be at least 16 characters'),
    GOODS_SRV: grpcTarget.default('127.0.0.1:50051'),
    INVENTORY_SRV: grpcTarget.default('127.0.0.1:50052'),
    ORDER_SRV: grpcTarget.default('127.0.0.1:50053'),
    USEROP_SRV: grpcTarget.default('127.0.0.1:50054'),
    BODY_LIMIT: z
      .string()
      .regex(/^\d+(b|kb|mb)$/i, 'must look like 64kb')
      .default('64kb'),
    SHUTDOWN_GRACE_MS: int(0, 120_000).default(10_000),
    /**
     * Gateway processes sharing the port (node:cluster); 1 is a single process. 1 measures best on a host shared with
     * the srvs (bench:gateway: a second worker costs more CPU per request than it buys); more only on cores of its own.
     */
    GATEWAY_WORKERS: int(1, 64).default(1),
    /** Calls in flight to one srv beyond which more are refused at once (503 OVERLOADED) rather than queued into timeouts. */
    SRV_MAX_IN_FLIGHT: int(1, 100_000).default(256),
    ALIPAY_APP_ID: z.string().min(1),
    ALIPAY_PRIVATE_KEY: pemOrBase64,
    ALIPAY_PUBLIC_KEY: pemOrBase64,
    ALIPAY_GATEWAY: z.url().default(ALIPAY_SANDBOX),
    /** When set, a notify whose seller_id differs is refused. */
    ALIPAY_SELLER_ID: z.string().min(1).optional(),
    ALIPAY_NOTIFY_URL: z.url(),
    ALIPAY_RETURN_URL: z.url(),
    ALIPAY_SUBJECT_PREFIX: z.string().default('慕学生鲜订单-'),
    /** Alipay stops taking money this long before the order closes here (page pay's time_expire). */
    ALIPAY_EXPIRE_MARGIN_SECONDS: int(0, 3600).default(60),
    /** The frontend page the return route redirects to, with ?order_sn=…&paid=true|false. */
    PAY_RESULT_URL: z.url().default('http://127.0.0.1:8080/#/app/home/member/order'),
  })
  .superRefine(needsAgentFor('GOODS_SRV', 'INVENTORY_SRV', 'ORDER_SRV', 'USEROP_SRV'))
  .superRefine((c, issue) => {
    if (c.CONSUL_HTTP_ADDR && !c.ADVERTISE_ADDR && WILDCARD_HOSTS.has(c.HOST)) {
      issue.addIssue({
        code: 'custom',
        path: ['ADVERTISE_ADDR'],
        message: 'is required when HOST listens on every interface and CONSUL_HTTP_ADDR is set',
      });
    }
  });

export type GoodsSrvConfig = z.infer<typeof goodsSrvSchema>;
export type InventorySrvConfig = z.infer<typeof inventorySrvSchema>;
export type OrderSrvConfig = z.infer<typeof orderSrvSchema>;
export type UseropSrvConfig = z.infer<typeof useropSrvSchema>;
export type GatewayConfig = z.infer<typeof gatewaySchema>;

/** Empty strings count as unset, as shells and compose files often pass them. */
export function parseConfig<S extends z.ZodType>(schema: S, env: Env): z.infer<S> {
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const result = schema.safeParse(present);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const key = issue.path.join('.') || '(root)';
    const rule = issue.code === 'invalid_type' && !(key in present) ? 'is required' : issue.message;
    return `${key} ${rule}`;
  });
  throw new ConfigError(problems);
}
