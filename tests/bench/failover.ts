// `npm run bench:failover`: a steady load through the gateway while instances of every srv go away, as
// deployed: three instances of each srv and the gateway as separate processes (the built entries), all
// registered in and found through Consul (the tests' stand-in agent, as no agent can be installed here),
// on one SQLite store. Mid-run one instance of each srv is stopped with SIGTERM, later another is killed
// with SIGKILL. Prints requests sent, failed, and the longest stretch of failures, per phase.
//
// Settings (environment, all optional): FAILOVER_RATE=100 (requests/s)  FAILOVER_PHASE_MS=5000
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CONSUL_TARGETS } from '../../global/discovery';
import { signToken } from '../../middlewares/auth';
import { ensureDevSecrets } from '../../src/dev-secrets';
import { startConsulAgent } from '../helpers/consul-agent';
import { freePort, gatewayEnv, machineLine, type Proc, srvTargetsEnv, startBuilt, stopAll } from './deployed';

const RATE = Number(process.env.FAILOVER_RATE || 100);
const PHASE_MS = Number(process.env.FAILOVER_PHASE_MS || 5000);
const INSTANCES = 3;
const out = (text = '') => process.stdout.write(`${text}\n`);

interface Sample {
  at: number;
  ok: boolean;
}

/** Consecutive failures: their count and how long they lasted, from first to last. */
function longestStretch(samples: Sample[]): { count: number; ms: number } {
  let best = { count: 0, ms: 0 };
  let run: Sample[] = [];
  for (const s of [...samples].sort((a, b) => a.at - b.at)) {
    if (s.ok) run = [];
    else {
      run.push(s);
      const first = run[0];
      if (first && run.length > best.count) best = { count: run.length, ms: s.at - first.at };
    }
  }
  return best;
}

async function main(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'order-web-failover-'));
  const agent = await startConsulAgent();
  const secrets = ensureDevSecrets(dataDir);
  const procs: Proc[] = [];
  const common = { DATA_DIR: dataDir, CONSUL_HTTP_ADDR: agent.address, HEALTH_CHECK_INTERVAL_SECONDS: '1', GRPC_DEADLINE_MS: '2000' };
  try {
    const srvs: Record<'goods' | 'inventory' | 'order', Proc[]> = { goods: [], inventory: [], order: [] };
    for (let i = 1; i <= INSTANCES; i++) {
      const seed: Record<string, string> = i === 1 ? { SEED_DEMO: 'true' } : {};
      srvs.goods.push(
        await startBuilt(`goods-${i}`, 'src/srv/goods/main.js', { ...common, ...seed, GOODS_SRV: `127.0.0.1:${await freePort()}` }),
      );
      srvs.inventory.push(
        await startBuilt(`inventory-${i}`, 'src/srv/inventory/main.js', {
          ...common,
          ...seed,
          INVENTORY_SRV: `127.0.0.1:${await freePort()}`,
        }),
      );
    }
    for (let i = 1; i <= INSTANCES; i++) {
      srvs.order.push(
        await startBuilt(`order-${i}`, 'src/srv/order/main.js', {
          ...common,
          ORDER_SRV: `127.0.0.1:${await freePort()}`,
          ORDER_SN_NODE: String(i),
          GOODS_SRV: CONSUL_TARGETS.goods,
          INVENTORY_SRV: CONSUL_TARGETS.inventory,
        }),
      );
    }
    procs.push(...srvs.goods, ...srvs.inventory, ...srvs.order);
    const port = await freePort();
    procs.push(await startBuilt('gateway', 'src/main.js', { ...common, ...gatewayEnv(port, secrets), ...srvTargetsEnv(CONSUL_TARGETS) }));
    for (;;) {
      await agent.checkNow();
      // Every srv instance, and the gateway itself (it registers too), passing.
      if (agent.services().every((s) => s.checks.every((c) => c.status === 'passing')) && agent.services().length === 3 * INSTANCES + 1)
        break;
    }

    const base = `http://127.0.0.1:${port}`;
    const tokens = Array.from({ length: 50 }, (_, i) => signToken(secrets.jwtKey, { userId: 100_000 + i }));
    const samples: Array<Sample & { phase: string }> = [];
    let phase = 'steady';
    let n = 0;
    const inFlight: Promise<void>[] = [];
    const fire = () => {
      const i = n++;
      const token = tokens[i % tokens.length] ?? '';
      const at = Date.now();
      const started = phase;
      const url = i % 3 === 0 ? `${base}/o/v1/shopcarts` : `${base}/o/v1/orders`;
      const init: RequestInit =
        i % 3 === 0
          ? { method: 'POST', headers: { 'x-token': token, 'content-type': 'application/json' }, body: '{"goods":1,"nums":1}' }
          : { headers: { 'x-token': token } };
      inFlight.push(
        fetch(url, { ...init, signal: AbortSignal.timeout(5000) }).then(
          async (res) => {
            await res.arrayBuffer();
            // An add to the cart may meet the stock cap (400); that is an answer, not a failure.
            samples.push({ at, ok: res.status < 500, phase: started });
          },
          () => void samples.push({ at, ok: false, phase: started }),
        ),
      );
    };
    const timer = setInterval(fire, 1000 / RATE);
    const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    await pause(PHASE_MS);
    phase = 'SIGTERM one of each';
    for (const name of ['goods', 'inventory', 'order'] as const) srvs[name][0]?.child.kill('SIGTERM');
    await pause(PHASE_MS);
    phase = 'SIGKILL one of each';
    for (const name of ['goods', 'inventory', 'order'] as const) srvs[name][1]?.child.kill('SIGKILL');
    await pause(PHASE_MS);
    clearInterval(timer);
    await Promise.all(inFlight);

    out(
      `bench:failover — ${INSTANCES} instances of each srv and the gateway as processes, found through Consul (stand-in agent), ${RATE} requests/s`,
    );
    out(machineLine());
    out();
    out('phase                    sent  failed  longest stretch of failures');
    for (const name of ['steady', 'SIGTERM one of each', 'SIGKILL one of each', 'all']) {
      const mine = name === 'all' ? samples : samples.filter((s) => s.phase === name);
      const failed = mine.filter((s) => !s.ok).length;
      const stretch = longestStretch(mine);
      out(
        `${name.padEnd(24)} ${String(mine.length).padStart(5)}  ${String(failed).padStart(6)}  ${stretch.count} requests over ${stretch.ms} ms`,
      );
    }
  } finally {
    await stopAll(procs);
    await agent.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:failover failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
