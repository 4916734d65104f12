// `npm run bench:burst`: overload is not an outage (CONTRACT §5). The srvs and the gateway as processes (the
// built entries, SQLite), a steady light user (a cart read and an order list, LIGHT_RATE requests/s) before,
// during and after a burst of BURST_SIZE checkouts sent at once by as many users, which saturates the order srv.
// Run twice: with the gateway's in-flight limit (SRV_MAX_IN_FLIGHT, default 256) and with none (100000), to
// show what shedding buys. Prints, per run: the burst's answers by status and code, and for the light user
// its success rate and p99 latency before, during and after the burst, and whether anything failed fast after.
//
// Settings (environment, all optional): BURST_SIZE=454  LIGHT_RATE=10  BURST_PHASE_MS=3000  BURST_LIMIT=256
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { signToken } from '../../middlewares/auth';
import { ensureDevSecrets } from '../../src/dev-secrets';
import { freePort, gatewayEnv, machineLine, type Proc, srvTargetsEnv, startBuilt, startSrvProcesses, stopAll } from './deployed';

const BURST_SIZE = Number(process.env.BURST_SIZE || 454);
const LIGHT_RATE = Number(process.env.LIGHT_RATE || 10);
const PHASE_MS = Number(process.env.BURST_PHASE_MS || 3000);
const LIMIT = Number(process.env.BURST_LIMIT || 256);
const out = (text = '') => process.stdout.write(`${text}\n`);
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type Phase = 'before' | 'during' | 'after';

interface Sample {
  phase: Phase;
  ok: boolean;
  ms: number;
  status: number;
  code?: string;
}

function p99(values: number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.99) - 1)] ?? 0;
}

async function call(url: string, init: RequestInit): Promise<{ status: number; code?: string; ms: number }> {
  const started = performance.now();
  try {
    const res = await fetch(url, { ...init, signal: AbortSignal.timeout(15_000) });
    const text = await res.text();
    let code: string | undefined;
    try {
      code = (JSON.parse(text) as { code?: string }).code;
    } catch {
      code = undefined;
    }
    return { status: res.status, ...(code ? { code } : {}), ms: performance.now() - started };
  } catch {
    return { status: 0, code: 'NO_ANSWER', ms: performance.now() - started };
  }
}

async function run(limit: number): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'order-web-burst-'));
  const secrets = ensureDevSecrets(dataDir);
  const procs: Proc[] = [];
  try {
    const env = { DATA_DIR: dataDir, LOG_LEVEL: 'warn' };
    const targets = await startSrvProcesses(env, {}, procs);
    const port = await freePort();
    procs.push(
      await startBuilt(
        'gateway',
        'src/main.js',
        { ...env, ...gatewayEnv(port, secrets), ...srvTargetsEnv(targets), SRV_MAX_IN_FLIGHT: String(limit) },
        { ready: { port } },
      ),
    );
    const base = `http://127.0.0.1:${port}`;
    const json = (token: string, body?: unknown): RequestInit => ({
      method: body === undefined ? 'GET' : 'POST',
      headers: { 'x-token': token, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });

    // The burst's users each have one item in the cart (the demo's 20 goods hold 100 each).
    const burstTokens = Array.from({ length: BURST_SIZE }, (_, i) => signToken(secrets.jwtKey, { userId: 500_000 + i }));
    for (let i = 0; i < burstTokens.length; i += 50) {
      await Promise.all(
        burstTokens.slice(i, i + 50).map((token, j) => call(`${base}/o/v1/shopcarts`, json(token, { goods: ((i + j) % 20) + 1, nums: 1 }))),
      );
    }

    const light = signToken(secrets.jwtKey, { userId: 400_000 });
    const samples: Sample[] = [];
    let phase: Phase = 'before';
    let lightOn = true;
    let n = 0;
    const lightLoop = (async () => {
      const pending: Promise<void>[] = [];
      while (lightOn) {
        const at = phase;
        const url = n++ % 2 === 0 ? `${base}/o/v1/shopcarts` : `${base}/o/v1/orders`;
        pending.push(
          call(url, json(light)).then((r) => {
            samples.push({ phase: at, ok: r.status === 200, ms: r.ms, status: r.status, ...(r.code ? { code: r.code } : {}) });
          }),
        );
        await pause(1000 / LIGHT_RATE);
      }
      await Promise.all(pending);
    })();

    await pause(PHASE_MS);
    phase = 'during';
    const burstStarted = performance.now();
    const burst = await Promise.all(
      burstTokens.map((token) =>
        call(`${base}/o/v1/orders`, json(token, { address: '北京市', name: '压测', mobile: '13800138000', post: '无' })),
      ),
    );
    const burstMs = performance.now() - burstStarted;
    phase = 'after';
    await pause(PHASE_MS);
    lightOn = false;
    await lightLoop;
    // After the burst, fresh users' calls: none may fail fast (a breaker left open would answer 503 UNAVAILABLE at once).
    const fresh = await Promise.all(
      Array.from({ length: 20 }, (_, i) => call(`${base}/o/v1/orders`, json(signToken(secrets.jwtKey, { userId: 450_000 + i })))),
    );

    const byAnswer = new Map<string, number>();
    for (const r of burst) {
      const key = `${r.status}${r.code ? ` ${r.code}` : ''}`;
      byAnswer.set(key, (byAnswer.get(key) ?? 0) + 1);
    }
    out(`SRV_MAX_IN_FLIGHT=${limit}: burst of ${BURST_SIZE} checkouts answered in ${(burstMs / 1000).toFixed(1)} s`);
    out(`  burst answers: ${[...byAnswer].map(([k, v]) => `${k} × ${v}`).join(', ')}`);
    out('  light user     requests  success   p99 ms   failures');
    for (const name of ['before', 'during', 'after'] as const) {
      const mine = samples.filter((s) => s.phase === name);
      const ok = mine.filter((s) => s.ok).length;
      const failures = new Map<string, number>();
      for (const s of mine.filter((x) => !x.ok)) {
        const key = `${s.status}${s.code ? ` ${s.code}` : ''}`;
        failures.set(key, (failures.get(key) ?? 0) + 1);
      }
      out(
        `  ${name.padEnd(12)} ${String(mine.length).padStart(9)}  ${(mine.length ? (100 * ok) / mine.length : 0).toFixed(1).padStart(6)}%  ${p99(
          mine.map((s) => s.ms),
        )
          .toFixed(0)
          .padStart(7)}   ${[...failures].map(([k, v]) => `${k} × ${v}`).join(', ') || '-'}`,
      );
    }
    const fast = fresh.filter((r) => r.status !== 200);
    out(
      `  after the burst, 20 fresh users' order lists: ${fresh.length - fast.length} × 200${fast.length ? `, ${fast.map((r) => `${r.status} ${r.code ?? ''}`).join(', ')}` : ''}`,
    );
    out();
  } finally {
    await stopAll(procs);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  out(`bench:burst — the srvs and the gateway as processes on SQLite; a light user at ${LIGHT_RATE} requests/s; phases of ${PHASE_MS} ms`);
  out(machineLine());
  out();
  await run(LIMIT);
  await run(100_000);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:burst failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
