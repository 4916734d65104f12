// `node dist/src/cli/health.js [--grpc host:port | --http URL]`: exit 0 when the process answers ready,
// 1 when not: the image's HEALTHCHECK. Default: the gateway's readiness on 127.0.0.1:$PORT (8023);
// --grpc asks a srv's grpc.health.v1 Check.
import * as grpc from '@grpc/grpc-js';
import { service as healthService } from 'grpc-health-check';
import { parseCli } from './args';

const TIMEOUT_MS = 2000;

const cli = parseCli('usage: health [--grpc host:port | --http URL]   (default http://127.0.0.1:$PORT/health/ready)', {
  options: ['grpc', 'http'],
});
if (cli.positionals.length > 0) cli.refuse(`unexpected argument ${cli.positionals[0]}`);

function checkGrpc(target: string): Promise<boolean> {
  const Health = grpc.makeClientConstructor(healthService as grpc.ServiceDefinition, 'grpc.health.v1.Health');
  const client = new Health(target, grpc.credentials.createInsecure());
  const check = (client as unknown as Record<string, (...args: unknown[]) => void>).Check;
  return new Promise((resolve) => {
    check?.call(
      client,
      { service: '' },
      { deadline: new Date(Date.now() + TIMEOUT_MS) },
      (err: Error | null, res?: { status?: string }) => {
        client.close();
        resolve(!err && res?.status === 'SERVING');
      },
    );
  });
}

async function checkHttp(url: string): Promise<boolean> {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(TIMEOUT_MS) })).ok;
  } catch {
    return false;
  }
}

const grpcTarget = cli.option('grpc');
const ready = grpcTarget
  ? checkGrpc(grpcTarget)
  : checkHttp(cli.option('http') ?? `http://127.0.0.1:${process.env.PORT || '8023'}/health/ready`);
ready.then((ok) => {
  process.stdout.write(ok ? 'ready\n' : 'not ready\n');
  process.exit(ok ? 0 : 1);
});
