// Metrics and traces of the production entries as real processes: instrumentation has to be in place
// before the instrumented modules load, and cluster workers are processes of their own.
import fs from 'node:fs';
import http from 'node:http';
import type net from 'node:net';
import path from 'node:path';
import jwt from 'jsonwebtoken';
import { describe, expect, it } from 'vitest';
import { mainProcesses } from '../helpers/main-processes';
import { sample } from '../helpers/metrics';
import { freePort } from '../helpers/process';
import { testKeys } from '../helpers/stack';

const JWT_KEY = 'a-long-enough-jwt-key-for-tests';
const { dataDir, start, listening } = mainProcesses();

function gatewayEnv(port: number, srvAt: string): Record<string, string> {
  const keys = testKeys();
  return {
    HOST: '127.0.0.1',
    PORT: String(port),
    JWT_KEY,
    GOODS_SRV: srvAt,
    INVENTORY_SRV: srvAt,
    ORDER_SRV: srvAt,
    ALIPAY_APP_ID: '2021',
    ALIPAY_PRIVATE_KEY: keys.app.privateKey,
    ALIPAY_PUBLIC_KEY: keys.alipay.publicKey,
    ALIPAY_NOTIFY_URL: 'http://127.0.0.1/n',
    ALIPAY_RETURN_URL: 'http://127.0.0.1/r',
  };
}

/** A GET on a connection of its own (so cluster workers take turns), with its status and body. */
function get(port: number, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path, headers, agent: false }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

describe('metrics of processes', () => {
  it('when the gateway runs 2 workers then every scrape of /metrics covers the requests both answered', async () => {
    const port = await freePort();
    const gateway = start('src/main.js', { ...gatewayEnv(port, '127.0.0.1:1'), GATEWAY_WORKERS: '2' });
    await gateway.waitForLog(() => gateway.lines.filter((l) => l.msg === 'gateway worker listening').length === 2);
    for (let i = 0; i < 20; i++) expect((await get(port, `/no/such/route/${i}`)).status).toBe(404);
    const answeredBy = new Set(gateway.lines.filter((l) => l.msg === 'request completed').map((l) => l.worker));
    expect(answeredBy.size).toBe(2); // both workers answered some of them
    for (let i = 0; i < 4; i++) {
      const scrape = await get(port, '/metrics');
      expect(scrape.status).toBe(200);
      expect(sample(scrape.body, 'http_request_duration_seconds_count', { method: 'GET', route: 'unmatched', status_code: '404' })).toBe(
        20,
      );
    }
    gateway.child.kill('SIGTERM');
    expect((await gateway.exited).code).toBe(0);
  });

  it('when a srv process starts with METRICS_PORT then its own /metrics answers, and SIGTERM still stops it with exit 0', async () => {
    const goods = start('src/srv/goods/main.js', { DATA_DIR: path.join(dataDir(), 'goods'), GOODS_SRV: '127.0.0.1:0', METRICS_PORT: '0' });
    const line = await listening(goods);
    const scrape = await get(Number(line.metricsPort), '/metrics');
    expect(scrape.status).toBe(200);
    expect(sample(scrape.body, 'process_resident_memory_bytes')).toBeGreaterThan(0);
    goods.child.kill('SIGTERM');
    expect(await goods.exited).toEqual({ code: 0, signal: null });
  });
});

interface ExportedSpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
}

/** A stand-in OTLP collector: takes http/json trace exports on /v1/traces and keeps their spans. */
async function startCollector() {
  const spans: ExportedSpan[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      if (req.url === '/v1/traces') {
        const exported = JSON.parse(body) as {
          resourceSpans?: {
            resource?: { attributes?: { key: string; value: { stringValue?: string } }[] };
            scopeSpans?: { spans?: Omit<ExportedSpan, 'service'>[] }[];
          }[];
        };
        for (const rs of exported.resourceSpans ?? []) {
          const service = rs.resource?.attributes?.find((a) => a.key === 'service.name')?.value.stringValue ?? '';
          for (const ss of rs.scopeSpans ?? []) for (const span of ss.spans ?? []) spans.push({ ...span, service });
        }
      }
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    spans,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** What a traced browser page sends (W3C Trace Context): its trace id and its span's id, sampled. */
const CALLER_TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN_ID = '00f067aa0ba902b7';
const CALLER_TRACEPARENT = `00-${CALLER_TRACE_ID}-${CALLER_SPAN_ID}-01`;

describe('traces', () => {
  it('when OTEL_EXPORTER_OTLP_ENDPOINT is set and a caller sends traceparent then one GET /o/v1/orders continues the caller’s trace across the gateway and the order srv, and the gateway’s log line has its request id and trace id', async () => {
    const collector = await startCollector();
    try {
      const otel = { OTEL_EXPORTER_OTLP_ENDPOINT: collector.url, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' };
      const order = start('src/srv/order/main.js', {
        DATA_DIR: path.join(dataDir(), 'order'),
        ORDER_SRV: '127.0.0.1:0',
        GOODS_SRV: '127.0.0.1:1',
        INVENTORY_SRV: '127.0.0.1:1',
        ...otel,
      });
      const orderAt = String((await listening(order)).address);
      const port = await freePort();
      const gateway = start('src/main.js', { ...gatewayEnv(port, orderAt), ...otel });
      await listening(gateway);

      const token = jwt.sign({ ID: 7, AuthorityId: 1 }, JWT_KEY, { expiresIn: 60 });
      const res = await get(port, '/o/v1/orders', { 'x-token': token, 'X-Request-Id': 'trace-me-1', traceparent: CALLER_TRACEPARENT });
      expect(res.status).toBe(200);
      // Stopping flushes what each process still buffers to the collector.
      for (const p of [gateway, order]) p.child.kill('SIGTERM');
      for (const p of [gateway, order]) expect((await p.exited).code).toBe(0);

      const incoming = collector.spans.find((s) => s.service === 'order-web' && s.kind === 2 && s.name.startsWith('GET'));
      expect(incoming).toBeDefined();
      // The caller's trace, under the caller's span.
      expect(incoming?.traceId).toBe(CALLER_TRACE_ID);
      expect(incoming?.parentSpanId).toBe(CALLER_SPAN_ID);
      const traceId = incoming?.traceId ?? '';
      const trace = collector.spans.filter((s) => s.traceId === traceId);
      expect(trace.map((s) => `${s.service} ${s.name}`)).toEqual(
        expect.arrayContaining(['order-web grpc.proto.Order/OrderList', 'order-srv grpc.proto.Order/OrderList']),
      );
      const server = trace.find((s) => s.service === 'order-srv');
      const client = trace.find((s) => s.service === 'order-web' && s.name === 'grpc.proto.Order/OrderList');
      expect(server?.parentSpanId).toBe(client?.spanId);
      expect(collector.spans.map((s) => s.name).filter((n) => n.includes('/health') || n.includes('/metrics'))).toEqual([]);

      const access = gateway.lines.find(
        (l) => l.msg === 'request completed' && (l.req as { id?: string } | undefined)?.id === 'trace-me-1',
      );
      expect(access).toMatchObject({ trace_id: traceId });
    } finally {
      await collector.close();
    }
  });

  it('when the dev stack runs with OTEL_EXPORTER_OTLP_ENDPOINT then it exports spans as production does, a caller’s trace continuing from the gateway into the order srv', async () => {
    const collector = await startCollector();
    try {
      const port = await freePort();
      const stack = start('src/dev-stack.js', {
        DATA_DIR: path.join(dataDir(), 'dev-stack-traced'),
        PORT: String(port),
        ...Object.fromEntries(['GOODS_SRV', 'INVENTORY_SRV', 'ORDER_SRV', 'USEROP_SRV'].map((key) => [key, '127.0.0.1:0'])),
        OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      });
      await stack.waitForLog((l) => l.msg === 'dev stack ready; get a token with: npm run token -- 1');
      const key = fs.readFileSync(path.join(dataDir(), 'dev-stack-traced', 'jwt.key'), 'utf8').trim();
      const token = jwt.sign({ ID: 7, AuthorityId: 1 }, key, { expiresIn: 60 });
      expect((await get(port, '/o/v1/orders', { 'x-token': token, traceparent: CALLER_TRACEPARENT })).status).toBe(200);
      stack.child.kill('SIGTERM');
      expect((await stack.exited).code).toBe(0);

      const trace = collector.spans.filter((s) => s.traceId === CALLER_TRACE_ID);
      expect(new Set(trace.map((s) => s.service))).toEqual(new Set(['order-web-dev-stack']));
      const incoming = trace.find((s) => s.kind === 2 && s.name.startsWith('GET'));
      expect(incoming?.parentSpanId).toBe(CALLER_SPAN_ID);
      const client = trace.find((s) => s.kind === 3 && s.name === 'grpc.proto.Order/OrderList');
      const server = trace.find((s) => s.kind === 2 && s.name === 'grpc.proto.Order/OrderList');
      expect(client).toBeDefined();
      expect(server?.parentSpanId).toBe(client?.spanId);
    } finally {
      await collector.close();
    }
  });

  it('when OTEL_EXPORTER_OTLP_ENDPOINT is not set then no log line carries a trace id', async () => {
    const goods = start('src/srv/goods/main.js', { DATA_DIR: path.join(dataDir(), 'goods-untraced'), GOODS_SRV: '127.0.0.1:0' });
    await listening(goods);
    goods.child.kill('SIGTERM');
    expect((await goods.exited).code).toBe(0);
    expect(goods.lines.some((l) => 'trace_id' in l)).toBe(false);
  });
});
