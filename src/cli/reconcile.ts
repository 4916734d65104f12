// `npm run reconcile -- [--older-than SECONDS]`: asks the order srv (ORDER_SRV) to re-check every unpaid
// order at least that old against Alipay (default 1800 s): paid → settled as paid, expired → closed.
import { createSrvClient } from '../../global/srv-conn';
import { parseCli, wholeNumber } from './args';

const cli = parseCli('usage: npm run reconcile -- [--older-than SECONDS]   (default 1800; the order srv is ORDER_SRV)', {
  options: ['older-than'],
});
if (cli.positionals.length > 0) cli.refuse(`unexpected argument ${cli.positionals[0]}`);
const olderThan = wholeNumber(cli, '--older-than', cli.option('older-than') ?? '1800', 0);

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
