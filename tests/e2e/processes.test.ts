// The production entries as real processes: each starts alone from its environment, validates it
// before listening, serves, and on SIGTERM drains and exits 0. Also `npm start`'s dev stack and the token CLI.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs, { readlinkSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import jwt from 'jsonwebtoken';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { createSrvClient } from '../../global/srv-conn';
import { startConsulAgent } from '../helpers/consul-agent';
import { mainProcesses } from '../helpers/main-processes';
import { freePort, ROOT } from '../helpers/process';
import { testKeys } from '../helpers/stack';
import { waitFor } from '../helpers/wait';

const form = { address: '南京市鼓楼区', name: '周八', mobile: '13300133000', post: '无' };
const { dataDir, start, listening } = mainProcesses();
const nodeMajor = (version: unknown) => Number(/^v(\d+)\./.exec(String(version))?.[1]);

function get(port: number, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path, headers }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

describe('each srv alone', () => {
  it.each([
    ['goods', 'srv/goods/main.js', 'GOODS_SRV'],
    ['inventory', 'srv/inventory/main.js', 'INVENTORY_SRV'],
    ['order', 'srv/order/main.js', 'ORDER_SRV'],
    ['userop', 'srv/userop/main.js', 'USEROP_SRV'],
  ] as const)('when the %s srv starts from its environment then it serves, and SIGTERM stops it with exit 0', async (name, entry, key) => {
    const srv = start(`src/${entry}`, { DATA_DIR: path.join(dataDir(), name), [key]: '127.0.0.1:0', SEED_DEMO: 'true' });
    const line = await listening(srv);
    const client = createSrvClient(name, String(line.address), { deadlineMs: 2000 });
    try {
      if (name === 'goods') expect((await client.api.BatchGetGoods({ id: [1, 2] })).total).toBe(2);
      if (name === 'inventory') expect(await client.api.InvDetail({ goodsId: 1 })).toEqual({ goodsId: 1, num: 100 });
      if (name === 'order') expect(await client.api.CartItemList({ id: 1 })).toEqual({ total: 0, data: [] });
      if (name === 'userop') expect(await client.api.GetFavList({ userId: 1, goodsId: 0 })).toEqual({ total: 0, data: [] });
    } finally {
      client.close();
    }
    srv.child.kill('SIGTERM');
    expect(await srv.exited).toEqual({ code: 0, signal: null });
    expect(srv.lines.map((l) => l.msg)).toContain('stopped');
  });
});

describe('configuration is checked before anything listens', () => {
  it('when the gateway’s settings are wrong then it exits 2 naming every bad key and printing no value', async () => {
    const secret = 'tiny-secret';
    const gateway = start('src/main.js', { JWT_KEY: secret, PORT: '99999', ALIPAY_NOTIFY_URL: 'not a url' });
    expect(await gateway.exited).toEqual({ code: 2, signal: null });
    const out = gateway.output();
    for (const key of [
      'JWT_KEY',
      'PORT',
      'ALIPAY_APP_ID',
      'ALIPAY_PRIVATE_KEY',
      'ALIPAY_PUBLIC_KEY',
      'ALIPAY_NOTIFY_URL',
      'ALIPAY_RETURN_URL',
    ]) {
      expect(out).toContain(key);
    }
    expect(out).not.toContain(secret);
    expect(out).not.toContain('not a url');
    expect(out).not.toMatch(/listening/);
  });

  it('when an Alipay key is not an RSA key then the gateway refuses to start and says which key', async () => {
    const gateway = start('src/main.js', {
      JWT_KEY: 'a-long-enough-jwt-key-for-tests',
      PORT: '0',
      ALIPAY_APP_ID: '2021',
      ALIPAY_PRIVATE_KEY: 'c2VjcmV0LWJ1dC1ub3QtYS1rZXk=',
      ALIPAY_PUBLIC_KEY: testKeys().alipay.publicKey,
      ALIPAY_NOTIFY_URL: 'http://127.0.0.1/n',
      ALIPAY_RETURN_URL: 'http://127.0.0.1/r',
    });
    expect((await gateway.exited).code).toBe(2);
    expect(gateway.output()).toContain('ALIPAY_PRIVATE_KEY must be an RSA private key');
    expect(gateway.output()).not.toContain('c2VjcmV0LWJ1dC1ub3QtYS1rZXk=');
  });

  it('when the dev stack’s PORT is bad then it exits 2 before starting anything, naming each bad setting and nothing else, as a readable block on stderr', async () => {
    const stack = start('src/dev-stack.js', { DATA_DIR: path.join(dataDir(), 'dev-bad-port'), PORT: '99999', GRPC_DEADLINE_MS: 'soon' });
    expect((await stack.exited).code).toBe(2);
    const out = stack.output();
    expect(out).toContain('invalid configuration:\n  GRPC_DEADLINE_MS must be an integer 50..120000\n  PORT must be an integer 0..65535\n');
    expect(stack.lines.find((l) => l.level === 60)).toMatchObject({
      problems: ['GRPC_DEADLINE_MS must be an integer 50..120000', 'PORT must be an integer 0..65535'],
    });
    // Nothing started, so nothing else to say: no srv listening, no URL derived from the bad port refused.
    expect(out).not.toMatch(/listening|ALIPAY_NOTIFY_URL|ALIPAY_RETURN_URL|stopped/);
  });

  it('when a srv’s address is malformed then it exits 2 naming the key', async () => {
    const srv = start('src/srv/order/main.js', { DATA_DIR: dataDir(), ORDER_SRV: 'nowhere', GRPC_DEADLINE_MS: 'soon' });
    expect((await srv.exited).code).toBe(2);
    expect(srv.output()).toContain('ORDER_SRV');
    expect(srv.output()).toContain('GRPC_DEADLINE_MS');
  });
});

describe('the gateway alone', () => {
  it('when SIGTERM arrives during a request then that request is still answered, new ones are refused, and it exits 0', async () => {
    // A backend that accepts and never answers keeps the request in flight until its deadline.
    const sockets: net.Socket[] = [];
    const hang = net.createServer((s) => void sockets.push(s));
    await new Promise<void>((resolve) => hang.listen(0, '127.0.0.1', resolve));
    const hangAt = `127.0.0.1:${(hang.address() as net.AddressInfo).port}`;
    const keys = testKeys();
    const port = await freePort();
    const gateway = start('src/main.js', {
      HOST: '127.0.0.1',
      PORT: String(port),
      JWT_KEY: 'a-long-enough-jwt-key-for-tests',
      GOODS_SRV: hangAt,
      INVENTORY_SRV: hangAt,
      ORDER_SRV: hangAt,
      GRPC_DEADLINE_MS: '800',
      ALIPAY_APP_ID: '2021',
      ALIPAY_PRIVATE_KEY: keys.app.privateKey,
      ALIPAY_PUBLIC_KEY: keys.alipay.publicKey,
      ALIPAY_NOTIFY_URL: 'http://127.0.0.1/n',
      ALIPAY_RETURN_URL: 'http://127.0.0.1/r',
    });
    await listening(gateway);
    expect(await get(port, '/health')).toEqual({ status: 200, body: '{"code":200,"success":true}' });

    const token = jwt.sign({ ID: 1, AuthorityId: 1 }, 'a-long-enough-jwt-key-for-tests', { expiresIn: 60 });
    const inFlight = get(port, '/o/v1/orders', { 'x-token': token });
    await new Promise((r) => setTimeout(r, 200));
    gateway.child.kill('SIGTERM');
    await gateway.waitForLog((l) => l.msg === 'shutting down');
    // A new connection is refused (or reset, if it raced the listening socket's close).
    await expect(get(port, '/health')).rejects.toThrow(/ECONNREFUSED|ECONNRESET/);
    const answered = await inFlight;
    expect(answered.status).toBe(504);
    expect(await gateway.exited).toEqual({ code: 0, signal: null });
    for (const s of sockets) s.destroy();
    hang.close();
  });
});

describe('the gateway on every core (GATEWAY_WORKERS)', () => {
  it('when it runs 2 workers then both serve on one port, a worker that dies is replaced, and SIGTERM stops them all with exit 0', async () => {
    const keys = testKeys();
    const port = await freePort();
    const gateway = start('src/main.js', {
      HOST: '127.0.0.1',
      PORT: String(port),
      GATEWAY_WORKERS: '2',
      JWT_KEY: 'a-long-enough-jwt-key-for-tests',
      ALIPAY_APP_ID: '2021',
      ALIPAY_PRIVATE_KEY: keys.app.privateKey,
      ALIPAY_PUBLIC_KEY: keys.alipay.publicKey,
      ALIPAY_NOTIFY_URL: 'http://127.0.0.1/n',
      ALIPAY_RETURN_URL: 'http://127.0.0.1/r',
    });
    const listeningWorkers = () => gateway.lines.filter((l) => l.msg === 'gateway worker listening').length;
    await waitFor(
      async () => listeningWorkers(),
      (n) => n === 2,
      15_000,
    );
    // Each worker logs its own 'gateway listening' on its stdout, which can reach us after the primary's line.
    const listeningIds = () => new Set(gateway.lines.filter((l) => l.msg === 'gateway listening').map((l) => l.worker));
    await gateway.waitForLog(() => listeningIds().size === 2, 15_000);
    expect(listeningIds()).toEqual(new Set([1, 2]));
    expect(await get(port, '/health')).toEqual({ status: 200, body: '{"code":200,"success":true}' });

    const workers = execFileSync('pgrep', ['-P', String(gateway.child.pid)])
      .toString()
      .trim()
      .split('\n')
      .map(Number);
    expect(workers).toHaveLength(2);
    process.kill(workers[0] ?? 0, 'SIGKILL');
    await gateway.waitForLog((l) => l.msg === 'gateway worker died; starting another');
    await waitFor(
      async () => listeningWorkers(),
      (n) => n === 3,
      15_000,
    );
    expect(await get(port, '/health')).toEqual({ status: 200, body: '{"code":200,"success":true}' });

    gateway.child.kill('SIGTERM');
    expect(await gateway.exited).toEqual({ code: 0, signal: null });
    await gateway.waitForLog((l) => l.msg === 'all gateway workers stopped');
    for (const pid of workers) expect(isRunning(pid)).toBe(false);
  });
});

describe('npm start (the dev stack) and npm run token', () => {
  it('when the dev stack runs with CONSUL_HTTP_ADDR then its srvs register and the gateway finds them through the agent', async () => {
    const agent = await startConsulAgent();
    try {
      const dir = path.join(dataDir(), 'dev-consul');
      const port = await freePort();
      const stack = start('src/dev-stack.js', {
        DATA_DIR: dir,
        PORT: String(port),
        GOODS_SRV: '127.0.0.1:0',
        INVENTORY_SRV: '127.0.0.1:0',
        ORDER_SRV: '127.0.0.1:0',
        USEROP_SRV: '127.0.0.1:0',
        CONSUL_HTTP_ADDR: agent.address,
        HEALTH_CHECK_INTERVAL_SECONDS: '1',
      });
      await stack.waitForLog((l) => typeof l.msg === 'string' && l.msg.startsWith('dev stack ready'), 20_000);
      // Each srv and the gateway register in the background once they listen (retrying while the agent is away): wait for all five.
      const registered = (l: { msg?: unknown }) => l.msg === 'registered in Consul';
      await stack.waitForLog(() => stack.lines.filter(registered).length === 5, 20_000);
      expect(
        agent
          .services()
          .map((s) => s.name)
          .sort(),
      ).toEqual(['goods-srv', 'inventory-srv', 'order-srv', 'order-web', 'userop-srv']);
      await agent.checkNow();
      const ready = await waitFor(
        () => get(port, '/health/ready'),
        (res) => res.status === 200,
      );
      expect(JSON.parse(ready.body)).toEqual({
        ready: true,
        degraded: false,
        srvs: { goods: 'SERVING', inventory: 'SERVING', order: 'SERVING', userop: 'SERVING' },
      });
      stack.child.kill('SIGTERM');
      expect(await stack.exited).toEqual({ code: 0, signal: null });
      expect(agent.services()).toEqual([]); // each srv and the gateway deregistered on their way out
    } finally {
      await agent.close();
    }
  }, 60_000); // a whole system as a process: start, four registrations, a health round, drain; slow on a busy machine

  it('when the dev stack starts on an empty DATA_DIR then it generates its secrets, seeds the demo, serves a token from the CLI, and paying in its cashier ends on its pay-result page', async () => {
    const dir = path.join(dataDir(), 'dev');
    const [port, goods, inventory, orderPort, userop] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort()]);
    const env = {
      DATA_DIR: dir,
      PORT: String(port),
      GOODS_SRV: `127.0.0.1:${goods}`,
      INVENTORY_SRV: `127.0.0.1:${inventory}`,
      ORDER_SRV: `127.0.0.1:${orderPort}`,
      USEROP_SRV: `127.0.0.1:${userop}`,
    };
    const stack = start('src/dev-stack.js', env);
    const ready = await stack.waitForLog((l) => typeof l.msg === 'string' && l.msg.startsWith('dev stack ready'), 20_000);
    // The suite runs on the project's Node (npm scripts put the `node` devDependency first on PATH).
    expect(nodeMajor(ready.node)).toBeGreaterThanOrEqual(24);
    for (const f of [
      'jwt.key',
      'alipay/app-private.pem',
      'alipay/app-public.pem',
      'alipay/alipay-private.pem',
      'alipay/alipay-public.pem',
    ]) {
      expect(fs.existsSync(path.join(dir, f))).toBe(true);
    }
    const token = execFileSync(process.execPath, [path.join(ROOT, 'dist/src/cli/token.js'), '7', '--admin'], {
      env: { PATH: process.env.PATH ?? '', DATA_DIR: dir },
    })
      .toString()
      .trim();
    expect(jwt.verify(token, fs.readFileSync(path.join(dir, 'jwt.key'), 'utf8').trim())).toMatchObject({ ID: 7, AuthorityId: 2 });

    const cart = await get(port, '/o/v1/shopcarts', { 'x-token': token });
    expect(cart).toEqual({ status: 200, body: '{"total":0,"data":[]}' });

    // Joint debugging without Alipay: order through HTTP, then `npm run pay` sends the signed notify.
    const api = request(`http://127.0.0.1:${port}`);
    await api.post('/o/v1/shopcarts').set('x-token', token).send({ goods: 3, nums: 2 }).expect(200);
    const order = (await api.post('/o/v1/orders').set('x-token', token).send(form).expect(200)).body as {
      id: number;
      order_sn: string;
      alipay_url: string;
    };
    // Without ALIPAY_APP_ID, alipay_url opens the stand-in's cashier (the browser walk is in cashier.test.ts).
    const cashier = await fetch(order.alipay_url);
    expect(cashier.status).toBe(200);
    const cashierPage = await cashier.text();
    expect(cashierPage).toContain(order.order_sn);
    const cli = (script: string, args: string[]) =>
      execFileSync(process.execPath, [path.join(ROOT, 'dist/src/cli', script), ...args], {
        env: { PATH: process.env.PATH ?? '', DATA_DIR: dir, PORT: String(port), ORDER_SRV: `127.0.0.1:${orderPort}` },
      }).toString();
    expect(cli('reconcile.js', ['--older-than', '0'])).toBe('{"checked":1,"paid":0,"closed":0,"unchanged":1,"failed":0}\n');
    expect(cli('pay.js', [order.order_sn])).toContain('success');
    const paid = await api.get(`/o/v1/orders/${order.id}`).set('x-token', token).expect(200);
    expect(paid.body).toMatchObject({ status: 'TRADE_SUCCESS', alipay_url: null });

    // Paying in the cashier (its trade is still open there) ends, through the gateway's return check, on a page
    // the dev stack serves: the stand-in's pay-result page, as no PAY_RESULT_URL was given.
    const payAction = cashierPage.match(/action="(\/cashier\/[0-9a-f]+\/pay)"/)?.[1];
    const toReturn = await fetch(new URL(payAction ?? '/', order.alipay_url), { method: 'POST', redirect: 'manual' });
    expect(toReturn.status).toBe(303);
    const toResult = await fetch(toReturn.headers.get('location') ?? '', { redirect: 'manual' });
    expect(toResult.status).toBe(302);
    const resultUrl = new URL(toResult.headers.get('location') ?? '');
    expect(`${resultUrl.origin}${resultUrl.pathname}`).toBe(`${new URL(order.alipay_url).origin}/pay-result`);
    const result = await fetch(resultUrl);
    expect(result.status).toBe(200);
    const page = await result.text();
    expect(page).toContain(order.order_sn);
    expect(page).toContain('data-paid="true"');
    expect(page).toContain(`href="http://127.0.0.1:${port}/docs"`);

    stack.child.kill('SIGTERM');
    expect(await stack.exited).toEqual({ code: 0, signal: null });
    expect(stack.output()).not.toContain(token);
  });

  it.each([
    ['token.js', [], 2, 'usage: npm run token -- <userId'],
    ['token.js', ['7', '--bogus'], 2, "Unknown option '--bogus'"],
    ['token.js', ['--help'], 0, 'usage: npm run token -- <userId'],
    ['reconcile.js', ['--help'], 0, 'usage: npm run reconcile --'],
    ['reconcile.js', ['--bogus'], 2, "Unknown option '--bogus'"],
    ['reconcile.js', ['--older-than', 'soon'], 2, '--older-than must be a whole number'],
    ['reconcile.js', ['--older-than'], 2, "Option '--older-than <value>' argument missing"],
    ['pay.js', ['--help'], 0, 'usage: npm run pay --'],
    ['pay.js', [], 2, 'the order number is required'],
    ['pay.js', ['123', '--status', 'PAID'], 2, '--status must be one of'],
  ] as const)('when the CLI %s gets %j then it exits %i and says %s, touching nothing', (script, args, code, says) => {
    // ORDER_SRV points nowhere: a CLI that tried to do its job would fail differently (exit 1).
    const run = spawnSync(process.execPath, [path.join(ROOT, 'dist/src/cli', script), ...args], {
      env: { PATH: process.env.PATH ?? '', JWT_KEY: 'k'.repeat(20), ORDER_SRV: '127.0.0.1:9', DATA_DIR: dataDir() },
    });
    expect({ code: run.status, output: `${run.stdout}${run.stderr}` }).toEqual({ code, output: expect.stringContaining(says) });
  });

  it('when npm run pay -- --help is asked then it names every setting it reads, with its default', () => {
    const help = execFileSync(process.execPath, [path.join(ROOT, 'dist/src/cli/pay.js'), '--help']).toString();
    for (const [key, fallback] of [
      ['DATA_DIR', './data'],
      ['ORDER_SRV', '127.0.0.1:50053'],
      ['ALIPAY_NOTIFY_URL', '/o/v1/pay/alipay/notify'],
      ['PORT', '8023'],
      ['ALIPAY_APP_ID', '2021000000000000'],
      ['ALIPAY_SELLER_ID', 'none'],
    ]) {
      expect(help).toMatch(new RegExp(`^  ${key} .*${fallback?.replaceAll('.', '\\.')}`, 'm'));
    }
  });
});

describe('npm scripts as process entries', () => {
  it('when the npm process of `npm run start:goods` gets SIGTERM then the srv stops too, cleanly, and nothing is left running', async () => {
    const npm = spawn('npm', ['run', '--silent', 'start:goods'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', DATA_DIR: path.join(dataDir(), 'npm-goods'), GOODS_SRV: '127.0.0.1:0', LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const listening = new Promise<void>((resolve) =>
      npm.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('goods srv listening')) resolve();
      }),
    );
    const exited = new Promise<number | null>((resolve) => npm.once('exit', (code) => resolve(code)));
    await listening;
    const srvPid = Number(
      execFileSync('pgrep', ['-P', String(npm.pid)])
        .toString()
        .trim(),
    );
    expect(srvPid).toBeGreaterThan(0);
    // npm scripts run on the project's own Node (the `node` devDependency), whatever the system's Node is.
    const srvNode = execFileSync(readlinkSync(`/proc/${srvPid}/exe`), ['--version'])
      .toString()
      .trim();
    expect(nodeMajor(srvNode)).toBeGreaterThanOrEqual(24);

    npm.kill('SIGTERM');
    await exited;
    await waitFor(
      async () => isRunning(srvPid),
      (running) => !running,
    );
    expect(isRunning(srvPid)).toBe(false);
    expect(output).toContain('"msg":"stopped"');
  });
});

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
