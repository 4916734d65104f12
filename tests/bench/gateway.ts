// `npm run bench:gateway`: what the gateway costs per request, measured as it is deployed.
//
// The goods, inventory, order and userop srvs each run as their own process from dist/ (SQLite files in a temp dir,
// SEED_DEMO=true, LOG_LEVEL=warn), and so does the gateway (dist/src/main.js, generated secrets, LOG_LEVEL=info:
// request logging on, written to a file), once per GATEWAY_WORKERS value, all side by side. Users are seeded
// over gRPC: each has 2 orders and 3 cart rows (goods 1..20, stock set high so adds never meet the cap).
// For each route × concurrency the load (autocannon, in a worker thread) runs for a fixed time, and reports:
// req/s, p50/p99, and the gateway's CPU per request, from the CPU time (/proc/<pid>/stat utime+stime) of the
// gateway process and its worker processes. The same RPCs are then called straight from a grpc-js client
// at the same concurrency (the ceiling the gateway is compared with: gateway ÷ direct), and a bare Express 5
// app and a bare node:http server answer the /health JSON in processes of their own (the floors for /health).
// Runs are interleaved (each repeat runs every scenario once, so drift of the machine hits all alike),
// repeated, and the median of the repeats is printed. A last table states the targets: each route's gateway CPU per
// answer over its floor (bare Express's CPU per answer + the direct client's CPU for the route's RPCs, same run), and
// GATEWAY_WORKERS=2 over 1 (CPU per answer and req/s). Nothing is asserted; the exit code is 1 only when
// something failed to start or a run had errors or non-2xx answers (listed at the end).
//
// Settings (environment, all optional):
//   BENCH_WORKERS=1,2 (GATEWAY_WORKERS values)   BENCH_CONCURRENCY=16,64   BENCH_SECONDS=5 (per run)
//   BENCH_REPEATS=3   BENCH_WARMUP_SECONDS=2 (each scenario once before the repeats, not reported)
//   BENCH_ROUTES=orders,health (only the routes whose name contains one of these; default all)
//   BENCH_PROFILE_DIR=<dir> (the gateway processes run with --cpu-prof and write their profiles there on exit)
//   BENCH_GATEWAY_NODE_ARGS="--flag …" (Node flags for the gateway processes, to compare e.g. GC settings)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { createSrvConn, type SrvConn, type SrvTargets } from '../../global/srv-conn';
import { signToken } from '../../middlewares/auth';
import { type DevSecrets, ensureDevSecrets } from '../../src/dev-secrets';
import {
  freePort,
  gatewayEnv,
  loadAverage,
  outputOf,
  type Proc,
  srvTargetsEnv,
  startBuilt,
  startNode,
  startSrvProcesses,
  stopAll,
} from './deployed';
import type { DirectRpc, DirectUser, HttpRequestSpec, LoadJob, LoadMessage, LoadResult } from './gateway-load';
import { CLOCK_TICKS_PER_SECOND, processTree, statFields } from './proc-cpu';

const GOODS_IDS = Array.from({ length: 20 }, (_, i) => i + 1);
const USERS = 256;
const FIRST_USER = 500_000;
/** Stock per goods: far beyond what every add-to-cart of a long run puts in one row. */
const STOCK = 1_000_000_000;
const DEADLINE_MS = 5000;
const SEED_WIDTH = 16;
const ORDER_FORM = { address: '北京市朝阳区望京SOHO T1', name: '压测', mobile: '13800138000', post: '请尽快发货' };
const out = (text = '') => process.stdout.write(`${text}\n`);

// ---------------------------------------------------------------------------------------------- settings

interface Settings {
  workers: number[];
  concurrency: number[];
  seconds: number;
  repeats: number;
  warmupSeconds: number;
  routes: Route[];
  /** Node's flags for the gateway processes (and so their workers). */
  gatewayNodeArgs: string[];
}

function readSettings(env: NodeJS.ProcessEnv): Settings {
  const positive = (name: string, value: string) => {
    const n = Number(value.trim());
    if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer (or a list of them)`);
    return n;
  };
  const list = (name: string, fallback: string) =>
    (env[name] || fallback)
      .split(',')
      .filter((s) => s.trim())
      .map((s) => positive(name, s));
  return {
    workers: list('BENCH_WORKERS', '1,2'),
    concurrency: list('BENCH_CONCURRENCY', '16,64'),
    seconds: positive('BENCH_SECONDS', env.BENCH_SECONDS || '5'),
    repeats: positive('BENCH_REPEATS', env.BENCH_REPEATS || '3'),
    warmupSeconds: positive('BENCH_WARMUP_SECONDS', env.BENCH_WARMUP_SECONDS || '2'),
    routes: chosenRoutes(env.BENCH_ROUTES),
    gatewayNodeArgs: [
      ...(env.BENCH_GATEWAY_NODE_ARGS ?? '').split(/\s+/).filter(Boolean),
      ...(env.BENCH_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(env.BENCH_PROFILE_DIR)}`] : []),
    ],
  };
}

// ---------------------------------------------------------------------------------------------- the system

type FloorKind = 'express' | 'http';

interface Server {
  url: string;
  proc: Proc;
}

interface GatewayServer extends Server {
  workers: number;
  /** Processes of this gateway (primary and workers) once it was ready. */
  processes: number;
  /** Set when fewer processes said they listen than GATEWAY_WORKERS asks for. */
  warning?: string;
}

interface System {
  targets: SrvTargets;
  srvProcs: Proc[];
  gateways: GatewayServer[];
  floors: Record<FloorKind, Server>;
  jwtKey: string;
}

/** Starts the four srvs; every process started is pushed to `procs` at once, so the caller can stop it. */
function startSrvs(dataDir: string, procs: Proc[]): Promise<SrvTargets> {
  // The seeded orders stay open (and payable) however long the bench runs.
  return startSrvProcesses({ DATA_DIR: dataDir, LOG_LEVEL: 'warn' }, { ORDER_TIMEOUT_SECONDS: '86400' }, procs);
}

async function startGatewayProcess(
  workers: number,
  nodeArgs: string[],
  dataDir: string,
  secrets: DevSecrets,
  targets: SrvTargets,
  procs: Proc[],
): Promise<GatewayServer> {
  const port = await freePort();
  const env = {
    ...gatewayEnv(port, secrets),
    ...srvTargetsEnv(targets),
    LOG_LEVEL: 'info',
    GATEWAY_WORKERS: String(workers),
  };
  const logFile = path.join(dataDir, `gateway-${workers}.log`);
  const proc = await startBuilt(`gateway (GATEWAY_WORKERS=${workers})`, 'src/main.js', env, {
    ready: { port },
    logFile,
    // Inherited by the cluster workers too (a profile is written by each process when it exits).
    nodeArgs,
  });
  procs.push(proc);
  const listening = await waitForListening(logFile, workers);
  const processes = processTree(proc.child.pid ?? 0).length;
  const gateway: GatewayServer = { url: `http://127.0.0.1:${port}`, proc, workers, processes };
  if (listening < workers) gateway.warning = `only ${listening} process(es) said "gateway listening" for GATEWAY_WORKERS=${workers}`;
  return gateway;
}

/** How many gateway processes logged that they listen, waiting up to 15 s for `want` of them. */
async function waitForListening(logFile: string, want: number): Promise<number> {
  const count = () => (fs.readFileSync(logFile, 'utf8').match(/"msg":"gateway listening"/g) ?? []).length;
  const giveUpAt = Date.now() + 15_000;
  while (count() < want && Date.now() < giveUpAt) await new Promise((resolve) => setTimeout(resolve, 100));
  return count();
}

async function startFloor(kind: FloorKind, procs: Proc[]): Promise<Server> {
  const port = await freePort();
  const script = path.join(__dirname, 'floor-server.js');
  const proc = await startNode(`${kind} floor`, script, {}, { args: [kind, String(port)], ready: { port } });
  procs.push(proc);
  return { url: `http://127.0.0.1:${port}`, proc };
}

async function startSystem(settings: Settings, dataDir: string, procs: Proc[]): Promise<System> {
  const secrets = ensureDevSecrets(dataDir);
  const targets = await startSrvs(dataDir, procs);
  const srvProcs = [...procs];
  const gateways: GatewayServer[] = [];
  for (const workers of settings.workers)
    gateways.push(await startGatewayProcess(workers, settings.gatewayNodeArgs, dataDir, secrets, targets, procs));
  const floors = { express: await startFloor('express', procs), http: await startFloor('http', procs) };
  return { targets, srvProcs, gateways, floors, jwtKey: secrets.jwtKey };
}

// ---------------------------------------------------------------------------------------------- seeding

interface BenchUser extends DirectUser {
  token: string;
}

async function seedUser(srv: SrvConn, index: number, jwtKey: string): Promise<BenchUser> {
  const userId = FIRST_USER + index;
  const goodsAt = (k: number) => GOODS_IDS[(index + k) % GOODS_IDS.length]!;
  const addToCart = async (goods: number[]) => {
    for (const goodsId of goods) await srv.order.CreateCartItem({ userId, goodsId, nums: 1, checked: true });
  };
  await addToCart([goodsAt(0), goodsAt(1)]);
  const first = await srv.order.CreateOrder({ userId, ...ORDER_FORM });
  await addToCart([goodsAt(2)]);
  await srv.order.CreateOrder({ userId, ...ORDER_FORM });
  await addToCart([goodsAt(3), goodsAt(4), goodsAt(5)]);
  return { userId, orderId: first.id, addGoods: goodsAt(3), token: signToken(jwtKey, { userId, nickName: `bench${userId}` }) };
}

/** Stock for goods 1..20, then USERS users with 2 orders and 3 cart rows each, over gRPC. */
async function seed(targets: SrvTargets, jwtKey: string): Promise<BenchUser[]> {
  const srv = createSrvConn(targets, { deadlineMs: 30_000 });
  try {
    await Promise.all(GOODS_IDS.map((goodsId) => srv.inventory.SetInv({ goodsId, num: STOCK })));
    const users: BenchUser[] = [];
    for (let i = 0; i < USERS; i += SEED_WIDTH) {
      const batch = Array.from({ length: Math.min(SEED_WIDTH, USERS - i) }, (_, k) => seedUser(srv, i + k, jwtKey));
      users.push(...(await Promise.all(batch)));
    }
    return users;
  } finally {
    srv.close();
  }
}

// ---------------------------------------------------------------------------------------------- scenarios

interface Route {
  name: string;
  method: 'GET' | 'POST';
  request(user: BenchUser): HttpRequestSpec;
  /** The RPCs the gateway makes for it, called directly for the ceiling. */
  direct?: DirectRpc;
}

const HEALTH: Route = { name: 'GET /health', method: 'GET', request: () => ({ path: '/health' }) };

const ROUTES: Route[] = [
  HEALTH,
  { name: 'GET /o/v1/orders', method: 'GET', request: (u) => ({ path: '/o/v1/orders', token: u.token }), direct: 'OrderList' },
  {
    name: 'GET /o/v1/orders/:id',
    method: 'GET',
    request: (u) => ({ path: `/o/v1/orders/${u.orderId}`, token: u.token }),
    direct: 'OrderDetail',
  },
  {
    name: 'GET /o/v1/shopcarts',
    method: 'GET',
    request: (u) => ({ path: '/o/v1/shopcarts', token: u.token }),
    direct: 'CartItemList+BatchGetGoods',
  },
  {
    name: 'POST /o/v1/shopcarts',
    method: 'POST',
    request: (u) => ({ path: '/o/v1/shopcarts', token: u.token, body: JSON.stringify({ goods: u.addGoods, nums: 1 }) }),
    direct: 'CreateCartItem',
  },
];

function chosenRoutes(filter: string | undefined): Route[] {
  const words = (filter ?? '')
    .split(',')
    .map((w) => w.trim())
    .filter(Boolean);
  if (words.length === 0) return ROUTES;
  const chosen = ROUTES.filter((r) => words.some((w) => r.name.includes(w)));
  if (chosen.length === 0) throw new Error(`BENCH_ROUTES matches none of: ${ROUTES.map((r) => r.name).join(', ')}`);
  return chosen;
}

const FLOOR_NAMES: Record<FloorKind, string> = { express: 'bare Express 5', http: 'bare node:http' };

type Scenario =
  | { kind: 'gateway'; gateway: GatewayServer; route: Route; concurrency: number }
  | { kind: 'direct'; rpc: DirectRpc; concurrency: number }
  | { kind: 'floor'; floor: FloorKind; concurrency: number };

function keyOf(s: Scenario): string {
  switch (s.kind) {
    case 'gateway':
      return `gateway ${s.gateway.workers} ${s.route.name} c=${s.concurrency}`;
    case 'direct':
      return `direct ${s.rpc} c=${s.concurrency}`;
    case 'floor':
      return `floor ${FLOOR_NAMES[s.floor]} c=${s.concurrency}`;
  }
}

/** One repeat's scenarios at one concurrency: each route through every gateway and then directly, then the floors. */
function scenariosAt(system: System, settings: Settings, concurrency: number): Scenario[] {
  const scenarios: Scenario[] = [];
  for (const route of settings.routes) {
    for (const gateway of system.gateways) scenarios.push({ kind: 'gateway', gateway, route, concurrency });
    if (route.direct) scenarios.push({ kind: 'direct', rpc: route.direct, concurrency });
  }
  // Bare Express is every route's floor (with the direct calls); bare node:http only /health's.
  if (settings.routes.includes(HEALTH)) {
    for (const floor of ['express', 'http'] as const) scenarios.push({ kind: 'floor', floor, concurrency });
  } else {
    scenarios.push({ kind: 'floor', floor: 'express', concurrency });
  }
  return scenarios;
}

function jobOf(s: Scenario, system: System, users: BenchUser[], seconds: number): LoadJob {
  const load = { connections: s.concurrency, seconds };
  switch (s.kind) {
    case 'gateway':
      return { kind: 'http', url: s.gateway.url, method: s.route.method, requests: users.map((u) => s.route.request(u)), ...load };
    case 'floor':
      return { kind: 'http', url: system.floors[s.floor].url, method: 'GET', requests: [{ path: '/health' }], ...load };
    case 'direct': {
      const direct = users.map(({ userId, orderId, addGoods }) => ({ userId, orderId, addGoods }));
      const targets = { order: system.targets.order, goods: system.targets.goods };
      return { kind: 'direct', rpc: s.rpc, targets, users: direct, deadlineMs: DEADLINE_MS, ...load };
    }
  }
}

/** The processes whose CPU is the measured server's own: the gateway and its workers, or the floor. */
function serverPids(s: Scenario, system: System): number[] {
  if (s.kind === 'gateway') return processTree(s.gateway.proc.child.pid ?? 0);
  if (s.kind === 'floor') return [system.floors[s.floor].proc.child.pid ?? 0];
  return [];
}

// ---------------------------------------------------------------------------------------------- CPU time

/** CPU time (utime + stime, clock ticks) of a process, all its threads and of its main thread alone. */
interface ProcessTicks {
  all: number;
  main: number;
}

function ticksOf(fields: string[]): number {
  return Number(fields[11]) + Number(fields[12]);
}

/** undefined once the process has exited. */
function processTicks(pid: number): ProcessTicks | undefined {
  const all = statFields(pid);
  const main = statFields(`${pid}/task/${pid}`);
  return all && main ? { all: ticksOf(all), main: ticksOf(main) } : undefined;
}

/** Busy and total clock ticks of the whole machine (all cores), from /proc/stat. */
function machineTicks(): { busy: number; total: number } {
  const [, ...values] = (fs.readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/);
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = values.map(Number);
  const busy = user + nice + system + irq + softirq + steal;
  return { busy, total: busy + idle + iowait };
}

type TicksByPid = Map<number, ProcessTicks | undefined>;

interface CpuSnapshot {
  at: number;
  server: TicksByPid;
  srvs: TicksByPid;
  orderSrv: TicksByPid;
  machine: { busy: number; total: number };
  /** This process: the load generator's thread (and this idle one). */
  own: NodeJS.CpuUsage;
}

interface Watched {
  server: number[];
  srvs: number[];
  orderSrv: number;
}

function snapshot(watched: Watched): CpuSnapshot {
  const read = (pids: number[]): TicksByPid => new Map(pids.map((pid) => [pid, processTicks(pid)]));
  return {
    at: performance.now(),
    server: read(watched.server),
    srvs: read(watched.srvs),
    orderSrv: read([watched.orderSrv]),
    machine: machineTicks(),
    own: process.cpuUsage(),
  };
}

/** Per process, its ticks between two snapshots; a process that exited in between is an error. */
function ticksBetween(before: TicksByPid, after: TicksByPid): ProcessTicks[] {
  return [...before].map(([pid, start]) => {
    const end = after.get(pid);
    if (start === undefined || end === undefined) throw new Error(`process ${pid} exited during the run`);
    return { all: end.all - start.all, main: end.main - start.main };
  });
}

const ticksToMs = (ticks: number) => (ticks * 1000) / CLOCK_TICKS_PER_SECOND;

/** CPU ms of all the processes together. */
function cpuMs(spent: ProcessTicks[]): number {
  return ticksToMs(spent.reduce((sum, t) => sum + t.all, 0));
}

/** The busiest main thread's share of the wall time (1 = never idle). */
function mainThreadBusy(spent: ProcessTicks[], wallMs: number): number {
  return spent.length === 0 ? Number.NaN : Math.max(...spent.map((t) => ticksToMs(t.main))) / wallMs;
}

// ---------------------------------------------------------------------------------------------- one run

interface Sample {
  rate: number;
  p50: number;
  p99: number;
  /** The measured server's own CPU ms per answer (NaN for direct calls: there is no server in between). */
  cpuMsPerRequest: number;
  /** CPU ms of the four srvs per answer. */
  srvsMsPerRequest: number;
  /** CPU ms of the load generator (this process) per answer. */
  loadMsPerRequest: number;
  /** How busy the measured server's busiest main thread was (its event loop and GC), 0..1. */
  serverMainBusy: number;
  /** How busy the order srv's main thread was, 0..1. */
  orderMainBusy: number;
  /** Share of all cores busy (every process on the machine). */
  machineBusy: number;
  failures: Record<string, number>;
}

/** Runs a load job in a worker thread; `onStarted` is called when the load begins, its value returned with the result. */
function runLoad<T>(job: LoadJob, onStarted: () => T): Promise<{ result: LoadResult; atStart: T }> {
  return new Promise((resolve, reject) => {
    let atStart: T | undefined;
    const worker = new Worker(path.join(__dirname, 'gateway-load.js'), { workerData: job });
    worker.on('message', (message: LoadMessage) => {
      if (message.kind === 'started') atStart = onStarted();
      else if (message.kind === 'failed') reject(new Error(`load generator failed: ${message.error}`));
      else if (atStart === undefined) reject(new Error('load generator finished without starting'));
      else resolve({ result: message.result, atStart });
      if (message.kind !== 'started') void worker.terminate();
    });
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`load generator exited with ${code}`)));
  });
}

async function measure(s: Scenario, system: System, users: BenchUser[], seconds: number): Promise<Sample> {
  const watched: Watched = {
    server: serverPids(s, system),
    srvs: system.srvProcs.map((p) => p.child.pid ?? 0),
    orderSrv: system.srvProcs.find((p) => p.name === 'order')?.child.pid ?? 0,
  };
  const { result, atStart } = await runLoad(jobOf(s, system, users, seconds), () => snapshot(watched));
  const end = snapshot(watched);
  const wallMs = Math.max(1, end.at - atStart.at);
  const server = ticksBetween(atStart.server, end.server);
  const own = process.cpuUsage(atStart.own);
  const answers = Math.max(1, result.ok + Object.values(result.failures).reduce((sum, n) => sum + n, 0));
  return {
    rate: (result.ok / Math.max(1, result.wallMs)) * 1000,
    p50: result.p50Ms,
    p99: result.p99Ms,
    cpuMsPerRequest: s.kind === 'direct' ? Number.NaN : cpuMs(server) / answers,
    srvsMsPerRequest: cpuMs(ticksBetween(atStart.srvs, end.srvs)) / answers,
    loadMsPerRequest: (own.user + own.system) / 1000 / answers,
    serverMainBusy: mainThreadBusy(server, wallMs),
    orderMainBusy: mainThreadBusy(ticksBetween(atStart.orderSrv, end.orderSrv), wallMs),
    machineBusy: (end.machine.busy - atStart.machine.busy) / Math.max(1, end.machine.total - atStart.machine.total),
    failures: result.failures,
  };
}

// ---------------------------------------------------------------------------------------------- output

function median(values: number[]): number {
  const sorted = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

type Figures = Omit<Sample, 'failures'>;

function medianOf(samples: Sample[]): Figures {
  const of = (field: keyof Figures) => median(samples.map((s) => s[field]));
  return {
    rate: of('rate'),
    p50: of('p50'),
    p99: of('p99'),
    cpuMsPerRequest: of('cpuMsPerRequest'),
    srvsMsPerRequest: of('srvsMsPerRequest'),
    loadMsPerRequest: of('loadMsPerRequest'),
    serverMainBusy: of('serverMainBusy'),
    orderMainBusy: of('orderMainBusy'),
    machineBusy: of('machineBusy'),
  };
}

const fixed = (digits: number) => (n: number | undefined) => (n === undefined || Number.isNaN(n) ? '—' : n.toFixed(digits));
const whole = fixed(0);
const ms = (n: number) => (Number.isNaN(n) ? '—' : n < 10 ? n.toFixed(2) : n.toFixed(1));
const percent = (n: number) => (Number.isNaN(n) ? '—' : `${(n * 100).toFixed(0)}%`);

function table(header: string[], rows: string[][], textColumns: number): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]?.length ?? 0)));
  const line = (cells: string[]) =>
    cells.map((cell, i) => (i < textColumns ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

class Results {
  private readonly samples = new Map<string, Sample[]>();

  add(s: Scenario, sample: Sample): void {
    const key = keyOf(s);
    this.samples.set(key, [...(this.samples.get(key) ?? []), sample]);
  }

  of(s: Scenario): Figures | undefined {
    const samples = this.samples.get(keyOf(s));
    return samples ? medianOf(samples) : undefined;
  }
}

/** The columns every table ends with: where the rest of the machine's CPU went. */
const WHERE_HEADER = ['srvs ms/req', 'loadgen ms/req', 'order main', 'machine'];

function whereCells(f: Figures): string[] {
  return [fixed(3)(f.srvsMsPerRequest), fixed(3)(f.loadMsPerRequest), percent(f.orderMainBusy), percent(f.machineBusy)];
}

function gatewayTable(gateway: GatewayServer, results: Results, settings: Settings): string {
  const rows: string[][] = [];
  for (const route of settings.routes) {
    for (const concurrency of settings.concurrency) {
      const g = results.of({ kind: 'gateway', gateway, route, concurrency });
      const d = route.direct ? results.of({ kind: 'direct', rpc: route.direct, concurrency }) : undefined;
      if (!g) continue;
      rows.push([
        route.name,
        String(concurrency),
        whole(g.rate),
        ms(g.p50),
        ms(g.p99),
        fixed(3)(g.cpuMsPerRequest),
        whole(d?.rate),
        fixed(2)(d ? g.rate / d.rate : undefined),
        percent(g.serverMainBusy),
        ...whereCells(g),
      ]);
    }
  }
  const header = [
    'route',
    'conc',
    'req/s',
    'p50 ms',
    'p99 ms',
    'CPU ms/req',
    'direct calls/s',
    'gateway÷direct',
    'gw main',
    ...WHERE_HEADER,
  ];
  const processes = `${gateway.processes} process${gateway.processes === 1 ? '' : 'es'}`;
  const title = `gateway, GATEWAY_WORKERS=${gateway.workers} (${processes})${gateway.warning ? ` — WARNING: ${gateway.warning}` : ''}`;
  return `${title}\n${table(header, rows, 1)}`;
}

function directTable(results: Results, settings: Settings): string {
  const rows: string[][] = [];
  for (const route of settings.routes) {
    if (!route.direct) continue;
    for (const concurrency of settings.concurrency) {
      const d = results.of({ kind: 'direct', rpc: route.direct, concurrency });
      if (d) rows.push([route.direct, String(concurrency), whole(d.rate), ms(d.p50), ms(d.p99), ...whereCells(d)]);
    }
  }
  return table(['direct grpc-js (the ceiling)', 'conc', 'calls/s', 'p50 ms', 'p99 ms', ...WHERE_HEADER], rows, 1);
}

function floorsTable(results: Results, settings: Settings): string {
  const rows: string[][] = [];
  for (const floor of ['express', 'http'] as const) {
    for (const concurrency of settings.concurrency) {
      const f = results.of({ kind: 'floor', floor, concurrency });
      if (!f) continue;
      const cells = [whole(f.rate), ms(f.p50), ms(f.p99), fixed(3)(f.cpuMsPerRequest), percent(f.serverMainBusy)];
      rows.push([FLOOR_NAMES[floor], String(concurrency), ...cells, fixed(3)(f.loadMsPerRequest), percent(f.machineBusy)]);
    }
  }
  const header = ['floor for GET /health', 'conc', 'req/s', 'p50 ms', 'p99 ms', 'CPU ms/req', 'main', 'loadgen ms/req', 'machine'];
  return table(header, rows, 1);
}

/**
 * The issue's targets, per route and concurrency: the gateway's CPU per answer over its floor (bare Express's CPU
 * per answer + a plain grpc-js client's CPU for the RPCs the route makes, both measured in this run), and what a
 * second worker costs and buys (CPU per answer and req/s, GATEWAY_WORKERS=2 over 1).
 */
function targetsTable(system: System, results: Results, settings: Settings): string {
  const one = system.gateways.find((g) => g.workers === 1);
  const two = system.gateways.find((g) => g.workers === 2);
  const rows: string[][] = [];
  for (const route of settings.routes) {
    for (const concurrency of settings.concurrency) {
      const bare = results.of({ kind: 'floor', floor: 'express', concurrency });
      const direct = route.direct ? results.of({ kind: 'direct', rpc: route.direct, concurrency }) : undefined;
      const floor = bare ? bare.cpuMsPerRequest + (direct?.loadMsPerRequest ?? 0) : Number.NaN;
      const of = (g: GatewayServer | undefined) => (g ? results.of({ kind: 'gateway', gateway: g, route, concurrency }) : undefined);
      const g1 = of(one);
      const g2 = of(two);
      const overFloor = (g: Figures | undefined) => (g ? `${fixed(2)(g.cpuMsPerRequest / floor)}×` : '—');
      rows.push([
        route.name,
        String(concurrency),
        fixed(3)(floor),
        overFloor(g1),
        overFloor(g2),
        g1 && g2 ? `${fixed(2)(g2.cpuMsPerRequest / g1.cpuMsPerRequest)}×` : '—',
        g1 && g2 ? `${fixed(2)(g2.rate / g1.rate)}×` : '—',
      ]);
    }
  }
  const header = ['route', 'conc', 'floor CPU ms', '1 worker ÷ floor', '2 workers ÷ floor', 'CPU 2w ÷ 1w', 'req/s 2w ÷ 1w'];
  return `targets: gateway CPU per answer ≤ 1.3× its floor; a second worker ≤ 1.1× the CPU per answer and more req/s\n${table(header, rows, 1)}`;
}

function healthVersusExpress(system: System, results: Results, settings: Settings): string[] {
  const health = HEALTH;
  if (!settings.routes.includes(HEALTH)) return [];
  return settings.concurrency.map((concurrency) => {
    const bare = results.of({ kind: 'floor', floor: 'express', concurrency });
    const parts = system.gateways.map((gateway) => {
      const g = results.of({ kind: 'gateway', gateway, route: health, concurrency });
      const ratio = g && bare ? g.rate / bare.rate : Number.NaN;
      const cpu = g && bare ? g.cpuMsPerRequest / bare.cpuMsPerRequest : Number.NaN;
      return `${gateway.workers} worker${gateway.workers === 1 ? '' : 's'} ${fixed(2)(ratio)}× the req/s (${whole(g?.rate)} vs ${whole(bare?.rate)}), ${fixed(2)(cpu)}× the CPU per request`;
    });
    return `/health vs bare Express 5, c=${concurrency}: ${parts.join('; ')}`;
  });
}

const LEGEND = [
  'req/s: 2xx answers per second of the run; p50/p99 over the 2xx answers (autocannon response times, keep-alive connections).',
  "CPU ms/req: CPU time (user + system, /proc/<pid>/stat) of the gateway's processes (primary and workers) or of the floor's",
  'process during the run, per answer. direct calls/s: the same RPCs from a plain grpc-js client at the same concurrency',
  '(GET /o/v1/shopcarts: CartItemList then BatchGetGoods, one after the other, as the gateway calls them); gateway÷direct is',
  "req/s over that. gw main / main / order main: how busy the main thread (event loop + JS + GC) of the gateway's busiest",
  "process / the floor / the order srv was, as a share of the run's wall time (100% = saturated). srvs ms/req: CPU of the",
  'goods, inventory, order and userop srv processes per answer. loadgen ms/req: CPU of this process (the load generator) per answer.',
  "machine: share of all cores busy during the run (every process). Each figure is the median of the repeats' figures.",
  "floor CPU ms: bare Express 5's CPU per answer plus the direct runs' loadgen CPU per answer (a plain grpc-js client's",
  "CPU for the route's RPCs), at the same concurrency; '÷ floor' is the gateway's CPU per answer over it. On a shared",
  'machine compare CPU per answer, not req/s.',
];

// ---------------------------------------------------------------------------------------------- main

function header(settings: Settings): void {
  const cpus = os.cpus();
  out('bench:gateway — the gateway as deployed: the four srvs and the gateway each in their own processes');
  out(`date: ${new Date().toISOString()}`);
  out(`machine: ${cpus.length} cores (${cpus[0]?.model.trim() ?? 'unknown CPU'}), node ${process.version}, load average ${loadAverage()}`);
  out(
    `runs: GATEWAY_WORKERS ${settings.workers.join(',')} × concurrency ${settings.concurrency.join(',')}, ${settings.seconds} s each, ` +
      `${settings.repeats} interleaved repeat(s), medians shown; warm-up ${settings.warmupSeconds} s per scenario (not shown)`,
  );
  if (settings.gatewayNodeArgs.length > 0) out(`gateway node flags: ${settings.gatewayNodeArgs.join(' ')}`);
  out(
    `data: ${USERS} users with 2 orders and 3 cart rows each, stock ${STOCK} of goods 1..20; SQLite; srvs LOG_LEVEL=warn, ` +
      'gateway LOG_LEVEL=info (access lines to a file); load generator in a worker thread of this process',
  );
}

async function runAll(system: System, users: BenchUser[], settings: Settings, problems: string[]): Promise<Results> {
  const results = new Results();
  const run = async (s: Scenario, seconds: number, label: string) => {
    const sample = await measure(s, system, users, seconds);
    if (Object.keys(sample.failures).length > 0) problems.push(`${label} ${keyOf(s)}: ${JSON.stringify(sample.failures)}`);
    return sample;
  };
  for (const s of scenariosAt(system, settings, settings.concurrency[0]!)) await run(s, settings.warmupSeconds, 'warm-up');
  for (let repeat = 1; repeat <= settings.repeats; repeat++) {
    const startedAt = Date.now();
    for (const concurrency of settings.concurrency) {
      for (const s of scenariosAt(system, settings, concurrency)) results.add(s, await run(s, settings.seconds, `repeat ${repeat}`));
    }
    out(`  repeat ${repeat}/${settings.repeats} done in ${((Date.now() - startedAt) / 1000).toFixed(0)} s, load average ${loadAverage()}`);
  }
  return results;
}

function report(system: System, results: Results, settings: Settings): void {
  for (const gateway of system.gateways) {
    out();
    out(gatewayTable(gateway, results, settings));
  }
  out();
  out(directTable(results, settings));
  out();
  out(floorsTable(results, settings));
  out();
  for (const line of healthVersusExpress(system, results, settings)) out(line);
  out();
  out(targetsTable(system, results, settings));
  out();
  for (const line of LEGEND) out(line);
}

async function main(): Promise<void> {
  const settings = readSettings(process.env);
  header(settings);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'order-web-bench-gateway-'));
  const procs: Proc[] = [];
  const cleanUp = async () => {
    await stopAll(procs);
    fs.rmSync(dataDir, { recursive: true, force: true });
  };
  const onSignal = (signal: NodeJS.Signals) => {
    process.stderr.write(`bench:gateway: ${signal}, stopping what it started\n`);
    cleanUp().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const problems: string[] = [];
  try {
    const system = await startSystem(settings, dataDir, procs);
    const users = await seed(system.targets, system.jwtKey);
    out(`started: 4 srvs, ${system.gateways.map((g) => `gateway ×${g.workers} (${g.processes} processes)`).join(', ')}, 2 floors; seeded`);
    const results = await runAll(system, users, settings, problems);
    report(system, results, settings);
    for (const g of system.gateways) if (g.warning) problems.push(`GATEWAY_WORKERS=${g.workers}: ${g.warning}`);
  } catch (err) {
    for (const p of procs) process.stderr.write(`--- ${p.name} output:\n${outputOf(p, 2000)}\n`);
    throw err;
  } finally {
    await cleanUp();
  }
  out(`load average after: ${loadAverage()}`);
  if (problems.length > 0) {
    out();
    out(`PROBLEMS (${problems.length}):`);
    for (const p of problems) out(`  ${p}`);
    process.exitCode = 1;
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:gateway failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
