// A stand-in for Alipay's gateway (gateway.do) on loopback, for the tests and for the dev stack
// without a real Alipay app, faithful where our side depends on it. The OpenAPI: it takes the SDK's
// request as sent (common params in the URL query, biz_content in the form body), checks app_id, the
// China-time timestamp and the RSA2 signature with the app's public key, and answers like Alipay —
//   {"<method with underscores>_response":{…},"sign":"<RSA2 of exactly that {…} text>"}
// signed with the stand-in Alipay private key. Trade query, close and refund follow Alipay's
// documented business rules; tests script trades and failures through the returned handle.
// The page-pay URL (alipay.trade.page.pay, what alipay_url opens) gets a cashier page instead, after
// the same checks (cashier.ts): the buyer's pay and close move the same trades the OpenAPI reports.
// Never part of the gateway or a srv in production: only the dev stack and the tests start it.
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { formatChinaTime, parseChinaTime } from '../../global/china-time';
import type { Logger } from '../../global/logger';
import { type CashierTrades, createCashier } from './cashier';
import { PAY_RESULT_PATH, sendPayResult } from './pay-result';

export type StandInTradeStatus = 'WAIT_BUYER_PAY' | 'TRADE_CLOSED' | 'TRADE_SUCCESS' | 'TRADE_FINISHED';

export interface StandInTrade {
  status: StandInTradeStatus;
  tradeNo: string;
  /** Yuan with 2 decimals ("12.34"). */
  totalAmount: string;
  /** out_request_no → refunded amount ("12.34"). */
  refunds: Map<string, string>;
  /** Epoch ms of the payment, once paid (send_pay_date). */
  paidAt?: number;
}

export interface StandInCall {
  method: string;
  /** biz_content as parsed JSON (undefined when absent or not JSON). */
  bizContent: Record<string, unknown> | undefined;
  /** Every request parameter, URL query and form body combined. */
  params: Record<string, string>;
  /** The code and sub_code answered (undefined when the failure injected was not an answer). */
  answered?: { code: string; subCode?: string };
}

export type StandInFailure = 'http500' | 'bad-sign' | 'hang';

export interface StandInAlipay {
  /** The gateway.do URL, for ALIPAY_GATEWAY. */
  url: string;
  /** Its pay-result page (pay-result.ts), for PAY_RESULT_URL when no SPA runs. */
  payResultUrl: string;
  /** By out_trade_no. */
  trades: Map<string, StandInTrade>;
  /** Every request received, in order. */
  calls: StandInCall[];
  /** A trade as Alipay creates it when the buyer reaches the cashier. */
  createTrade(orderSn: string, totalAmount: string, status?: StandInTradeStatus): StandInTrade;
  /** The buyer pays: WAIT_BUYER_PAY → TRADE_SUCCESS at `at` (default: the stand-in's `now`). */
  pay(orderSn: string, at?: number): StandInTrade;
  /**
   * The next call of `method` fails: 'http500' answers HTTP 500 and changes nothing; 'hang' never
   * answers (until close) and changes nothing; 'bad-sign' takes effect and answers with a corrupted signature.
   */
  failNext(method: string, failure: StandInFailure): void;
  close(): Promise<void>;
}

export interface StandInAlipayOptions {
  /** Our app's public key, which must verify every request. */
  appPublicKey: string;
  /** The stand-in Alipay private key, which signs every answer. */
  alipayPrivateKey: string;
  appId: string;
  /** Requests whose timestamp is further than this from now are refused (isv.invalid-timestamp). */
  timestampToleranceMs?: number;
  /**
   * Alipay's business clock: what it stamps on trades (payment and refund times, the date in trade
   * numbers). Default Date.now; a test that drives time passes its clock. A request's `timestamp` is
   * still checked against the real clock, which is what our client stamps it with.
   */
  now?: () => number;
  /** Where to listen; default 127.0.0.1, any free port. */
  host?: string;
  port?: number;
  /** Where the cashier tells what it did (notifies sent and their answers); default nowhere. */
  logger?: Logger;
  /** The gateway's API docs, linked from the pay-result page (default: /docs on the default gateway port). */
  docsUrl?: string;
}

type Answer = Record<string, unknown> & { code: string; msg: string; sub_code?: string; sub_msg?: string };

const SUCCESS = { code: '10000', msg: 'Success' } as const;
const business = (subCode: string, subMsg: string): Answer => ({
  code: '40004',
  msg: 'Business Failed',
  sub_code: subCode,
  sub_msg: subMsg,
});
const invalid = (subCode: string, subMsg: string): Answer => ({
  code: '40002',
  msg: 'Invalid Arguments',
  sub_code: subCode,
  sub_msg: subMsg,
});
const missing = (subCode: string, subMsg: string): Answer => ({
  code: '40001',
  msg: 'Missing Required Arguments',
  sub_code: subCode,
  sub_msg: subMsg,
});

const AMOUNT = /^\d+(\.\d{1,2})?$/;
const PAGE_PAY = 'alipay.trade.page.pay';
const cents = (yuan: string) => Math.round(Number(yuan) * 100);
const yuan = (c: number) => (c / 100).toFixed(2);

/** What Alipay's gateway signs and checks: every non-empty param but `sign`, sorted, k=v joined by &. */
export function requestSignContent(params: Record<string, string>): string {
  return Object.keys(params)
    .filter((k) => k !== 'sign' && params[k] !== '')
    .sort()
    .map((k) => `${k}=${params[k]}`)
    .join('&');
}

/** Checks a request's RSA2 signature with the app's public key, as Alipay's gateway does. */
export function verifyAppSignature(params: Record<string, string>, appPublicKey: string): boolean {
  try {
    return crypto
      .createVerify('RSA-SHA256')
      .update(requestSignContent(params), 'utf8')
      .verify(appPublicKey, params.sign ?? '', 'base64');
  } catch {
    return false;
  }
}

async function readBody(req: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Alipay labels its JSON answers text/html, and they echo the request (a refused signature quotes the whole
 * signed string): a browser opening one must not find markup in it. `<`, `>` and `&` go out as JSON escapes,
 * which parse to the same text, and nothing in an answer may run.
 */
function htmlSafeJson(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
const NOT_A_PAGE = { 'content-security-policy': "default-src 'none'; frame-ancestors 'none'", 'x-content-type-options': 'nosniff' };

export async function startStandInAlipay(options: StandInAlipayOptions): Promise<StandInAlipay> {
  const tolerance = options.timestampToleranceMs ?? 15 * 60_000;
  const now = options.now ?? Date.now;
  const trades = new Map<string, StandInTrade>();
  const calls: StandInCall[] = [];
  const failures = new Map<string, StandInFailure[]>();
  let tradeSeq = 0;

  const newTradeNo = () => `${formatChinaTime(now()).slice(0, 10).replaceAll('-', '')}22001${String(++tradeSeq).padStart(15, '0')}`;

  function createTrade(orderSn: string, totalAmount: string, status: StandInTradeStatus = 'WAIT_BUYER_PAY'): StandInTrade {
    if (!AMOUNT.test(totalAmount)) throw new Error(`stand-in Alipay: bad amount ${totalAmount}`);
    const trade: StandInTrade = { status, tradeNo: newTradeNo(), totalAmount: yuan(cents(totalAmount)), refunds: new Map() };
    if (status === 'TRADE_SUCCESS' || status === 'TRADE_FINISHED') trade.paidAt = now();
    trades.set(orderSn, trade);
    return trade;
  }

  function payTrade(orderSn: string, at = now()): StandInTrade {
    const trade = trades.get(orderSn);
    if (!trade) throw new Error(`stand-in Alipay: no trade ${orderSn}`);
    if (trade.status !== 'WAIT_BUYER_PAY') throw new Error(`stand-in Alipay: trade ${orderSn} is ${trade.status}, not payable`);
    trade.status = 'TRADE_SUCCESS';
    trade.paidAt = at;
    return trade;
  }

  function findTrade(biz: Record<string, unknown>): [string, StandInTrade] | undefined {
    const outTradeNo = typeof biz.out_trade_no === 'string' ? biz.out_trade_no : undefined;
    if (outTradeNo !== undefined) {
      const trade = trades.get(outTradeNo);
      return trade ? [outTradeNo, trade] : undefined;
    }
    if (typeof biz.trade_no === 'string') {
      for (const entry of trades) if (entry[1].tradeNo === biz.trade_no) return entry;
    }
    return undefined;
  }

  const isPaid = (t: StandInTrade) => t.status === 'TRADE_SUCCESS' || t.status === 'TRADE_FINISHED';
  const refunded = (t: StandInTrade) => [...t.refunds.values()].reduce((sum, a) => sum + cents(a), 0);

  const methods: Record<string, (biz: Record<string, unknown>) => Answer> = {
    'alipay.trade.query'(biz) {
      if (typeof biz.out_trade_no !== 'string' && typeof biz.trade_no !== 'string') {
        return business('ACQ.INVALID_PARAMETER', '参数无效: out_trade_no 与 trade_no 不能同时为空');
      }
      const found = findTrade(biz);
      if (!found) return business('ACQ.TRADE_NOT_EXIST', '交易不存在');
      const [outTradeNo, t] = found;
      return {
        ...SUCCESS,
        trade_no: t.tradeNo,
        out_trade_no: outTradeNo,
        buyer_logon_id: 'sbx***@sandbox.com',
        trade_status: t.status,
        total_amount: t.totalAmount,
        ...(t.paidAt !== undefined
          ? {
              send_pay_date: formatChinaTime(t.paidAt),
              receipt_amount: t.totalAmount,
              buyer_pay_amount: t.totalAmount,
              point_amount: '0.00',
            }
          : {}),
        buyer_user_id: '2088102177840001',
      };
    },
    'alipay.trade.close'(biz) {
      if (typeof biz.out_trade_no !== 'string' && typeof biz.trade_no !== 'string') {
        return business('ACQ.INVALID_PARAMETER', '参数无效: out_trade_no 与 trade_no 不能同时为空');
      }
      const found = findTrade(biz);
      if (!found) return business('ACQ.TRADE_NOT_EXIST', '交易不存在');
      const [outTradeNo, t] = found;
      if (t.status !== 'WAIT_BUYER_PAY') return business('ACQ.TRADE_STATUS_ERROR', '交易状态不合法');
      t.status = 'TRADE_CLOSED';
      return { ...SUCCESS, trade_no: t.tradeNo, out_trade_no: outTradeNo };
    },
    'alipay.trade.refund'(biz) {
      const amount = typeof biz.refund_amount === 'string' ? biz.refund_amount : '';
      if (!AMOUNT.test(amount) || cents(amount) <= 0) return business('ACQ.INVALID_PARAMETER', '参数无效: refund_amount');
      const found = findTrade(biz);
      if (!found) return business('ACQ.TRADE_NOT_EXIST', '交易不存在');
      const [outTradeNo, t] = found;
      // Alipay's out_request_no defaults to out_trade_no (one full refund).
      const requestNo = typeof biz.out_request_no === 'string' && biz.out_request_no !== '' ? biz.out_request_no : outTradeNo;
      const answer = (fundChange: 'Y' | 'N'): Answer => ({
        ...SUCCESS,
        trade_no: t.tradeNo,
        out_trade_no: outTradeNo,
        buyer_logon_id: 'sbx***@sandbox.com',
        fund_change: fundChange,
        refund_fee: yuan(refunded(t)),
        gmt_refund_pay: formatChinaTime(now()),
        buyer_user_id: '2088102177840001',
      });
      // A repeated request number is the same refund: answered again, no money moves.
      if (t.refunds.has(requestNo)) return answer('N');
      if (t.status === 'TRADE_FINISHED') return business('ACQ.TRADE_HAS_FINISHED', '交易已完结');
      if (!isPaid(t)) return business('ACQ.TRADE_STATUS_ERROR', '交易状态不合法');
      if (refunded(t) + cents(amount) > cents(t.totalAmount)) return business('ACQ.REFUND_AMT_NOT_EQUAL_TOTAL', '退款金额超限');
      t.refunds.set(requestNo, yuan(cents(amount)));
      // A fully refunded trade is closed.
      if (refunded(t) === cents(t.totalAmount)) t.status = 'TRADE_CLOSED';
      return answer('Y');
    },
  };

  function sign(text: string): string {
    return crypto.createSign('RSA-SHA256').update(text, 'utf8').sign(options.alipayPrivateKey, 'base64');
  }

  function corrupt(signature: string): string {
    const bytes = Buffer.from(signature, 'base64');
    bytes[0] = (bytes[0] ?? 0) ^ 0xff;
    return bytes.toString('base64');
  }

  /** Serializes the answer once and splices that exact text into the body, so its signature covers it. */
  function send(res: http.ServerResponse, responseKey: string, answer: Answer, badSign = false): void {
    const inner = htmlSafeJson(answer);
    const signature = badSign ? corrupt(sign(inner)) : sign(inner);
    const body = `{${htmlSafeJson(responseKey)}:${inner},"sign":${JSON.stringify(signature)}}`;
    res.writeHead(200, { 'content-type': 'text/html;charset=utf-8', 'content-length': Buffer.byteLength(body), ...NOT_A_PAGE });
    res.end(body);
  }

  /** The gateway's checks of every request, before its method: the refusal, or undefined when it passes. */
  function refusal(params: Record<string, string>): Answer | undefined {
    if (!params.method) return missing('isv.missing-method', '缺少方法名参数');
    if (!params.app_id) return missing('isv.missing-app-id', '缺少AppID参数');
    if (params.app_id !== options.appId) return invalid('isv.invalid-app-id', '无效的AppID参数');
    if (!params.sign) return missing('isv.missing-signature', '缺少签名参数');
    if (params.sign_type !== 'RSA2') return invalid('isv.invalid-signature-type', '无效的签名类型');
    if (!verifyAppSignature(params, options.appPublicKey)) {
      return invalid(
        'isv.invalid-signature',
        `验签出错，建议检查签名字符串或签名私钥与应用公钥是否匹配，网关生成的验签字符串为：${requestSignContent(params)}`,
      );
    }
    const stamped = parseChinaTime(params.timestamp);
    if (stamped === undefined || Math.abs(stamped - Date.now()) > tolerance) return invalid('isv.invalid-timestamp', '非法的时间戳参数');
    return undefined;
  }

  const cashierTrades: CashierTrades = {
    get: (orderSn) => trades.get(orderSn),
    open: (orderSn, totalAmount) => createTrade(orderSn, totalAmount),
    pay: (orderSn) => payTrade(orderSn, now()),
    close: (orderSn) => {
      const trade = trades.get(orderSn);
      if (trade?.status !== 'WAIT_BUYER_PAY') return false;
      trade.status = 'TRADE_CLOSED';
      return true;
    },
  };
  const cashier = createCashier({
    trades: cashierTrades,
    appId: options.appId,
    alipayPrivateKey: options.alipayPrivateKey,
    now,
    ...(options.logger ? { logger: options.logger } : {}),
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (cashier.handles(url)) {
      await readBody(req);
      return cashier.act(req, res, url);
    }
    if (url.pathname === PAY_RESULT_PATH && req.method === 'GET') {
      return sendPayResult(res, url, (orderSn) => trades.get(orderSn)?.totalAmount, options.docsUrl ?? 'http://127.0.0.1:8023/docs');
    }
    if (url.pathname !== '/gateway.do') {
      res.writeHead(404).end();
      return;
    }
    const params: Record<string, string> = Object.fromEntries(url.searchParams.entries());
    if (req.method === 'POST') {
      for (const [k, v] of new URLSearchParams(await readBody(req))) params[k] = v;
    }
    const method = params.method ?? '';
    let bizContent: Record<string, unknown> | undefined;
    try {
      const parsed: unknown = params.biz_content ? JSON.parse(params.biz_content) : undefined;
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) bizContent = parsed as Record<string, unknown>;
    } catch {
      bizContent = undefined;
    }
    const call: StandInCall = { method, bizContent, params };
    calls.push(call);
    // What alipay_url opens: the buyer's browser gets a page, refusals included, not an API answer.
    if (method === PAGE_PAY) return cashier.open(res, params, refusal(params), bizContent);

    const failure = failures.get(method)?.shift();
    if (failure === 'hang') return; // never answered; close() drops the connection
    if (failure === 'http500') {
      res
        .writeHead(500, { 'content-type': 'text/html;charset=utf-8', ...NOT_A_PAGE })
        .end('<html><body>500 Internal Server Error</body></html>');
      return;
    }

    const known = Object.hasOwn(methods, method);
    const responseKey = known ? `${method.replaceAll('.', '_')}_response` : 'error_response';
    const reply = (answer: Answer) => {
      call.answered = { code: answer.code, ...(answer.sub_code ? { subCode: answer.sub_code } : {}) };
      send(res, responseKey, answer, failure === 'bad-sign');
    };

    const refused = refusal(params);
    if (refused) return reply(refused);
    const run = known ? methods[method] : undefined;
    if (!run) return reply(invalid('isv.invalid-method', '不存在的方法名'));
    if (!bizContent) return reply(invalid('isv.invalid-parameter', '参数无效: biz_content'));
    return reply(run(bizContent));
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8', ...NOT_A_PAGE }).end(String(err));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/gateway.do`,
    payResultUrl: `http://127.0.0.1:${port}${PAY_RESULT_PATH}`,
    trades,
    calls,
    createTrade,
    pay: payTrade,
    failNext(method, failure) {
      const queue = failures.get(method) ?? [];
      queue.push(failure);
      failures.set(method, queue);
    },
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
