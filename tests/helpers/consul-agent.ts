// A stand-in for a Consul agent's HTTP API (a single-node dev agent, datacenter dc1) on 127.0.0.1, faithful
// where the `consul` npm client (2.0.1) and our code depend on it:
//   PUT /v1/agent/service/register, PUT /v1/agent/service/deregister/:id, GET /v1/agent/services,
//   GET /v1/health/service/:service (?passing, ?tag, blocking ?index/?wait, X-Consul-Index),
//   GET|PUT|DELETE /v1/kv/:key (?recurse, ?keys, ?raw, ?cas, ?flags, blocking ?index/?wait), GET /v1/status/leader.
// Request and answer shapes are Consul's (PascalCase JSON, keys matched case-insensitively like Go's decoder,
// durations as Go duration strings, errors as text/plain with Consul's status codes). Like the agent, it runs
// the registered checks itself, every Interval with Timeout as the deadline: gRPC (grpc.health.v1.Health/Check:
// SERVING is passing, anything else critical) and HTTP (a request with the registered Method and Header: 2xx
// is passing, 429 warning, anything else or no answer critical); a new check is critical until it first passes, a status
// change raises the raft-like index and wakes blocking queries, and a service whose check stays critical
// longer than DeregisterCriticalServiceAfter is reaped. With an ACL token configured every request must carry it
// (X-Consul-Token, or ?token=), else 403; with a certificate it speaks HTTPS only. Tests drive it through the returned handle: run all
// checks now, reap now, stop and start again on the same port with the same state, set KV keys.
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { protoPath } from 'grpc-health-check';

export type ConsulCheckStatus = 'passing' | 'warning' | 'critical';

/** A service check as the agent holds it. */
export interface ConsulAgentCheck {
  checkId: string;
  name: string;
  status: ConsulCheckStatus;
  /** The output of the last run, in the agent's local state ('' before any). */
  output: string;
  /** The output health.service answers: synced with each status change, output-only changes after checkUpdateIntervalMs. */
  syncedOutput: string;
  /** host:port or host:port/service, as registered ('' for an HTTP check). */
  grpc: string;
  grpcUseTls: boolean;
  /** The URL an HTTP check requests ('' for a gRPC check), and with which method. */
  http: string;
  method: string;
  /** As registered. */
  intervalMs: number;
  /** What the agent runs it at: the interval, at least minIntervalMs. */
  effectiveIntervalMs: number;
  /** The deadline of each check (Consul's default 10 s when none is registered). */
  timeoutMs: number;
  /** After clamping to minDeregisterAfterMs; undefined when the check never reaps its service. */
  deregisterCriticalServiceAfterMs?: number;
  /** When it last turned critical, on the agent's clock; undefined while not critical. */
  criticalSince?: number;
}

/** A registration as the agent holds it. */
export interface ConsulAgentService {
  id: string;
  name: string;
  address: string;
  port: number;
  tags: string[];
  meta: Record<string, string>;
  checks: ConsulAgentCheck[];
  createIndex: number;
  modifyIndex: number;
}

export interface ConsulAgentOptions {
  /** Default 0 (any free port). A given port lets a test stop the agent and start it again on the same address. */
  port?: number;
  /** Checks run no more often than this (Consul's MinInterval: 1 s). Tests may lower it. */
  minIntervalMs?: number;
  /** DeregisterCriticalServiceAfter is at least this (Consul's check_deregister_interval_min: 1 min). */
  minDeregisterAfterMs?: number;
  /** How often the reaper looks for services critical for too long (Consul's check_reap_interval: 30 s). */
  reapIntervalMs?: number;
  /**
   * A check's output that changes while its status does not reaches the catalog (health.service) only after
   * about this long, as with Consul's check_update_interval (5 min; 0 syncs it at once). Status changes sync at once.
   */
  checkUpdateIntervalMs?: number;
  /** The agent's clock for how long a check has been critical. Default Date.now; a test that moves time passes its clock. */
  now?: () => number;
  /** The node name (a dev agent's is the host name). */
  nodeName?: string;
  /** With ACLs on (default policy deny): the one token that may do anything; requests without it get 403. */
  aclToken?: string;
  /** Serve HTTPS with this key and certificate (PEM) instead of HTTP. */
  tls?: { key: string; cert: string };
}

export interface ConsulAgent {
  /** http://127.0.0.1:port (https:// with tls) */
  readonly url: string;
  /** 127.0.0.1:port, what CONSUL_HTTP_ADDR takes. */
  readonly address: string;
  readonly port: number;
  /** Current registrations, by service id, with their checks' status. */
  services(): ConsulAgentService[];
  /** The current raft index. */
  index(): number;
  /** How many blocking queries the agent is holding now (lets a test know a query is parked without sleeping). */
  heldQueries(): number;
  /** Writes a KV key as PUT /v1/kv/:key does (raises the index, wakes blocking queries). */
  setKv(key: string, value: string | Buffer): void;
  /** Deletes a KV key as DELETE /v1/kv/:key does. */
  deleteKv(key: string): void;
  /** Runs every check once, now, and resolves when all have finished and their results apply. */
  checkNow(): Promise<void>;
  /** Runs the reaper once, now; resolves to the ids of the services it deregistered. */
  reapNow(): string[];
  /** Like the agent going away: closes the server and every connection (held queries too), stops checking. State is kept. */
  stop(): Promise<void>;
  /** Like the agent coming back: listens again on the same port with the same state, and runs every check at once. */
  start(): Promise<void>;
  /** Stops for good. */
  close(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------------
// Go durations

const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, μs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

export class DurationError extends Error {}

/** Go's time.ParseDuration, strictly (sign, "0", decimal components each with a unit); milliseconds. */
export function parseGoDuration(text: string): number {
  const quoted = JSON.stringify(text);
  let rest = text;
  let sign = 1;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    sign = rest.startsWith('-') ? -1 : 1;
    rest = rest.slice(1);
  }
  if (rest === '0') return 0;
  if (rest === '') throw new DurationError(`time: invalid duration ${quoted}`);
  let total = 0;
  while (rest !== '') {
    const number = /^(\d*)(?:\.(\d*))?/.exec(rest);
    const whole = number?.[1] ?? '';
    const fraction = number?.[2] ?? '';
    if (whole === '' && fraction === '') throw new DurationError(`time: invalid duration ${quoted}`);
    rest = rest.slice(number?.[0].length ?? 0);
    const unit = /^[^\d.]*/.exec(rest)?.[0] ?? '';
    if (unit === '') throw new DurationError(`time: missing unit in duration ${quoted}`);
    const ms = UNIT_MS[unit];
    if (ms === undefined) throw new DurationError(`time: unknown unit ${JSON.stringify(unit)} in duration ${quoted}`);
    total += Number(`${whole || '0'}.${fraction || '0'}`) * ms;
    rest = rest.slice(unit.length);
  }
  if (total * 1e6 > 2 ** 63 - 1) throw new DurationError(`time: invalid duration ${quoted}`);
  return sign * total;
}

/** Go's Duration.String ("10s", "500ms", "1m30s", "1h0m0s"). */
export function formatGoDuration(ms: number): string {
  let ns = Math.round(ms * 1e6);
  if (ns === 0) return '0s';
  const sign = ns < 0 ? '-' : '';
  ns = Math.abs(ns);
  const decimal = (n: number) => String(Number(n.toFixed(9)));
  if (ns < 1e3) return `${sign}${ns}ns`;
  if (ns < 1e6) return `${sign}${decimal(ns / 1e3)}µs`;
  if (ns < 1e9) return `${sign}${decimal(ns / 1e6)}ms`;
  const hours = Math.floor(ns / 3.6e12);
  const minutes = Math.floor((ns - hours * 3.6e12) / 6e10);
  const seconds = decimal((ns - hours * 3.6e12 - minutes * 6e10) / 1e9);
  if (hours > 0) return `${sign}${hours}h${minutes}m${seconds}s`;
  if (minutes > 0) return `${sign}${minutes}m${seconds}s`;
  return `${sign}${seconds}s`;
}

// ---------------------------------------------------------------------------------------------------
// The gRPC health probe, as Consul's GrpcHealthProbe: a fresh connection per check, Check with the
// timeout as deadline, SERVING → passing, anything else → critical with Go-style output.

interface HealthCheckClient extends grpc.Client {
  Check(
    request: { service: string },
    options: grpc.CallOptions,
    callback: (err: grpc.ServiceError | null, response?: { status?: string }) => void,
  ): grpc.ClientUnaryCall;
}

let healthClientConstructor:
  | (new (
      address: string,
      credentials: grpc.ChannelCredentials,
      options?: grpc.ChannelOptions,
    ) => HealthCheckClient)
  | undefined;

function healthClientClass() {
  if (!healthClientConstructor) {
    const definition = protoLoader.loadSync(protoPath, { keepCase: true, enums: String, defaults: true });
    const loaded = grpc.loadPackageDefinition(definition) as unknown as {
      grpc: { health: { v1: { Health: typeof healthClientConstructor } } };
    };
    healthClientConstructor = loaded.grpc.health.v1.Health;
  }
  return healthClientConstructor as NonNullable<typeof healthClientConstructor>;
}

/** grpc-go's names of the status codes, as in "rpc error: code = Unavailable desc = …". */
const GO_CODE_NAMES = [
  'OK',
  'Canceled',
  'Unknown',
  'InvalidArgument',
  'DeadlineExceeded',
  'NotFound',
  'AlreadyExists',
  'PermissionDenied',
  'ResourceExhausted',
  'FailedPrecondition',
  'Aborted',
  'OutOfRange',
  'Unimplemented',
  'Internal',
  'Unavailable',
  'DataLoss',
  'Unauthenticated',
];

interface ProbeTarget {
  grpc: string;
  grpcUseTls: boolean;
  http: string;
  method: string;
  header: Record<string, string[]>;
  tlsServerName?: string;
  tlsSkipVerify: boolean;
  timeoutMs: number;
}

interface ProbeResult {
  status: ConsulCheckStatus;
  output: string;
}

async function probeGrpc(target: ProbeTarget): Promise<ProbeResult> {
  const slash = target.grpc.indexOf('/');
  const server = slash < 0 ? target.grpc : target.grpc.slice(0, slash);
  const service = slash < 0 ? '' : target.grpc.slice(slash + 1);
  let client: HealthCheckClient | undefined;
  try {
    const Client = healthClientClass();
    const credentials = target.grpcUseTls
      ? grpc.credentials.createSsl(null, null, null, { rejectUnauthorized: !target.tlsSkipVerify })
      : grpc.credentials.createInsecure();
    client = new Client(server, credentials, target.tlsServerName ? { 'grpc.ssl_target_name_override': target.tlsServerName } : {});
    const checking = client;
    const response = await new Promise<{ status?: string }>((resolve, reject) => {
      checking.Check({ service }, { deadline: Date.now() + target.timeoutMs }, (err, res) => (err ? reject(err) : resolve(res ?? {})));
    });
    if (response.status === 'SERVING') return { status: 'passing', output: `gRPC check ${target.grpc}: success` };
    return { status: 'critical', output: `gRPC ${server} serving status: ${response.status ?? 'UNKNOWN'}` };
  } catch (err) {
    const e = err as Partial<grpc.ServiceError>;
    if (typeof e.code === 'number') {
      return { status: 'critical', output: `rpc error: code = ${GO_CODE_NAMES[e.code] ?? e.code} desc = ${e.details ?? ''}` };
    }
    return { status: 'critical', output: `gRPC ${server}: ${(err as Error).message}` };
  } finally {
    client?.close();
  }
}

/** Consul's HTTP check: 2xx passing, 429 warning, anything else critical; the output quotes the start of the body. */
async function probeHttp(target: ProbeTarget): Promise<ProbeResult | { status: 'warning'; output: string }> {
  const headers = new Headers();
  for (const [name, values] of Object.entries(target.header)) for (const value of values) headers.append(name, value);
  if (!headers.has('user-agent')) headers.set('user-agent', 'Consul Health Check');
  headers.set('accept', 'text/plain, text/*, */*');
  try {
    const res = await fetch(target.http, {
      method: target.method,
      headers,
      signal: AbortSignal.timeout(target.timeoutMs),
      redirect: 'manual',
    });
    const body = (await res.text()).slice(0, 4096);
    const output = `HTTP ${target.method} ${target.http}: ${res.status} ${http.STATUS_CODES[res.status] ?? ''} Output: ${body}`;
    if (res.status >= 200 && res.status < 300) return { status: 'passing', output };
    if (res.status === 429) return { status: 'warning', output };
    return { status: 'critical', output };
  } catch (err) {
    const cause = (err as { cause?: { message?: string } }).cause?.message ?? (err as Error).message;
    return { status: 'critical', output: `Get "${target.http}": ${cause}` };
  }
}

// ---------------------------------------------------------------------------------------------------
// State

interface CheckState extends ProbeTarget {
  checkId: string;
  name: string;
  notes: string;
  status: ConsulCheckStatus;
  output: string;
  syncedOutput: string;
  /** The pending sync of an output-only change. */
  deferredSync?: NodeJS.Timeout;
  intervalMs: number;
  effectiveIntervalMs: number;
  timeoutText: string;
  deregisterAfterMs?: number;
  criticalSince?: number;
  createIndex: number;
  modifyIndex: number;
  runner?: CheckRunner;
}

interface ServiceState {
  id: string;
  name: string;
  address: string;
  port: number;
  tags: string[];
  meta: Record<string, string>;
  checks: CheckState[];
  createIndex: number;
  modifyIndex: number;
}

interface KvEntry {
  value: Buffer | null;
  flags: number;
  createIndex: number;
  modifyIndex: number;
}

/** Runs one check: at once, then every interval after the previous run ends; runs never overlap. */
class CheckRunner {
  private chain: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly check: CheckState,
    private readonly apply: (check: CheckState, result: ProbeResult) => void,
  ) {}

  start(): void {
    const loop = () => {
      void this.runOnce().then(() => {
        if (this.stopped) return;
        this.timer = setTimeout(loop, this.check.effectiveIntervalMs);
        this.timer.unref();
      });
    };
    loop();
  }

  runOnce(): Promise<void> {
    const run = this.chain.then(async () => {
      if (this.stopped) return;
      const result = this.check.http ? await probeHttp(this.check) : await probeGrpc(this.check);
      if (!this.stopped) this.apply(this.check, result);
    });
    this.chain = run.catch(() => undefined);
    return this.chain;
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

const decodeFailed = (message: string) => new HttpError(400, `Request decode failed: ${message}`);

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A field of a decoded body, matched as Go's decoder does (any case; Consul also takes snake_case). */
function field(obj: Json, name: string): unknown {
  const want = name.toLowerCase();
  for (const [key, value] of Object.entries(obj)) {
    if (key.replaceAll('_', '').toLowerCase() === want) return value;
  }
  return undefined;
}

function stringField(obj: Json, name: string): string | undefined {
  const value = field(obj, name);
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw decodeFailed(`json: cannot unmarshal ${typeof value} into field ${name} of type string`);
  return value;
}

function boolField(obj: Json, name: string): boolean {
  const value = field(obj, name);
  if (value === undefined || value === null) return false;
  if (typeof value !== 'boolean') throw decodeFailed(`json: cannot unmarshal ${typeof value} into field ${name} of type bool`);
  return value;
}

/** A duration field: a Go duration string, or a number of nanoseconds. */
function durationField(obj: Json, name: string): number | undefined {
  const value = field(obj, name);
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'number' && Number.isInteger(value)) return value / 1e6;
  if (typeof value !== 'string') throw decodeFailed(`json: cannot unmarshal ${typeof value} into field ${name} of type time.Duration`);
  try {
    return parseGoDuration(value);
  } catch (err) {
    throw decodeFailed((err as Error).message);
  }
}

/** Go's strconv.ParseBool, for boolean query parameters; a present, empty parameter is true. */
function boolParam(params: URLSearchParams, name: string): boolean {
  if (!params.has(name)) return false;
  const value = params.get(name) ?? '';
  if (value === '' || ['1', 't', 'T', 'TRUE', 'true', 'True'].includes(value)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(value)) return false;
  throw new HttpError(400, `The '${name}' query parameter must be a boolean value`);
}

function uintParam(params: URLSearchParams, name: string, message: string): number | undefined {
  const value = params.get(name);
  if (value === null) return undefined;
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value))) throw new HttpError(400, message);
  return Number(value);
}

const UNSUPPORTED_CHECK_FIELDS = ['TCP', 'UDP', 'TTL', 'Args', 'ScriptArgs', 'Script', 'H2PING', 'AliasNode', 'AliasService'];

const DEFAULT_CHECK_TIMEOUT_MS = 10_000;
const DEFAULT_QUERY_WAIT_MS = 5 * 60_000;
const MAX_QUERY_WAIT_MS = 10 * 60_000;
const MAX_KV_VALUE_BYTES = 512 * 1024;
const MAX_BODY_BYTES = 4 * 1024 * 1024;

async function readBody(req: http.IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, `Request body too large, max size: ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** What a read endpoint answers now, with the index a blocking query compares. */
interface Answer {
  index: number;
  status: number;
  json?: unknown;
  raw?: Buffer;
}

interface Waiter {
  /** Re-reads; answers and returns true when the index has passed the one the query waits on. */
  recheck(): boolean;
  cancel(): void;
}

export async function startConsulAgent(options: ConsulAgentOptions = {}): Promise<ConsulAgent> {
  const minIntervalMs = options.minIntervalMs ?? 1000;
  const minDeregisterAfterMs = options.minDeregisterAfterMs ?? 60_000;
  const reapIntervalMs = options.reapIntervalMs ?? 30_000;
  const checkUpdateIntervalMs = options.checkUpdateIntervalMs ?? 5 * 60_000;
  const now = options.now ?? Date.now;
  const nodeName = options.nodeName ?? 'consul-stand-in';
  const nodeId = randomUUID();
  const datacenter = 'dc1';

  // A dev agent has committed a few raft entries (leader election, its own node) before it answers.
  let raftIndex = 10;
  const nodeIndex = raftIndex;
  /** The catalog's services table index: raised by every registration and deregistration. */
  let servicesTableIndex = raftIndex;
  /** By service name: the last index at which an instance or a check of that service changed. */
  const serviceIndex = new Map<string, number>();
  /** The KV table index: raised by every write and delete (tombstones count). */
  let kvTableIndex = raftIndex;
  const services = new Map<string, ServiceState>();
  const kv = new Map<string, KvEntry>();
  const waiters = new Set<Waiter>();

  let server: http.Server | https.Server | undefined;
  let port = options.port ?? 0;
  let running = false;
  let closed = false;
  let reaper: NodeJS.Timeout | undefined;

  const bump = () => ++raftIndex;

  /** After a write: every held query reads again, and those whose index moved past theirs answer. */
  function changed(): void {
    for (const waiter of [...waiters]) waiter.recheck();
  }

  // -------------------------------------------------------------------------------------------------
  // Checks

  const serviceOf = (check: CheckState) => [...services.values()].find((s) => s.checks.includes(check));

  /** The catalog takes the check's current status and output: a raft write. */
  function syncCheck(service: ServiceState, check: CheckState): void {
    clearTimeout(check.deferredSync);
    check.deferredSync = undefined;
    const index = bump();
    check.syncedOutput = check.output;
    check.modifyIndex = index;
    serviceIndex.set(service.name, index);
    changed();
  }

  function applyResult(check: CheckState, result: ProbeResult): void {
    const service = serviceOf(check);
    if (!service) return;
    if (check.status === result.status) {
      check.output = result.output;
      // As Consul's local state: an output-only change is synced later (interval/2 + up to interval), once.
      if (check.output === check.syncedOutput || check.deferredSync) return;
      if (checkUpdateIntervalMs <= 0) {
        syncCheck(service, check);
        return;
      }
      check.deferredSync = setTimeout(
        () => {
          check.deferredSync = undefined;
          const current = serviceOf(check);
          if (current && running && check.output !== check.syncedOutput) syncCheck(current, check);
        },
        checkUpdateIntervalMs / 2 + Math.random() * checkUpdateIntervalMs,
      );
      check.deferredSync.unref();
      return;
    }
    check.status = result.status;
    check.output = result.output;
    check.criticalSince = result.status === 'critical' ? now() : undefined;
    syncCheck(service, check);
  }

  function startRunner(check: CheckState): void {
    check.runner?.stop();
    check.runner = new CheckRunner(check, applyResult);
    check.runner.start();
  }

  function stopRunners(service: ServiceState): void {
    for (const check of service.checks) stopCheck(check);
  }

  function stopCheck(check: CheckState): void {
    check.runner?.stop();
    clearTimeout(check.deferredSync);
    check.deferredSync = undefined;
  }

  function reap(): string[] {
    const reaped: string[] = [];
    for (const service of [...services.values()]) {
      const overdue = service.checks.some(
        (c) =>
          c.status === 'critical' &&
          c.deregisterAfterMs !== undefined &&
          c.criticalSince !== undefined &&
          now() - c.criticalSince > c.deregisterAfterMs,
      );
      if (overdue) {
        removeService(service);
        reaped.push(service.id);
      }
    }
    if (reaped.length > 0) changed();
    return reaped;
  }

  function startReaper(): void {
    reaper = setInterval(reap, reapIntervalMs);
    reaper.unref();
  }

  // -------------------------------------------------------------------------------------------------
  // Catalog

  function removeService(service: ServiceState): void {
    stopRunners(service);
    services.delete(service.id);
    const index = bump();
    servicesTableIndex = index;
    serviceIndex.set(service.name, index);
  }

  function parseCheck(def: Json, serviceId: string, serviceName: string, position: number, count: number): CheckState {
    for (const kind of UNSUPPORTED_CHECK_FIELDS) {
      const value = field(def, kind);
      if (value !== undefined && value !== null && value !== '' && !(Array.isArray(value) && value.length === 0)) {
        throw new HttpError(400, `consul stand-in: only GRPC and HTTP checks are implemented; this check uses ${kind}`);
      }
    }
    const target = stringField(def, 'GRPC') ?? '';
    const httpUrl = stringField(def, 'HTTP') ?? '';
    const intervalMs = durationField(def, 'Interval');
    if (!target && !httpUrl) {
      throw new HttpError(
        400,
        'Invalid check: Must provide TTL or Args/HTTP/TCP/UDP/H2PING/GRPC/AliasNode/AliasService and Interval (the stand-in runs GRPC and HTTP only)',
      );
    }
    if (target && httpUrl) throw new HttpError(400, 'Invalid check: a check has one kind (GRPC or HTTP), not both');
    const headerValue = field(def, 'Header') ?? {};
    if (!isObject(headerValue) || Object.values(headerValue).some((v) => !Array.isArray(v) || v.some((x) => typeof x !== 'string'))) {
      throw decodeFailed('json: cannot unmarshal into field Header of type map[string][]string');
    }
    if (intervalMs === undefined || intervalMs <= 0) {
      throw new HttpError(400, 'Invalid check: Interval must be > 0 for Script, HTTP, H2PING, TCP, UDP or GRPC checks');
    }
    const status = stringField(def, 'Status') ?? 'critical';
    if (status !== 'passing' && status !== 'warning' && status !== 'critical') {
      throw new HttpError(400, `Status for checks must 'passing', 'warning', 'critical'`);
    }
    const timeoutMs = durationField(def, 'Timeout');
    const deregisterAfterMs = durationField(def, 'DeregisterCriticalServiceAfter');
    const index = raftIndex;
    const tlsServerName = stringField(def, 'TLSServerName');
    return {
      checkId: stringField(def, 'CheckID') || stringField(def, 'ID') || `service:${serviceId}${count > 1 ? `:${position + 1}` : ''}`,
      name: stringField(def, 'Name') || `Service '${serviceName}' check`,
      notes: stringField(def, 'Notes') ?? '',
      status,
      output: '',
      syncedOutput: '',
      grpc: target,
      grpcUseTls: boolField(def, 'GRPCUseTLS'),
      http: httpUrl,
      method: stringField(def, 'Method') || 'GET',
      header: headerValue as Record<string, string[]>,
      ...(tlsServerName ? { tlsServerName } : {}),
      tlsSkipVerify: boolField(def, 'TLSSkipVerify'),
      intervalMs,
      effectiveIntervalMs: Math.max(intervalMs, minIntervalMs),
      timeoutMs: timeoutMs !== undefined && timeoutMs > 0 ? timeoutMs : DEFAULT_CHECK_TIMEOUT_MS,
      timeoutText: formatGoDuration(timeoutMs ?? 0),
      ...(deregisterAfterMs !== undefined && deregisterAfterMs > 0
        ? { deregisterAfterMs: Math.max(deregisterAfterMs, minDeregisterAfterMs) }
        : {}),
      ...(status === 'critical' ? { criticalSince: now() } : {}),
      createIndex: index,
      modifyIndex: index,
    };
  }

  /** What makes two registrations the same for the catalog (anti-entropy writes only differences). */
  const shapeOf = (s: ServiceState) =>
    JSON.stringify([
      s.name,
      s.address,
      s.port,
      s.tags,
      s.meta,
      s.checks.map((c) => [
        c.checkId,
        c.name,
        c.notes,
        c.grpc,
        c.grpcUseTls,
        c.http,
        c.method,
        c.header,
        c.intervalMs,
        c.timeoutText,
        c.deregisterAfterMs,
        c.status,
      ]),
    ]);

  function register(body: unknown, replaceExistingChecks: boolean): void {
    if (!isObject(body)) throw decodeFailed('json: cannot unmarshal into Go value of type structs.ServiceDefinition');
    const name = stringField(body, 'Name');
    if (!name) throw new HttpError(400, 'Missing service name');
    const id = stringField(body, 'ID') || name;
    const address = stringField(body, 'Address') ?? '';
    const portValue = field(body, 'Port') ?? 0;
    if (typeof portValue !== 'number' || !Number.isInteger(portValue)) {
      throw decodeFailed(`json: cannot unmarshal ${typeof portValue} into field Port of type int`);
    }
    const tagsValue = field(body, 'Tags') ?? [];
    if (!Array.isArray(tagsValue) || tagsValue.some((t) => typeof t !== 'string')) {
      throw decodeFailed('json: cannot unmarshal into field Tags of type []string');
    }
    const metaValue = field(body, 'Meta') ?? {};
    if (!isObject(metaValue) || Object.values(metaValue).some((v) => typeof v !== 'string')) {
      throw decodeFailed('json: cannot unmarshal into field Meta of type map[string]string');
    }
    const checkDefs: Json[] = [];
    const single = field(body, 'Check');
    if (single !== undefined && single !== null) {
      if (!isObject(single)) throw decodeFailed('json: cannot unmarshal into field Check of type structs.CheckType');
      if (Object.keys(single).length > 0) checkDefs.push(single);
    }
    const many = field(body, 'Checks');
    if (many !== undefined && many !== null) {
      if (!Array.isArray(many) || !many.every(isObject))
        throw decodeFailed('json: cannot unmarshal into field Checks of type structs.CheckTypes');
      checkDefs.push(...many);
    }
    const checks = checkDefs.map((def, i) => parseCheck(def, id, name, i, checkDefs.length));

    const previous = services.get(id);
    if (previous) {
      // Consul keeps the status and output of a check that is registered again under the same id, and
      // keeps the service's other checks unless ?replace-existing-checks.
      for (const check of checks) {
        const before = previous.checks.find((c) => c.checkId === check.checkId);
        if (before) {
          check.status = before.status;
          check.output = before.output;
          check.syncedOutput = before.syncedOutput;
          check.criticalSince = before.criticalSince;
          check.createIndex = before.createIndex;
          check.modifyIndex = before.modifyIndex;
        }
      }
      if (!replaceExistingChecks) {
        for (const kept of previous.checks) if (!checks.some((c) => c.checkId === kept.checkId)) checks.push(kept);
      }
    }
    const next: ServiceState = {
      id,
      name,
      address,
      port: portValue,
      tags: tagsValue as string[],
      meta: metaValue as Record<string, string>,
      checks,
      createIndex: previous?.createIndex ?? raftIndex,
      modifyIndex: previous?.modifyIndex ?? raftIndex,
    };
    if (previous) for (const check of previous.checks) if (!checks.includes(check)) stopCheck(check);
    if (!previous || shapeOf(previous) !== shapeOf(next)) {
      const index = bump();
      if (!previous) next.createIndex = index;
      next.modifyIndex = index;
      for (const check of checks) {
        if (!previous?.checks.some((c) => c.checkId === check.checkId)) check.createIndex = index;
        check.modifyIndex = index;
      }
      servicesTableIndex = index;
      serviceIndex.set(name, index);
      if (previous && previous.name !== name) serviceIndex.set(previous.name, index);
    }
    services.set(id, next);
    for (const check of checks) startRunner(check);
    changed();
  }

  // -------------------------------------------------------------------------------------------------
  // Answers in Consul's shapes

  const nodeJson = () => ({
    ID: nodeId,
    Node: nodeName,
    Address: '127.0.0.1',
    Datacenter: datacenter,
    TaggedAddresses: { lan: '127.0.0.1', lan_ipv4: '127.0.0.1', wan: '127.0.0.1', wan_ipv4: '127.0.0.1' },
    Meta: { 'consul-network-segment': '' },
    CreateIndex: nodeIndex,
    ModifyIndex: nodeIndex,
  });

  const serfHealthJson = () => ({
    Node: nodeName,
    CheckID: 'serfHealth',
    Name: 'Serf Health Status',
    Status: 'passing',
    Notes: '',
    Output: 'Agent alive and reachable',
    ServiceID: '',
    ServiceName: '',
    ServiceTags: [],
    Type: '',
    Interval: '',
    Timeout: '',
    ExposedPort: 0,
    Definition: {},
    CreateIndex: nodeIndex,
    ModifyIndex: nodeIndex,
  });

  const checkJson = (s: ServiceState, c: CheckState) => ({
    Node: nodeName,
    CheckID: c.checkId,
    Name: c.name,
    Status: c.status,
    Notes: c.notes,
    Output: c.syncedOutput,
    ServiceID: s.id,
    ServiceName: s.name,
    ServiceTags: s.tags,
    Type: c.http ? 'http' : 'grpc',
    Interval: formatGoDuration(c.intervalMs),
    Timeout: c.timeoutText,
    ExposedPort: 0,
    Definition: {},
    CreateIndex: c.createIndex,
    ModifyIndex: c.modifyIndex,
  });

  const weights = { Passing: 1, Warning: 1 };

  const healthEntryJson = (s: ServiceState) => ({
    Node: nodeJson(),
    Service: {
      ID: s.id,
      Service: s.name,
      Tags: s.tags,
      Address: s.address,
      Meta: s.meta,
      Port: s.port,
      Weights: weights,
      EnableTagOverride: false,
      Proxy: { Mode: '', MeshGateway: {}, Expose: {} },
      Connect: {},
      PeerName: '',
      CreateIndex: s.createIndex,
      ModifyIndex: s.modifyIndex,
    },
    Checks: [serfHealthJson(), ...s.checks.map((c) => checkJson(s, c))],
  });

  const agentServiceJson = (s: ServiceState) => ({
    ID: s.id,
    Service: s.name,
    Tags: s.tags,
    Meta: s.meta,
    Port: s.port,
    Address: s.address,
    Weights: weights,
    EnableTagOverride: false,
    Datacenter: datacenter,
  });

  const sortedServices = () => [...services.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

  function healthAnswer(name: string, passing: boolean, tags: string[]): Answer {
    const instances = sortedServices().filter((s) => s.name === name);
    // An existing service answers its own index; a missing one the services table's (as Consul does).
    const index = instances.length > 0 ? (serviceIndex.get(name) ?? servicesTableIndex) : servicesTableIndex;
    const entries = instances
      .filter((s) => tags.every((t) => s.tags.includes(t)))
      .filter((s) => !passing || s.checks.every((c) => c.status === 'passing'))
      .map(healthEntryJson);
    return { index: Math.max(index, 1), status: 200, json: entries };
  }

  const kvItemJson = (key: string, e: KvEntry) => ({
    LockIndex: 0,
    Key: key,
    Flags: e.flags,
    Value: e.value === null ? null : e.value.toString('base64'),
    CreateIndex: e.createIndex,
    ModifyIndex: e.modifyIndex,
  });

  function kvAnswer(key: string, params: URLSearchParams): Answer {
    const recurse = boolParam(params, 'recurse');
    if (params.has('keys')) {
      const separator = params.get('separator') ?? '';
      const keys = new Set<string>();
      for (const k of [...kv.keys()].sort()) {
        if (!k.startsWith(key)) continue;
        const cut = separator ? k.indexOf(separator, key.length) : -1;
        keys.add(cut >= 0 ? k.slice(0, cut + separator.length) : k);
      }
      if (keys.size === 0) return { index: Math.max(kvTableIndex, 1), status: 404 };
      return { index: Math.max(kvTableIndex, 1), status: 200, json: [...keys] };
    }
    if (recurse) {
      const items = [...kv.entries()].filter(([k]) => k.startsWith(key)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      if (items.length === 0) return { index: Math.max(kvTableIndex, 1), status: 404 };
      return { index: Math.max(kvTableIndex, 1), status: 200, json: items.map(([k, e]) => kvItemJson(k, e)) };
    }
    const entry = kv.get(key);
    // A missing key answers the KV table's index (tombstones included), a present one its ModifyIndex.
    if (!entry) return { index: Math.max(kvTableIndex, 1), status: 404 };
    if (boolParam(params, 'raw')) return { index: entry.modifyIndex, status: 200, raw: entry.value ?? Buffer.alloc(0) };
    return { index: entry.modifyIndex, status: 200, json: [kvItemJson(key, entry)] };
  }

  function kvWrite(key: string, value: Buffer | null, flags: number | undefined): void {
    const index = bump();
    const existing = kv.get(key);
    kv.set(key, { value, flags: flags ?? existing?.flags ?? 0, createIndex: existing?.createIndex ?? index, modifyIndex: index });
    kvTableIndex = index;
    changed();
  }

  function kvDelete(key: string, recurse: boolean): void {
    const doomed = recurse ? [...kv.keys()].filter((k) => k.startsWith(key)) : kv.has(key) ? [key] : [];
    // A delete is a raft write whether or not the key existed, but only a real one moves the KV table's index.
    const index = bump();
    if (doomed.length === 0) return;
    for (const k of doomed) kv.delete(k);
    kvTableIndex = index;
    changed();
  }

  // -------------------------------------------------------------------------------------------------
  // HTTP

  function send(res: http.ServerResponse, status: number, body: string | Buffer, headers: Record<string, string>): void {
    if (res.destroyed || res.headersSent) return;
    res.writeHead(status, { ...headers, 'content-length': String(Buffer.byteLength(body)) });
    res.end(body);
  }

  const sendJson = (res: http.ServerResponse, value: unknown, headers: Record<string, string> = {}) =>
    send(res, 200, JSON.stringify(value), { 'content-type': 'application/json', ...headers });

  const sendText = (res: http.ServerResponse, status: number, text: string, headers: Record<string, string> = {}) =>
    send(res, status, text, { 'content-type': 'text/plain; charset=utf-8', ...headers });

  function sendAnswer(res: http.ServerResponse, answer: Answer): void {
    const headers = {
      'x-consul-index': String(answer.index),
      'x-consul-knownleader': 'true',
      'x-consul-lastcontact': '0',
      'x-consul-effective-consistency': 'leader',
    };
    if (answer.status !== 200) send(res, answer.status, '', headers);
    else if (answer.raw) send(res, 200, answer.raw, { 'content-type': 'text/plain; charset=utf-8', ...headers });
    else sendJson(res, answer.json, headers);
  }

  /** A read that may block: answers at once unless ?index names the current index, then holds until it moves or ?wait ends. */
  function blocking(res: http.ServerResponse, params: URLSearchParams, read: () => Answer): void {
    const minIndex = uintParam(params, 'index', 'Invalid index') ?? 0;
    let waitMs = DEFAULT_QUERY_WAIT_MS;
    const wait = params.get('wait');
    if (wait !== null && wait !== '') {
      try {
        waitMs = parseGoDuration(wait);
      } catch {
        throw new HttpError(400, 'Invalid wait time');
      }
    }
    if (waitMs > MAX_QUERY_WAIT_MS) waitMs = MAX_QUERY_WAIT_MS;
    else if (waitMs <= 0) waitMs = DEFAULT_QUERY_WAIT_MS;
    // Consul adds up to wait/16 so that many watchers do not all wake at once.
    waitMs += Math.random() * (waitMs / 16);

    const first = read();
    if (minIndex === 0 || first.index > minIndex) {
      sendAnswer(res, first);
      return;
    }

    let timer: NodeJS.Timeout | undefined;
    const release = () => {
      clearTimeout(timer);
      waiters.delete(waiter);
      res.off('close', onClose);
    };
    const onClose = () => release();
    const waiter: Waiter = {
      recheck() {
        let answer: Answer;
        try {
          answer = read();
        } catch (err) {
          release();
          sendError(res, err);
          return true;
        }
        if (answer.index <= minIndex) return false;
        release();
        sendAnswer(res, answer);
        return true;
      },
      cancel: release,
    };
    timer = setTimeout(() => {
      release();
      try {
        sendAnswer(res, read());
      } catch (err) {
        sendError(res, err);
      }
    }, waitMs);
    waiters.add(waiter);
    // The client hanging up (or the agent stopping) ends the hold quietly. (The response's 'close', not the
    // request's: a request without a body may report 'close' as soon as it has been read.)
    res.on('close', onClose);
  }

  function sendError(res: http.ServerResponse, err: unknown): void {
    if (err instanceof HttpError) sendText(res, err.status, err.message, err.headers);
    else sendText(res, 500, String((err as Error)?.message ?? err));
  }

  const methodNotAllowed = (method: string, allow: string) => new HttpError(405, `method ${method} not allowed`, { allow: allow });

  function decodePart(part: string): string {
    try {
      return decodeURIComponent(part);
    } catch {
      throw new HttpError(400, `invalid URL escape ${JSON.stringify(part)}`);
    }
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    let url: URL;
    try {
      url = new URL(`http://127.0.0.1${req.url ?? '/'}`);
    } catch {
      throw new HttpError(400, 'invalid request URL');
    }
    const path = url.pathname;
    const params = url.searchParams;
    if (options.aclToken !== undefined) {
      const token = req.headers['x-consul-token'] ?? params.get('token') ?? undefined;
      if (token === undefined || token === '') throw new HttpError(403, 'Permission denied: anonymous token lacks permission');
      if (token !== options.aclToken) throw new HttpError(403, 'ACL not found');
    }

    const dc = params.get('dc');
    if (dc && dc !== datacenter) throw new HttpError(500, 'No path to datacenter');
    if (params.has('filter') && (path === '/v1/agent/services' || path.startsWith('/v1/health/'))) {
      throw new HttpError(400, 'consul stand-in: ?filter is not implemented');
    }

    if (path === '/v1/agent/service/register') {
      if (method !== 'PUT') throw methodNotAllowed(method, 'PUT');
      const raw = await readBody(req);
      let body: unknown;
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch (err) {
        throw decodeFailed((err as Error).message);
      }
      register(body, boolParam(params, 'replace-existing-checks'));
      return send(res, 200, '', {});
    }
    if (path.startsWith('/v1/agent/service/deregister/')) {
      if (method !== 'PUT') throw methodNotAllowed(method, 'PUT');
      const id = decodePart(path.slice('/v1/agent/service/deregister/'.length));
      const service = services.get(id);
      if (!service) {
        throw new HttpError(404, `Unknown service ID ${JSON.stringify(id)}. Ensure that the service ID is passed, not the service name.`);
      }
      removeService(service);
      changed();
      return send(res, 200, '', {});
    }
    if (path === '/v1/agent/services') {
      if (method !== 'GET') throw methodNotAllowed(method, 'GET');
      return sendJson(res, Object.fromEntries(sortedServices().map((s) => [s.id, agentServiceJson(s)])));
    }
    if (path.startsWith('/v1/health/service/')) {
      if (method !== 'GET') throw methodNotAllowed(method, 'GET');
      const name = decodePart(path.slice('/v1/health/service/'.length));
      if (!name) throw new HttpError(400, 'Missing service name');
      const passing = boolParam(params, 'passing');
      const tags = params.getAll('tag');
      return blocking(res, params, () => healthAnswer(name, passing, tags));
    }
    if (path.startsWith('/v1/kv/') || path === '/v1/kv') {
      const key = decodePart(path.slice('/v1/kv/'.length));
      const recurse = boolParam(params, 'recurse');
      if (method === 'GET') {
        if (!key && !recurse && !params.has('keys')) throw new HttpError(400, 'Missing key name');
        return blocking(res, params, () => kvAnswer(key, params));
      }
      if (method === 'PUT') {
        if (!key) throw new HttpError(400, 'Missing key name');
        if (params.has('acquire') || params.has('release')) throw new HttpError(400, 'consul stand-in: sessions are not implemented');
        const flags = uintParam(params, 'flags', 'Invalid flags');
        const cas = uintParam(params, 'cas', 'Invalid cas index');
        const raw = await readBody(req);
        if (raw.length > MAX_KV_VALUE_BYTES) {
          throw new HttpError(413, `Request body(${raw.length} bytes) too large, max size: ${MAX_KV_VALUE_BYTES} bytes.`);
        }
        if (cas !== undefined) {
          const current = kv.get(key)?.modifyIndex ?? 0;
          if (current !== cas) return sendJson(res, false);
        }
        kvWrite(key, raw.length === 0 ? null : raw, flags);
        return sendJson(res, true);
      }
      if (method === 'DELETE') {
        if (!key && !recurse) throw new HttpError(400, 'Missing key name');
        const cas = uintParam(params, 'cas', 'Invalid cas index');
        if (cas !== undefined && !recurse && (kv.get(key)?.modifyIndex ?? 0) !== cas) return sendJson(res, false);
        kvDelete(key, recurse);
        return sendJson(res, true);
      }
      throw methodNotAllowed(method, 'GET, PUT, DELETE');
    }
    if (path === '/v1/status/leader') {
      if (method !== 'GET') throw methodNotAllowed(method, 'GET');
      return sendJson(res, '127.0.0.1:8300');
    }
    throw new HttpError(404, '404 page not found\n');
  }

  // -------------------------------------------------------------------------------------------------
  // Lifecycle

  async function listen(): Promise<void> {
    const serve = (req: http.IncomingMessage, res: http.ServerResponse) => {
      handle(req, res).catch((err: unknown) => sendError(res, err));
    };
    const next = options.tls ? https.createServer({ key: options.tls.key, cert: options.tls.cert }, serve) : http.createServer(serve);
    await new Promise<void>((resolve, reject) => {
      next.once('error', reject);
      next.listen(port, '127.0.0.1', () => {
        next.off('error', reject);
        resolve();
      });
    });
    server = next;
    port = (next.address() as AddressInfo).port;
    running = true;
    for (const service of services.values()) for (const check of service.checks) startRunner(check);
    startReaper();
  }

  async function stop(): Promise<void> {
    if (!running) return;
    running = false;
    clearInterval(reaper);
    for (const service of services.values()) stopRunners(service);
    for (const waiter of [...waiters]) waiter.cancel();
    const stopping = server;
    server = undefined;
    if (stopping) {
      await new Promise<void>((resolve) => {
        stopping.close(() => resolve());
        stopping.closeAllConnections();
      });
    }
  }

  await listen();

  return {
    url: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    address: `127.0.0.1:${port}`,
    port,
    services: () =>
      sortedServices().map((s) => ({
        id: s.id,
        name: s.name,
        address: s.address,
        port: s.port,
        tags: [...s.tags],
        meta: { ...s.meta },
        createIndex: s.createIndex,
        modifyIndex: s.modifyIndex,
        checks: s.checks.map((c) => ({
          checkId: c.checkId,
          name: c.name,
          status: c.status,
          output: c.output,
          syncedOutput: c.syncedOutput,
          grpc: c.grpc,
          grpcUseTls: c.grpcUseTls,
          http: c.http,
          method: c.method,
          intervalMs: c.intervalMs,
          effectiveIntervalMs: c.effectiveIntervalMs,
          timeoutMs: c.timeoutMs,
          ...(c.deregisterAfterMs !== undefined ? { deregisterCriticalServiceAfterMs: c.deregisterAfterMs } : {}),
          ...(c.criticalSince !== undefined ? { criticalSince: c.criticalSince } : {}),
        })),
      })),
    index: () => raftIndex,
    heldQueries: () => waiters.size,
    setKv(key, value) {
      if (!key) throw new Error('consul stand-in: a key is required');
      const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
      kvWrite(key, bytes.length === 0 ? null : bytes, undefined);
    },
    deleteKv(key) {
      kvDelete(key, false);
    },
    async checkNow() {
      if (!running) throw new Error('consul stand-in: the agent is stopped; start() it first');
      const runs: Promise<void>[] = [];
      for (const service of services.values()) for (const check of service.checks) if (check.runner) runs.push(check.runner.runOnce());
      await Promise.all(runs);
    },
    reapNow: () => reap(),
    stop,
    async start() {
      if (closed) throw new Error('consul stand-in: closed for good');
      if (!running) await listen();
    },
    async close() {
      closed = true;
      await stop();
    },
  };
}
