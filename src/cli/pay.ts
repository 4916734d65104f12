// `npm run pay -- <order_sn> [--status TRADE_SUCCESS|TRADE_FINISHED|TRADE_CLOSED] [--amount 12.34]`:
// joint debugging without Alipay. Sends the exact signed async notify Alipay would send for the
// order, signed with the dev stack's stand-in Alipay key (DATA_DIR/alipay/alipay-private.pem, whose
// public half the dev stack configures as Alipay's public key), to the gateway's notify URL.
// The amount is the order's total from the order srv unless --amount overrides it (to try a
// mismatch, or an order the srv does not know). Exit 0 when the gateway answers exactly `success`,
// 1 otherwise, 2 on usage errors.
import fs from 'node:fs';
import { yuanToCents } from '../../global/money';
import { createSrvClient } from '../../global/srv-conn';
import { type NotifyTradeStatus, notifyFields, signAlipayNotify } from '../alipay/notify-form';
import { devSecretPaths } from '../dev-secrets';
import { parseCli } from './args';

const USAGE = `usage: npm run pay -- <order_sn> [--status TRADE_SUCCESS|TRADE_FINISHED|TRADE_CLOSED] [--amount 12.34]

Sends the signed notify Alipay would send for the order to the gateway. Settings it reads from the
environment (give it the ones the dev stack was started with):
  DATA_DIR            the dev stack's data directory, for the stand-in Alipay key (default ./data)
  ORDER_SRV           the order srv, asked for the order's total unless --amount (default 127.0.0.1:50053)
  ALIPAY_NOTIFY_URL   where the notify goes (default http://127.0.0.1:$PORT/o/v1/pay/alipay/notify)
  PORT                the gateway's port in that default (default 8023)
  ALIPAY_APP_ID       the app_id in the notify (default the dev stack's 2021000000000000)
  ALIPAY_SELLER_ID    the seller_id in the notify (default none)`;
const STATUSES: readonly NotifyTradeStatus[] = ['TRADE_SUCCESS', 'TRADE_FINISHED', 'TRADE_CLOSED'];

interface Args {
  orderSn: string;
  status: NotifyTradeStatus;
  amountCents?: number;
}

function readArgs(): Args {
  const cli = parseCli(USAGE, { options: ['status', 'amount'] });
  const [orderSn = cli.refuse('the order number is required'), ...extra] = cli.positionals;
  if (extra.length > 0) cli.refuse(`unexpected argument ${extra[0]}`);
  const status = cli.option('status') ?? 'TRADE_SUCCESS';
  if (!(STATUSES as readonly string[]).includes(status)) cli.refuse(`--status must be one of ${STATUSES.join(', ')}`);
  const amount = cli.option('amount');
  if (amount !== undefined && !/^\d{1,9}(\.\d{1,2})?$/.test(amount))
    cli.refuse('--amount must be yuan with at most 2 decimals, like 12.34');
  return { orderSn, status: status as NotifyTradeStatus, ...(amount !== undefined ? { amountCents: yuanToCents(Number(amount)) } : {}) };
}

/** The order's total in cents, as the order srv knows it. */
async function orderTotalCents(orderSn: string, target: string): Promise<number> {
  const client = createSrvClient('order', target, { deadlineMs: 5000 });
  try {
    const detail = await client.api.OrderDetail({ id: 0, userId: 0, orderSn });
    if (!detail.orderInfo || detail.orderInfo.orderSn !== orderSn) throw new Error(`the order srv has no order ${orderSn}`);
    return yuanToCents(detail.orderInfo.total);
  } finally {
    client.close();
  }
}

async function main(): Promise<number> {
  const args = readArgs();
  const env = process.env;
  const keyFile = devSecretPaths(env.DATA_DIR || './data').alipayPrivateKey;
  if (!fs.existsSync(keyFile)) {
    process.stderr.write(
      `no stand-in Alipay key at ${keyFile}: run \`npm start\` once so the dev stack creates it (or set DATA_DIR to its data directory)\n`,
    );
    return 1;
  }
  const alipayPrivateKey = fs.readFileSync(keyFile, 'utf8');
  const orderSrv = env.ORDER_SRV || '127.0.0.1:50053';
  let totalCents = args.amountCents;
  if (totalCents === undefined) {
    process.stdout.write(`order srv ${orderSrv}: reading the total of ${args.orderSn}\n`);
    try {
      totalCents = await orderTotalCents(args.orderSn, orderSrv);
    } catch (err) {
      process.stderr.write(`cannot read order ${args.orderSn} from the order srv at ${orderSrv}: ${(err as Error).message}\n`);
      return 1;
    }
  }
  const notifyUrl = env.ALIPAY_NOTIFY_URL || `http://127.0.0.1:${env.PORT || '8023'}/o/v1/pay/alipay/notify`;
  const form = signAlipayNotify(
    notifyFields({
      orderSn: args.orderSn,
      totalCents,
      appId: env.ALIPAY_APP_ID || '2021000000000000',
      ...(env.ALIPAY_SELLER_ID ? { sellerId: env.ALIPAY_SELLER_ID } : {}),
      status: args.status,
    }),
    alipayPrivateKey,
  );
  process.stdout.write(
    `POST ${notifyUrl}  ${form.trade_status} ${form.out_trade_no} total_amount=${form.total_amount} trade_no=${form.trade_no}\n`,
  );
  let response: Response;
  let body: string;
  try {
    response = await fetch(notifyUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
      body: new URLSearchParams(form).toString(),
      signal: AbortSignal.timeout(15_000),
    });
    body = await response.text();
  } catch (err) {
    const cause = (err as Error).cause instanceof Error ? ((err as Error).cause as Error).message : (err as Error).message;
    process.stderr.write(`cannot reach the gateway at ${notifyUrl}: ${cause}\n`);
    return 1;
  }
  process.stdout.write(`HTTP ${response.status}\n${body}\n`);
  return body === 'success' ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`pay failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
