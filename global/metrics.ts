// Prometheus metrics (prom-client, its default registry): one registry per process, scraped as text by
// the gateway's GET /metrics and by each srv's own listener on METRICS_PORT. The durations every request
// and call records live here (see DurationHistogram for why they are not prom-client's Histogram);
// business counters live beside the code whose events they count.
import http from 'node:http';
import client from 'prom-client';

export const METRICS_CONTENT_TYPE = client.register.contentType;

let defaultsStarted = false;

/** prom-client's process metrics (CPU, memory, event loop lag, GC), once per process. */
export function startDefaultMetrics(): void {
  if (defaultsStarted) return;
  defaultsStarted = true;
  client.collectDefaultMetrics();
}

/** This process's metrics as Prometheus text. */
export function scrapeProcess(): Promise<string> {
  return client.register.metrics();
}

/** Seconds; from a millisecond to the longest gRPC deadline. */
const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** One label set's observations. Found once, then observed without allocating or hashing anything. */
export class DurationSeries {
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(
    readonly labels: Readonly<Record<string, string>>,
    private readonly bounds: readonly number[],
  ) {
    this.counts = new Float64Array(bounds.length);
  }

  observe(seconds: number): void {
    this.sum += seconds;
    this.count += 1;
    const { bounds } = this;
    for (let i = 0; i < bounds.length; i++) {
      if (seconds <= (bounds[i] as number)) {
        this.counts[i] = (this.counts[i] as number) + 1;
        return;
      }
    }
  }

  /** Seconds since `startedAt` (a performance.now() reading). */
  observeSince(startedAt: number): void {
    this.observe((performance.now() - startedAt) / 1000);
  }
}

type Leaf = Map<string, DurationSeries>;

/** What prom-client's registry reads from a metric (its own types keep these internal). */
interface MetricValues {
  name: string;
  help: string;
  type: 'histogram';
  aggregator: 'sum';
  values: { metricName: string; labels: Record<string, string | number>; value: number }[];
}

/**
 * A histogram with exactly three labels. prom-client's Histogram builds a label object and a hash
 * string on every observe, even through labels(); here a series is found by three Map lookups of
 * strings the caller already has, and observing it is arithmetic. Registered in prom-client's
 * registry as a plain metric, so scrapes, the text format and cluster aggregation treat it as theirs.
 */
export class DurationHistogram<A extends string, B extends string, C extends string> {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly root = new Map<string, Map<string, Leaf>>();
  private readonly all: DurationSeries[] = [];

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly labelNames: readonly [A, B, C],
    private readonly bounds: readonly number[] = DURATION_BUCKETS,
  ) {
    client.register.registerMetric(this as unknown as client.Metric);
  }

  at(a: string, b: string, c: string): DurationSeries {
    let middle = this.root.get(a);
    if (!middle) {
      middle = new Map();
      this.root.set(a, middle);
    }
    let leaf = middle.get(b);
    if (!leaf) {
      leaf = new Map();
      middle.set(b, leaf);
    }
    let series = leaf.get(c);
    if (!series) {
      const [ka, kb, kc] = this.labelNames;
      series = new DurationSeries({ [ka]: a, [kb]: b, [kc]: c }, this.bounds);
      leaf.set(c, series);
      this.all.push(series);
    }
    return series;
  }

  /** prom-client's metric contract: the values in its histogram shape (cumulative buckets, sum, count). */
  get(): MetricValues {
    const values: MetricValues['values'] = [];
    for (const series of this.all) {
      let cumulative = 0;
      this.bounds.forEach((le, i) => {
        cumulative += series.counts[i] as number;
        values.push({ metricName: `${this.name}_bucket`, labels: { ...series.labels, le }, value: cumulative });
      });
      values.push({ metricName: `${this.name}_bucket`, labels: { ...series.labels, le: '+Inf' }, value: series.count });
      values.push({ metricName: `${this.name}_sum`, labels: series.labels, value: series.sum });
      values.push({ metricName: `${this.name}_count`, labels: series.labels, value: series.count });
    }
    return { name: this.name, help: this.help, type: 'histogram', aggregator: 'sum', values };
  }

  reset(): void {
    for (const series of this.all) {
      series.counts.fill(0);
      series.sum = 0;
      series.count = 0;
    }
  }
}

/** One method's series by gRPC status code (a number), each made on its code's first use. */
export function byStatusCode(
  histogram: DurationHistogram<string, string, string>,
  a: string,
  b: string,
  codeName: (code: number) => string,
): (code: number) => DurationSeries {
  const series: DurationSeries[] = [];
  return (code) => {
    let found = series[code];
    if (!found) {
      found = histogram.at(a, b, codeName(code));
      series[code] = found;
    }
    return found;
  };
}

/** Every gRPC call a client makes (global/srv-conn.ts), whole: retries, breaker and all. */
export const grpcClientDuration = new DurationHistogram(
  'grpc_client_duration_seconds',
  'gRPC calls made to a srv, by srv, method and status code',
  ['srv', 'method', 'code'],
);

/** Every gRPC call a srv answers (src/srv/grpc-server.ts). */
export const grpcServerDuration = new DurationHistogram(
  'grpc_server_duration_seconds',
  'gRPC calls answered, by service, method and status code',
  ['service', 'method', 'code'],
);

/** A small HTTP listener answering GET /metrics (a srv's METRICS_PORT); everything else is a 404. */
export async function startMetricsServer(host: string, port: number, scrape: () => Promise<string> = scrapeProcess) {
  const server = http.createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    scrape().then(
      (text) => res.writeHead(200, { 'Content-Type': METRICS_CONTENT_TYPE }).end(text),
      () => res.writeHead(500).end(),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/**
 * 1 while a srv answers its grpc.health.v1 Check with SERVING, else 0, as this gateway last looked (readiness,
 * scrapes, and a look every check interval). Across workers the lowest wins: a srv one worker cannot reach is down.
 */
export const srvUp = new client.Gauge({
  name: 'srv_up',
  help: 'Whether the srv answers its health check with SERVING (1) or not (0), as the gateway last looked',
  labelNames: ['srv'],
  aggregator: 'min',
});
