// The page at the end of the stand-in cashier: where the dev stack's PAY_RESULT_URL points when no SPA
// runs. The gateway's return route has decided from our records whether the order is paid and sends the
// browser here with `order_sn` and `paid`; the amount is the stand-in's own trade. Everything echoed is
// escaped, and the Content-Security-Policy lets the page load nothing but its one inline style.
import crypto from 'node:crypto';
import type http from 'node:http';

export const PAY_RESULT_PATH = '/pay-result';

export interface PayResultView {
  orderSn: string;
  /** Yuan with 2 decimals; undefined when the stand-in knows no such trade. */
  amount: string | undefined;
  paid: boolean;
  /** The gateway's Swagger UI. */
  docsUrl: string;
}

const STYLE = `body{font-family:system-ui,"Noto Sans CJK SC",sans-serif;margin:0;background:#f4f6f9;color:#222}
header{background:#1677ff;color:#fff;padding:14px 24px;font-size:18px}
header small{opacity:.85;margin-left:12px;font-size:13px}
main{max-width:560px;margin:32px auto;background:#fff;border-radius:8px;padding:24px 28px;box-shadow:0 1px 4px #0002}
dl{display:grid;grid-template-columns:max-content 1fr;gap:10px 18px;margin:0 0 22px}
dt{color:#666}dd{margin:0;word-break:break-all}
.paid{color:#389e0d}.unpaid{color:#c00}
.amount{font-size:24px;font-weight:600}`;

/** Nothing loads but the inline style above (by its hash); no script, frame, form or base. */
const CSP = [
  "default-src 'none'",
  `style-src 'sha256-${crypto.createHash('sha256').update(STYLE).digest('base64')}'`,
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const esc = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

export function payResultPage({ orderSn, amount, paid, docsUrl }: PayResultView): string {
  const verdict = paid ? '<b class="paid">已支付 · paid</b>' : '<b class="unpaid">未支付 · not paid</b>';
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>支付结果</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>${STYLE}</style></head>
<body><header>支付结果<small>the dev stack's pay-result page (PAY_RESULT_URL)</small></header>
<main><dl>
<dt>订单号 order</dt><dd id="order-sn">${esc(orderSn)}</dd>
<dt>金额 amount</dt><dd class="amount" id="amount">${amount === undefined ? '—' : esc(amount)}</dd>
<dt>状态 status</dt><dd id="paid" data-paid="${paid}">${verdict}</dd>
</dl>
<p><a id="docs" href="${esc(docsUrl)}">API docs (Swagger UI)</a></p></main></body></html>`;
}

/** GET /pay-result?order_sn=…&paid=true|false: the page, the amount looked up with `amountOf`. */
export function sendPayResult(
  res: http.ServerResponse,
  url: URL,
  amountOf: (orderSn: string) => string | undefined,
  docsUrl: string,
): void {
  const orderSn = url.searchParams.get('order_sn') ?? '';
  const html = payResultPage({ orderSn, amount: amountOf(orderSn), paid: url.searchParams.get('paid') === 'true', docsUrl });
  res.writeHead(200, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(html),
    'content-security-policy': CSP,
    'x-content-type-options': 'nosniff',
    'cache-control': 'no-store',
  });
  res.end(html);
}
