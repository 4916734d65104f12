// The built product started as it is deployed, for the benches: every srv and the gateway its own
// `node dist/...` process, each given only PATH and the environment the caller names. Shared by
// bench:failover and bench:gateway.
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { SrvTargets } from '../../global/srv-conn';
import type { DevSecrets } from '../../src/dev-secrets';
import { freePort } from '../helpers/process';

export { freePort };

/** The repository: dist-tools/tests/bench → ../../.. */
export const ROOT = path.resolve(__dirname, '..', '..', '..');

/** A started process; `output` collects what it wrote when its output is piped (see StartOptions.logFile). */
export interface Proc {
  name: string;
  child: ChildProcess;
  output: string;
  /** Where its output goes instead, when StartOptions.logFile was given. */
  logFile?: string;
}

export interface StartOptions {
  /**
   * When the process counts as started: a line of its output matching the pattern (the default, /listening/),
   * or a port on 127.0.0.1 accepting connections (for processes that log below info, or log to a file).
   */
  ready?: RegExp | { port: number };
  /** Append stdout and stderr to this file instead of piping them here: a chatty process costs this one nothing. */
  logFile?: string;
  /** Arguments after the script. */
  args?: string[];
  /** Node's own flags, before the script (cluster workers inherit them). */
  nodeArgs?: string[];
  /** How long it may take to become ready (default 30 s). */
  timeoutMs?: number;
}

const STOP_GRACE_MS = 15_000;

/** A built entry of the product (`dist/<entry>`), with LOG_LEVEL=info unless env says otherwise. */
export function startBuilt(name: string, entry: string, env: Record<string, string>, options: StartOptions = {}): Promise<Proc> {
  return startNode(name, path.join(ROOT, 'dist', entry), { LOG_LEVEL: 'info', ...env }, options);
}

/**
 * The goods, inventory, order and userop srvs from dist/, each its own process on a free port of 127.0.0.1, goods and
 * inventory seeded with the demo catalogue. `env` goes to all three, `orderEnv` to the order srv only. Each
 * process is pushed to `procs` as soon as it started, so the caller can stop it whatever happens next.
 */
export async function startSrvProcesses(env: Record<string, string>, orderEnv: Record<string, string>, procs: Proc[]): Promise<SrvTargets> {
  const ports = { goods: await freePort(), inventory: await freePort(), order: await freePort(), userop: await freePort() };
  const targets: SrvTargets = {
    goods: `127.0.0.1:${ports.goods}`,
    inventory: `127.0.0.1:${ports.inventory}`,
    order: `127.0.0.1:${ports.order}`,
    userop: `127.0.0.1:${ports.userop}`,
  };
  const dial = srvTargetsEnv(targets);
  const seeded = { ...env, SEED_DEMO: 'true' };
  procs.push(await startBuilt('goods', 'src/srv/goods/main.js', { ...seeded, ...dial }, { ready: { port: ports.goods } }));
  procs.push(await startBuilt('inventory', 'src/srv/inventory/main.js', { ...seeded, ...dial }, { ready: { port: ports.inventory } }));
  procs.push(await startBuilt('order', 'src/srv/order/main.js', { ...env, ...dial, ...orderEnv }, { ready: { port: ports.order } }));
  procs.push(await startBuilt('userop', 'src/srv/userop/main.js', { ...env, ...dial }, { ready: { port: ports.userop } }));
  return targets;
}

/** What the gateway on `port` needs besides its srvs' targets: the dev stack's generated keys, a placeholder app id. */
export function gatewayEnv(port: number, secrets: DevSecrets): Record<string, string> {
  return {
    HOST: '127.0.0.1',
    PORT: String(port),
    JWT_KEY: secrets.jwtKey,
    ALIPAY_APP_ID: '2021000000000000',
    ALIPAY_PRIVATE_KEY: secrets.appPrivateKey,
    ALIPAY_PUBLIC_KEY: secrets.alipayPublicKey,
    ALIPAY_NOTIFY_URL: `http://127.0.0.1:${port}/o/v1/pay/alipay/notify`,
    ALIPAY_RETURN_URL: 'http://127.0.0.1:8080/',
  };
}

/** The srvs' targets as the gateway reads them. */
export function srvTargetsEnv(targets: SrvTargets): Record<string, string> {
  return { GOODS_SRV: targets.goods, INVENTORY_SRV: targets.inventory, ORDER_SRV: targets.order, USEROP_SRV: targets.userop };
}

/** Any script under this Node, resolved once it is ready (see StartOptions.ready); rejected if it exits first. */
export function startNode(name: string, script: string, env: Record<string, string>, options: StartOptions = {}): Promise<Proc> {
  const logFd = options.logFile ? fs.openSync(options.logFile, 'a') : undefined;
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), script, ...(options.args ?? [])], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', logFd ?? 'pipe', logFd ?? 'pipe'],
  });
  if (logFd !== undefined) fs.closeSync(logFd);
  const proc: Proc = { name, child, output: '', ...(options.logFile ? { logFile: options.logFile } : {}) };
  const ready = options.ready ?? /listening/;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      reject(new Error(`${name} was not ready within ${options.timeoutMs ?? 30_000} ms:\n${outputOf(proc)}`));
    }, options.timeoutMs ?? 30_000);
    const started = () => {
      clearTimeout(timer);
      resolve(proc);
    };
    const onData = (chunk: Buffer) => {
      proc.output += chunk.toString();
      if (ready instanceof RegExp && ready.test(proc.output)) started();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${code}) before listening:\n${outputOf(proc)}`));
    });
    if (!(ready instanceof RegExp)) waitForPort(ready.port, child).then(started, () => undefined);
  });
}

/** Resolves once 127.0.0.1:port accepts a connection; gives up when the child exits. */
async function waitForPort(port: number, child: ChildProcess): Promise<void> {
  while (isRunning(child)) {
    const accepted = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (accepted) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`exited before port ${port} accepted`);
}

/** What the process wrote: its piped output, or the end of its log file. */
export function outputOf(proc: Proc, maxChars = 4000): string {
  const text = proc.logFile && fs.existsSync(proc.logFile) ? fs.readFileSync(proc.logFile, 'utf8') : proc.output;
  return text.length > maxChars ? `…${text.slice(-maxChars)}` : text;
}

export function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

export const exited = (p: Proc) =>
  new Promise<void>((resolve) => (!isRunning(p.child) ? resolve() : p.child.once('exit', () => resolve())));

/** SIGTERM to every process still running, then waits for all to exit (SIGKILL after a long grace, saying so). */
export async function stopAll(procs: Proc[]): Promise<void> {
  for (const p of procs) if (isRunning(p.child)) p.child.kill('SIGTERM');
  const force = setTimeout(() => {
    for (const p of procs) {
      if (!isRunning(p.child)) continue;
      process.stderr.write(`${p.name} did not exit ${STOP_GRACE_MS} ms after SIGTERM; killing it\n`);
      p.child.kill('SIGKILL');
    }
  }, STOP_GRACE_MS);
  await Promise.all(procs.map(exited));
  clearTimeout(force);
}

/** The machine's cores and load average, for a bench's header: figures mean little on a busy machine. */
export function machineLine(): string {
  return `machine: ${os.cpus().length} cores, load ${loadAverage()}`;
}

export function loadAverage(): string {
  return os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
}
