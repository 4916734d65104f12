// The stand-in Alipay's cashier: the page the page-pay URL (alipay_url) opens when the dev stack runs
// without a real Alipay app. It shows the order number, subject and amount of the signed request, once
// the request passed the gateway's checks (a tampered URL gets a page naming the failed check), and
// offers what a buyer at Alipay's cashier can make happen:
//   pay   — the trade is paid; Alipay's signed async notify is POSTed to notify_url, then the browser
//           is redirected to return_url with Alipay's signed return query, as Alipay does;
//   close — the trade is closed (what the buyer walking away until time_expire leads to), and Alipay's
//           signed TRADE_CLOSED notify is POSTed to notify_url;
//   pay a wrong amount (for testing) — a correctly signed notify for one cent more than the order,
//           which the merchant must refuse; the trade stays unpaid.
// The trades are the stand-in's own, so trade query and close through the OpenAPI see what happened here.
import crypto from 'node:crypto';
import type http from 'node:http';
import { formatChinaTime, parseChinaTime } from '../../global/china-time';
import type { Logger } from '../../global/logger';
import { formatYuan, yuanToCents } from '../../global/money';
import { type NotifyTradeStatus, notifyFields, returnFields, signAlipayNotify } from '../alipay/notify-form';

/** A trade as the cashier needs to see it (the stand-in's StandInTrade). */
export interface CashierTrade {
  status: 'WAIT_BUYER_PAY' | 'TRADE_CLOSED' | 'TRADE_SUCCESS' | 'TRADE_FINISHED';
  tradeNo: string;
  /** Yuan with 2 decimals. */
  totalAmount: string;
  paidAt?: number;
}

/** The stand-in's trades, by out_trade_no. */
export interface CashierTrades {
  get(orderSn: string): CashierTrade | undefined;
  /** Creates the trade, waiting for payment (Alipay creates it when the buyer reaches the cashier). */
  open(orderSn: string, totalAmount: string): CashierTrade;
  /** WAIT_BUYER_PAY → TRADE_SUCCESS. */
  pay(orderSn: string): CashierTrade;
  /** WAIT_BUYER_PAY → TRADE_CLOSED; false when the trade was not waiting for payment. */
  close(orderSn: string): boolean;
}

/** The gateway's refusal of a request (its code, sub_code and message). */
export interface GatewayRefusal {
  code: string;
  msg: string;
  sub_code?: string;
  sub_msg?: string;
}

export interface CashierOptions {
  trades: CashierTrades;
  appId: string;
  /** The stand-in Alipay private key: signs notifies and returns. */
  alipayPrivateKey: string;
  /** Alipay's business clock: payment times, time_expire. */
  now: () => number;
  logger?: Logger;
}

/** One buyer at the cashier: what the verified page-pay request asked for. */
interface Visit {
  orderSn: string;
  /** Yuan with 2 decimals, as the request wrote it. */
  totalAmount: string;
  subject: string;
  notifyUrl: string | undefined;
  returnUrl: string | undefined;
  /** Epoch ms of time_expire, when the request set one. */
  expiresAt: number | undefined;
}

/** What Alipay's answer to a notify was: only exactly `success` stops its retries. */
interface NotifyAnswer {
  accepted: boolean;
  text: string;
}

const ACTIONS = ['pay', 'close', 'pay-wrong-amount'] as const;
type Action = (typeof ACTIONS)[number];
const AMOUNT = /^\d{1,10}(\.\d{1,2})?$/;
/** Visits kept (oldest forgotten first): a developer's browser tabs, not a load. */
const MAX_VISITS = 1000;

const esc = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

const STYLE = `
body{font-family:system-ui,"Noto Sans CJK SC",sans-serif;margin:0;background:#f4f6f9;color:#222}
header{background:#1677ff;color:#fff;padding:14px 24px;font-size:18px}
header small{opacity:.85;margin-left:12px;font-size:13px}
main{max-width:560px;margin:32px auto;background:#fff;border-radius:8px;padding:24px 28px;box-shadow:0 1px 4px #0002}
dl{display:grid;grid-template-columns:max-content 1fr;gap:10px 18px;margin:0 0 22px}
dt{color:#666}dd{margin:0;word-break:break-all}
.amount{font-size:28px;color:#e4393c;font-weight:600}
button{font-size:16px;padding:10px 18px;border-radius:6px;border:1px solid #1677ff;background:#fff;color:#1677ff;cursor:pointer;margin:0 8px 8px 0}
button.primary{background:#1677ff;color:#fff}
button.test{border-color:#999;color:#666}
form{display:inline}
.refused{color:#c00}
code{background:#f0f0f0;padding:1px 4px;border-radius:3px;word-break:break-all}
`;

/**
 * The pages run no script at all, and take only their own style sheet (by its hash): whatever a request
 * carries into a page is escaped, and this stops anything that slipped through from running.
 */
const CSP = [
  "default-src 'none'",
  `style-src 'sha256-${crypto.createHash('sha256').update(STYLE).digest('base64')}'`,
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>${esc(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>${STYLE}</style></head>
<body><header>支付宝 · 收银台<small>local stand-in for the dev stack, not Alipay</small></header>
<main>${body}</main></body></html>`;
}

function send(res: http.ServerResponse, status: number, html: string): void {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(html),
    'cache-control': 'no-store',
    'content-security-policy': CSP,
    'x-content-type-options': 'nosniff',
  });
  res.end(html);
}

/** Why a refused request was refused, for the person looking at the page. */
function explainRefusal(r: GatewayRefusal): string {
  switch (r.sub_code) {
    case 'isv.invalid-signature':
      return "The request's RSA2 signature does not verify with the app's public key: the URL was changed after it was signed, or another key signed it.";
    case 'isv.invalid-app-id':
      return 'The request names another app.';
    case 'isv.invalid-timestamp':
      return "The request's timestamp is too far from now: ask the gateway for a fresh alipay_url.";
    default:
      return 'The request is not one Alipay would take.';
  }
}

function refusedPage(r: GatewayRefusal): string {
  return page(
    '支付请求被拒绝',
    `<h2 class="refused" id="refused">支付请求被拒绝 · request refused</h2>
<p>${esc(explainRefusal(r))}</p>
<dl><dt>code</dt><dd><code>${esc(r.code)} ${esc(r.msg)}</code></dd>
${r.sub_code ? `<dt>sub_code</dt><dd><code id="sub-code">${esc(r.sub_code)}</code></dd>` : ''}
${r.sub_msg ? `<dt>sub_msg</dt><dd><code>${esc(r.sub_msg)}</code></dd>` : ''}</dl>`,
  );
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

const STATUS_WORDS: Record<CashierTrade['status'], string> = {
  WAIT_BUYER_PAY: '等待付款',
  TRADE_SUCCESS: '交易已支付',
  TRADE_FINISHED: '交易已完结',
  TRADE_CLOSED: '交易已关闭',
};

export function createCashier({ trades, appId, alipayPrivateKey, now, logger }: CashierOptions) {
  const visits = new Map<string, Visit>();

  function remember(visit: Visit): string {
    const id = crypto.randomBytes(12).toString('hex');
    visits.set(id, visit);
    if (visits.size > MAX_VISITS) visits.delete(visits.keys().next().value as string);
    return id;
  }

  const expired = (visit: Visit) => visit.expiresAt !== undefined && now() >= visit.expiresAt;

  function tradePage(visit: Visit, trade: CashierTrade | undefined, note = ''): string {
    const status = trade ? STATUS_WORDS[trade.status] : '交易不存在';
    return page(
      status,
      `<h2 id="trade-status">${esc(status)}</h2>${note}
<dl><dt>订单号</dt><dd id="order-sn">${esc(visit.orderSn)}</dd>
<dt>金额</dt><dd>¥ ${esc(visit.totalAmount)}</dd>
${trade ? `<dt>支付宝交易号</dt><dd>${esc(trade.tradeNo)}</dd><dt>trade_status</dt><dd><code>${esc(trade.status)}</code></dd>` : ''}</dl>`,
    );
  }

  function cashierPage(id: string, visit: Visit): string {
    const action = (name: Action) => `/cashier/${id}/${name}`;
    return page(
      `收银台 · ${visit.orderSn}`,
      `<dl><dt>订单号</dt><dd id="order-sn">${esc(visit.orderSn)}</dd>
<dt>商品</dt><dd id="subject">${esc(visit.subject)}</dd>
<dt>应付金额</dt><dd class="amount">¥ <span id="amount">${esc(visit.totalAmount)}</span></dd>
${visit.expiresAt !== undefined ? `<dt>支付截止</dt><dd>${esc(formatChinaTime(visit.expiresAt))} (China time)</dd>` : ''}
<dt>签名</dt><dd>RSA2, verified with the app's public key</dd></dl>
<form method="post" action="${action('pay')}"><button class="primary" id="pay">确认付款 Pay</button></form>
<form method="post" action="${action('close')}"><button id="close">关闭交易 Close</button></form>
<form method="post" action="${action('pay-wrong-amount')}"><button class="test" id="pay-wrong-amount">付错金额 Pay a wrong amount (testing)</button></form>`,
    );
  }

  async function notify(visit: Visit, fields: Record<string, string>): Promise<NotifyAnswer | undefined> {
    if (!visit.notifyUrl) return undefined;
    const form = signAlipayNotify(fields, alipayPrivateKey);
    let answer: NotifyAnswer;
    try {
      const response = await fetch(visit.notifyUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
        body: new URLSearchParams(form).toString(),
        signal: AbortSignal.timeout(10_000),
      });
      const text = (await response.text()).trim();
      answer = { accepted: text === 'success', text: `HTTP ${response.status} ${text.slice(0, 200)}` };
    } catch (err) {
      const cause = err instanceof Error && err.cause instanceof Error ? err.cause.message : String(err);
      answer = { accepted: false, text: `no answer: ${cause}` };
    }
    logger?.info(
      { orderSn: visit.orderSn, tradeStatus: fields.trade_status, totalAmount: fields.total_amount, answer: answer.text },
      'stand-in Alipay sent a notify',
    );
    return answer;
  }

  function notifyNote(answer: NotifyAnswer | undefined): string {
    if (!answer) return '<p>The request named no notify_url: no notify was sent.</p>';
    return `<p>Notify sent to the merchant; it answered <code id="notify-answer">${esc(answer.text)}</code>${
      answer.accepted ? '' : ' (not <code>success</code>: Alipay would send it again later)'
    }.</p>`;
  }

  function notifyOf(visit: Visit, trade: CashierTrade, status: NotifyTradeStatus, totalCents: number) {
    return notifyFields({
      orderSn: visit.orderSn,
      totalCents,
      appId,
      tradeNo: trade.tradeNo,
      status,
      subject: visit.subject,
      ...(trade.paidAt !== undefined ? { paidAt: trade.paidAt } : { paidAt: now() }),
    });
  }

  /** Where Alipay sends the browser after payment: return_url plus its signed return query. */
  function returnLocation(visit: Visit, trade: CashierTrade, returnUrl: string): string {
    const query = signAlipayNotify(
      returnFields({
        orderSn: visit.orderSn,
        totalCents: yuanToCents(Number(visit.totalAmount)),
        appId,
        tradeNo: trade.tradeNo,
        at: now(),
      }),
      alipayPrivateKey,
    );
    return `${returnUrl}${returnUrl.includes('?') ? '&' : '?'}${new URLSearchParams(query).toString()}`;
  }

  async function act(res: http.ServerResponse, id: string, visit: Visit, action: Action): Promise<void> {
    const trade = trades.get(visit.orderSn);
    if (trade?.status !== 'WAIT_BUYER_PAY') return send(res, 409, tradePage(visit, trade));
    if (expired(visit)) return send(res, 409, tradePage(visit, trade, '<p>The time to pay (time_expire) has passed.</p>'));
    const totalCents = yuanToCents(Number(visit.totalAmount));
    switch (action) {
      case 'pay': {
        const paid = trades.pay(visit.orderSn);
        const answer = await notify(visit, notifyOf(visit, paid, 'TRADE_SUCCESS', totalCents));
        // Alipay sends the buyer back whatever the merchant answered the notify.
        if (visit.returnUrl) {
          res.writeHead(303, { location: returnLocation(visit, paid, visit.returnUrl) }).end();
          return;
        }
        return send(res, 200, tradePage(visit, paid, `${notifyNote(answer)}<p>The request named no return_url.</p>`));
      }
      case 'close': {
        trades.close(visit.orderSn);
        const closed = trades.get(visit.orderSn) ?? trade;
        const answer = await notify(visit, notifyOf(visit, closed, 'TRADE_CLOSED', totalCents));
        return send(res, 200, tradePage(visit, closed, notifyNote(answer)));
      }
      case 'pay-wrong-amount': {
        const wrong = formatYuan(totalCents + 1);
        const answer = await notify(visit, notifyOf(visit, { ...trade, paidAt: now() }, 'TRADE_SUCCESS', totalCents + 1));
        return send(
          res,
          200,
          tradePage(
            visit,
            trades.get(visit.orderSn),
            `<p>Sent a signed TRADE_SUCCESS notify for <strong id="wrong-amount">¥ ${esc(wrong)}</strong>, one cent more than the order's ¥ ${esc(visit.totalAmount)}; the trade here stays unpaid.</p>${notifyNote(answer)}<p><a href="/cashier/${id}">Back to the cashier</a></p>`,
          ),
        );
      }
    }
  }

  return {
    /** Whether a path is the cashier's (its pages after the first). */
    handles: (url: URL) => url.pathname.startsWith('/cashier/'),

    /**
     * A page-pay request (alipay_url) arrives: after the gateway's checks (`refused` when one failed),
     * Alipay's business checks, then the trade is opened and the cashier shown.
     */
    open(
      res: http.ServerResponse,
      params: Record<string, string>,
      refused: GatewayRefusal | undefined,
      biz: Record<string, unknown> | undefined,
    ) {
      if (refused) return send(res, 400, refusedPage(refused));
      const invalid = (what: string) =>
        send(res, 400, refusedPage({ code: '40002', msg: 'Invalid Arguments', sub_code: 'isv.invalid-parameter', sub_msg: what }));
      const orderSn = str(biz?.out_trade_no);
      const totalAmount = str(biz?.total_amount);
      const subject = str(biz?.subject);
      if (!orderSn) return invalid('参数无效: out_trade_no');
      if (!totalAmount || !AMOUNT.test(totalAmount) || Number(totalAmount) <= 0) return invalid('参数无效: total_amount');
      if (!subject) return invalid('参数无效: subject');
      if (biz?.product_code !== 'FAST_INSTANT_TRADE_PAY') return invalid('参数无效: product_code');
      const timeExpire = str(biz?.time_expire);
      const expiresAt = parseChinaTime(timeExpire);
      if (timeExpire !== undefined && expiresAt === undefined) return invalid('参数无效: time_expire');
      const visit: Visit = {
        orderSn,
        totalAmount,
        subject,
        notifyUrl: str(params.notify_url),
        returnUrl: str(params.return_url),
        expiresAt,
      };
      const existing = trades.get(orderSn);
      if (existing && yuanToCents(Number(existing.totalAmount)) !== yuanToCents(Number(totalAmount))) {
        return send(
          res,
          400,
          refusedPage({ code: '40004', msg: 'Business Failed', sub_code: 'ACQ.CONTEXT_INCONSISTENT', sub_msg: '交易信息被篡改' }),
        );
      }
      if (existing && existing.status !== 'WAIT_BUYER_PAY') return send(res, 409, tradePage(visit, existing));
      if (expired(visit)) return send(res, 409, tradePage(visit, existing, '<p>The time to pay (time_expire) has passed.</p>'));
      if (!existing) trades.open(orderSn, totalAmount);
      send(res, 200, cashierPage(remember(visit), visit));
    },

    /** The cashier's own pages: GET /cashier/<visit> shows it again, POST /cashier/<visit>/<action> acts. */
    async act(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
      const [, , id = '', action, ...rest] = url.pathname.split('/');
      const visit = visits.get(id);
      if (!visit || rest.length > 0) {
        return send(
          res,
          404,
          page(
            '收银台',
            "<h2>No such cashier visit</h2><p>Open the order's alipay_url again (the stand-in forgets visits when it restarts).</p>",
          ),
        );
      }
      if (action === undefined && req.method === 'GET') {
        const trade = trades.get(visit.orderSn);
        return send(res, 200, trade?.status === 'WAIT_BUYER_PAY' && !expired(visit) ? cashierPage(id, visit) : tradePage(visit, trade));
      }
      if (req.method !== 'POST' || !(ACTIONS as readonly string[]).includes(action ?? '')) {
        return send(res, 405, page('收银台', '<h2>Not an action of this cashier</h2>'));
      }
      return act(res, id, visit, action as Action);
    },
  };
}
