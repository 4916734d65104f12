// The gateway as a fleet member, as real processes in front of the real srvs, with the Consul stand-in as its
// agent (CONTRACT §5): it registers itself with an HTTP check on /health/ready, stays ready (degraded) through a
// srv outage, and on SIGTERM answers readiness 503, deregisters, serves one more check interval, drains and
// exits 0, with no accepted request failing. Once per instance with GATEWAY_WORKERS=2, and through an agent
// that wants an ACL token over TLS.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import jwt from 'jsonwebtoken';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadEnv } from '../../global/settings';
import { type ConsulAgent, startConsulAgent } from '../helpers/consul-agent';
import { mainProcesses } from '../helpers/main-processes';
import { freePort, type MainProcess } from '../helpers/process';
import { type Stack, startStack, TEST_JWT_KEY, testKeys } from '../helpers/stack';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy';
import { sleep, waitFor } from '../helpers/wait';

const { dataDir, start, listening } = mainProcesses();
let stack: Stack;
let userop: TcpProxy;

beforeAll(async () => {
  stack = await startStack();
  userop = await startTcpProxy(stack.targets.userop);
});
afterAll(async () => {
  await userop?.close();
  await stack?.stop();
});

interface Answer {
  status: number;
  body: string;
}

function send(port: number, method: string, path: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, headers, agent: false }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}
const get = (port: number, path: string, headers?: Record<string, string>) => send(port, 'GET', path, headers);
const user = { 'x-token': jwt.sign({ ID: 77, AuthorityId: 1 }, TEST_JWT_KEY, { expiresIn: 600 }) };

function gatewayEnv(port: number, agent: ConsulAgent, extra: Record<string, string> = {}): Record<string, string> {
  const keys = testKeys();
  return {
    HOST: '127.0.0.1',
    PORT: String(port),
    JWT_KEY: TEST_JWT_KEY,
    GOODS_SRV: stack.targets.goods,
    INVENTORY_SRV: stack.targets.inventory,
    ORDER_SRV: stack.targets.order,
    USEROP_SRV: userop.address,
    GRPC_DEADLINE_MS: '2000',
    CONSUL_HTTP_ADDR: agent.address,
    HEALTH_CHECK_INTERVAL_SECONDS: '1',
    ALIPAY_APP_ID: '2021',
    ALIPAY_PRIVATE_KEY: keys.app.privateKey,
    ALIPAY_PUBLIC_KEY: keys.alipay.publicKey,
    ALIPAY_NOTIFY_URL: 'http://127.0.0.1/n',
    ALIPAY_RETURN_URL: 'http://127.0.0.1/r',
    ...extra,
  };
}

const registeredLines = (p: MainProcess) => p.lines.filter((l) => l.msg === 'registered in Consul');
const webOf = (agent: ConsulAgent) => agent.services().filter((s) => s.name === 'order-web');

/**
 * SIGTERM, with a light user and a probe running until the process exits: every user request must succeed, and
 * readiness must answer 503 from the signal until the port closes. Resolves to what they saw.
 */
async function drain(gateway: MainProcess, port: number, agent: ConsulAgent, processes = 1) {
  let exited = false;
  void gateway.exited.then(() => {
    exited = true;
  });
  const userAnswers: number[] = [];
  const probeAnswers: number[] = [];
  const deregisteredWhileServing: boolean[] = [];
  const userLoop = (async () => {
    while (!exited) {
      const res = await get(port, '/o/v1/shopcarts', user).catch(() => undefined);
      if (res === undefined) return; // the port closed: nothing more is accepted
      userAnswers.push(res.status);
      await sleep(20);
    }
  })();
  gateway.child.kill('SIGTERM');
  // Every serving process has turned readiness 503 (each worker says so itself).
  const draining = () => gateway.lines.filter((l) => l.msg === 'gateway draining: readiness answers 503').length;
  await gateway.waitForLog(() => draining() === processes);
  const probeLoop = (async () => {
    while (!exited) {
      const res = await get(port, '/health/ready').catch(() => undefined);
      if (res === undefined) return;
      probeAnswers.push(res.status);
      if (res.status === 503 && webOf(agent).length === 0) deregisteredWhileServing.push(true);
      await sleep(20);
    }
  })();
  const result = await gateway.exited;
  await Promise.all([userLoop, probeLoop]);
  return { result, userAnswers, probeAnswers, deregisteredWhileServing };
}

describe('one gateway registered in Consul', () => {
  it('when it starts then it registers as order-web with an HTTP check on /health/ready, which the agent finds passing', async () => {
    const agent = await startConsulAgent();
    const port = await freePort();
    const gateway = start('src/main.js', gatewayEnv(port, agent));
    try {
      await listening(gateway);
      await gateway.waitForLog((l) => l.msg === 'registered in Consul');
      // Readiness is 503 (starting) until the gateway's first look at the srvs; the check passes after it.
      await waitFor(
        async () => {
          await agent.checkNow();
          return webOf(agent)[0]?.checks[0]?.status;
        },
        (s) => s === 'passing',
      );
      expect(webOf(agent)).toEqual([
        expect.objectContaining({
          id: `order-web-127.0.0.1-${port}`,
          address: '127.0.0.1',
          port,
          checks: [
            expect.objectContaining({
              status: 'passing',
              http: `http://127.0.0.1:${port}/health/ready`,
              method: 'GET',
              grpc: '',
              intervalMs: 1000,
              deregisterCriticalServiceAfterMs: 60_000,
              output: expect.stringMatching(/^HTTP GET http:\/\/127\.0\.0\.1:\d+\/health\/ready: 200 OK Output: \{"ready":true/),
            }),
          ],
        }),
      ]);
    } finally {
      gateway.child.kill('SIGTERM');
      await gateway.exited;
      await agent.close();
    }
  });

  it('when userop is down then readiness stays 200 degraded naming it and the check passing, /o/v1 works, /up/v1 answers 503, srv_up says 0', async () => {
    const agent = await startConsulAgent();
    const port = await freePort();
    const gateway = start('src/main.js', gatewayEnv(port, agent));
    try {
      await listening(gateway);
      await gateway.waitForLog((l) => l.msg === 'registered in Consul');
      await waitFor(
        () => get(port, '/health/ready'),
        (res) => res.status === 200, // past starting
      );
      userop.cut();
      const ready = await get(port, '/health/ready');
      expect({ status: ready.status, body: JSON.parse(ready.body) }).toEqual({
        status: 200,
        body: { ready: true, degraded: true, srvs: { goods: 'SERVING', inventory: 'SERVING', order: 'SERVING', userop: 'UNREACHABLE' } },
      });
      await agent.checkNow();
      expect(webOf(agent)[0]?.checks[0]?.status).toBe('passing');
      expect((await get(port, '/o/v1/shopcarts', user)).status).toBe(200);
      expect((await get(port, '/o/v1/orders', user)).status).toBe(200);
      const up = await get(port, '/up/v1/address', user);
      expect({ status: up.status, msg: JSON.parse(up.body).msg }).toEqual({ status: 503, msg: '用户操作服务不可用' });
      const metrics = (await get(port, '/metrics')).body;
      expect(metrics).toMatch(/^srv_up\{srv="userop"\} 0$/m);
      expect(metrics).toMatch(/^srv_up\{srv="order"\} 1$/m);
    } finally {
      userop.heal();
      gateway.child.kill('SIGTERM');
      await gateway.exited;
      await agent.close();
    }
  });

  it('when SIGTERM arrives under steady use then readiness is 503 until exit, it deregisters, serves one interval, and no request fails', async () => {
    const agent = await startConsulAgent();
    const port = await freePort();
    // A longer interval than the others: the drain's probes start on a log line, which a busy machine delivers late.
    const gateway = start('src/main.js', gatewayEnv(port, agent, { HEALTH_CHECK_INTERVAL_SECONDS: '3' }));
    try {
      await listening(gateway);
      await gateway.waitForLog((l) => l.msg === 'registered in Consul');
      expect(webOf(agent)).toHaveLength(1);
      const seen = await drain(gateway, port, agent);
      expect(seen.result).toEqual({ code: 0, signal: null });
      expect(seen.userAnswers.length).toBeGreaterThan(5);
      expect(seen.userAnswers.filter((s) => s !== 200)).toEqual([]);
      expect(seen.probeAnswers.length).toBeGreaterThan(0);
      expect(seen.probeAnswers.filter((s) => s !== 503)).toEqual([]);
      // Deregistered while it still answered: the agent and its followers knew before the port closed.
      expect(seen.deregisteredWhileServing.length).toBeGreaterThan(0);
      expect(webOf(agent)).toEqual([]);
      const order = ['gateway draining: readiness answers 503', 'deregistered from Consul', 'stopped'].map((msg) =>
        gateway.lines.findIndex((l) => l.msg === msg),
      );
      expect(order.every((i) => i >= 0)).toBe(true);
      expect([...order].sort((a, b) => a - b)).toEqual(order);
    } finally {
      if (gateway.child.exitCode === null) gateway.child.kill('SIGKILL');
      await agent.close();
    }
  }, 30_000);
});

/** A self-signed certificate for 127.0.0.1 and the file a client trusts it from. */
function selfSignedCert(dir: string): { key: string; cert: string; caFile: string } {
  const keyFile = path.join(dir, 'consul-key.pem');
  const certFile = path.join(dir, 'consul-cert.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      keyFile,
      '-out',
      certFile,
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
  return { key: fs.readFileSync(keyFile, 'utf8'), cert: fs.readFileSync(certFile, 'utf8'), caFile: certFile };
}

describe('an agent that wants an ACL token, over TLS', () => {
  it('when the gateway runs 2 workers with the token and the CA then the instance registers once, and SIGTERM deregisters it, 503 until exit, nothing failing', async () => {
    const tls = selfSignedCert(dataDir());
    const agent = await startConsulAgent({ aclToken: 'secret-token-1', tls: { key: tls.key, cert: tls.cert } });
    const port = await freePort();
    const gateway = start(
      'src/main.js',
      gatewayEnv(port, agent, {
        GATEWAY_WORKERS: '2',
        HEALTH_CHECK_INTERVAL_SECONDS: '3',
        CONSUL_HTTP_TOKEN: 'secret-token-1',
        CONSUL_HTTP_SSL: 'true',
        CONSUL_CACERT: tls.caFile,
      }),
    );
    try {
      const workersListening = () => new Set(gateway.lines.filter((l) => l.msg === 'gateway listening').map((l) => l.worker));
      await gateway.waitForLog(() => workersListening().size === 2, 20_000);
      await gateway.waitForLog((l) => l.msg === 'registered in Consul', 20_000);
      expect(webOf(agent)).toEqual([expect.objectContaining({ id: `order-web-127.0.0.1-${port}`, port })]);
      // A worker may still be starting (readiness 503) when the first check runs; the next one passes.
      const status = await waitFor(
        async () => {
          await agent.checkNow();
          return webOf(agent)[0]?.checks[0]?.status;
        },
        (s) => s === 'passing',
      );
      expect(status).toBe('passing');
      // Both workers were listening before the check passed: a worker that registered itself would have by now.
      expect(registeredLines(gateway)).toHaveLength(1);
      expect(agent.services()).toHaveLength(1);

      const seen = await drain(gateway, port, agent, 2);
      expect(seen.result).toEqual({ code: 0, signal: null });
      expect(seen.userAnswers.filter((s) => s !== 200)).toEqual([]);
      expect(seen.probeAnswers.length).toBeGreaterThan(0);
      expect(seen.probeAnswers.filter((s) => s !== 503)).toEqual([]);
      expect(webOf(agent)).toEqual([]);
    } finally {
      if (gateway.child.exitCode === null) gateway.child.kill('SIGKILL');
      await agent.close();
    }
  }, 45_000);

  it('when the token is missing then the agent refuses and the gateway says so and keeps trying; KV settings need the token too', async () => {
    const tls = selfSignedCert(dataDir());
    const agent = await startConsulAgent({ aclToken: 'secret-token-2', tls: { key: tls.key, cert: tls.cert } });
    const port = await freePort();
    const gateway = start('src/main.js', gatewayEnv(port, agent, { CONSUL_HTTP_SSL: 'true', CONSUL_CACERT: tls.caFile }));
    try {
      const refused = await gateway.waitForLog((l) => l.msg === 'could not register in Consul; will try again');
      expect(String(refused.err)).toMatch(/Permission denied|403/);
      expect(agent.services()).toEqual([]);
      agent.setKv('fleet/settings', JSON.stringify({ LOG_LEVEL: 'debug' }));
      const kv = {
        CONSUL_HTTP_ADDR: agent.address,
        CONSUL_HTTP_SSL: 'true',
        CONSUL_CACERT: tls.caFile,
        CONSUL_CONFIG_KEY: 'fleet/settings',
      };
      await expect(loadEnv(kv)).rejects.toThrow(/invalid configuration/);
      expect(await loadEnv({ ...kv, CONSUL_HTTP_TOKEN: 'secret-token-2' })).toMatchObject({ LOG_LEVEL: 'debug' });
    } finally {
      gateway.child.kill('SIGTERM');
      await gateway.exited;
      await agent.close();
    }
  });
});
