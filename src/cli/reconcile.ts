// `npm run reconcile -- [--older-than SECONDS]`: asks the order srv (ORDER_SRV) to re-check every unpaid
// order at least that old against Alipay (default 1800 s): paid → settled as paid, expired → closed.
import { createSrvClient } from '../../global/srv-conn';

const args = process.argv.slice(2);
const at = args.indexOf('--older-than');
const olderThan = at >= 0 ? Number(args[at + 1]) : 1800;
const unknown = args.filter((a, i) => a !== '--older-than' && i !== at + 1);

if (!Number.isSafeInteger(olderThan) || olderThan < 0 || unknown.length > 0) {
  process.stderr.write('usage: npm run reconcile -- [--older-than SECONDS]\n');
  process.exit(2);
}

const client = createSrvClient('order', process.env.ORDER_SRV || '127.0.0.1:50053', { deadlineMs: 120_000 });
client.api.ReconcileOrders({ olderThanSeconds: olderThan }).then(
  (counts) => {
    process.stdout.write(`${JSON.stringify(counts)}\n`);
    client.close();
    process.exit(counts.failed > 0 ? 1 : 0);
  },
  (err: unknown) => {
    process.stderr.write(`reconcile failed: ${(err as Error).message}\n`);
    client.close();
    process.exit(1);
  },
);
