// The order srv's side of Alipay: the OpenAPI calls it makes (trade query, close, refund) to settle
// orders at expiry and refund late payments. Every answer's signature is checked with Alipay's key.
import type { AlipaySdk, AlipaySdkCommonResult } from 'alipay-sdk';
import { formatChinaTime, parseChinaTime } from '../../global/china-time';
import { formatYuan } from '../../global/money';
import { type AlipayClientOptions, type AlipayKeysConfig, createAlipaySdk } from './keys';

export type AlipayTradeStatus = 'WAIT_BUYER_PAY' | 'TRADE_CLOSED' | 'TRADE_SUCCESS' | 'TRADE_FINISHED';
const TRADE_STATUSES: readonly string[] = ['WAIT_BUYER_PAY', 'TRADE_CLOSED', 'TRADE_SUCCESS', 'TRADE_FINISHED'];

/** A trade as `alipay.trade.query` reports it. */
export interface AlipayTrade {
  status: AlipayTradeStatus;
  /** Alipay's trade number. */
  tradeNo: string;
  /** Yuan with 2 decimals, as Alipay wrote it ("12.34"). */
  totalAmount: string;
  /** Epoch ms of `send_pay_date` (China time), when Alipay gave one (paid trades). */
  paidAt?: number;
}

/**
 * Alipay's OpenAPI. Every answer's signature is checked with Alipay's public key. Anything but the
 * documented outcomes (network, timeout, HTTP error, bad or missing signature, an unexpected code)
 * throws an Error (AlipayApiError for an answered but unexpected code): ask again later.
 */
export interface AlipayOpenApi {
  /** `alipay.trade.query` by out_trade_no; undefined when Alipay has no such trade (ACQ.TRADE_NOT_EXIST). */
  queryTrade(orderSn: string): Promise<AlipayTrade | undefined>;
  /**
   * `alipay.trade.close`: 'closed' (it was WAIT_BUYER_PAY), 'not-found' (no trade at Alipay: the
   * buyer never reached the cashier), 'not-closable' (ACQ.TRADE_STATUS_ERROR: not waiting for
   * payment any more — paid, finished, or already closed; query to learn which).
   */
  closeTrade(orderSn: string): Promise<'closed' | 'not-found' | 'not-closable'>;
  /**
   * `alipay.trade.refund` of amountCents of the order's trade. Idempotent by requestNo
   * (out_request_no): repeating a request that succeeded succeeds again without moving money.
   */
  refund(input: { orderSn: string; amountCents: number; requestNo: string; reason: string }): Promise<void>;
}

/** Alipay answered, but not with an outcome the caller was promised. */
export class AlipayApiError extends Error {
  constructor(
    readonly method: string,
    readonly code: string,
    readonly subCode: string | undefined,
    message: string,
  ) {
    super(message);
    this.name = 'AlipayApiError';
  }
}

/** Why an SDK call failed, in words that carry no key material. */
function describeFailure(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const message = err.message;
  if (message.startsWith('HTTP 请求错误')) return `HTTP error (${message.match(/status: (\d+)/)?.[1] ?? 'unknown status'})`;
  if (message.startsWith('验签失败')) return "the answer does not verify with Alipay's public key";
  if (message.startsWith('HttpClient Request error')) {
    const cause = err.cause instanceof Error ? err.cause : undefined;
    return `request failed: ${cause ? `${cause.name}: ${cause.message.split('\n')[0]}` : message}`;
  }
  if (message.startsWith('Response 格式错误')) return 'the answer is not an Alipay response';
  // crypto.verify throws when the answer carries no `sign` at all.
  if (err instanceof TypeError && /signature/i.test(message)) return 'the answer carries no signature';
  return `${err.name}: ${message.split('\n')[0]}`;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function openApiClient(sdk: AlipaySdk): AlipayOpenApi {
  async function call(method: string, bizContent: Record<string, string>): Promise<AlipaySdkCommonResult> {
    try {
      return await sdk.exec(
        method,
        // The SDK would stamp process-local time; Alipay checks it as China time.
        { bizContent, timestamp: formatChinaTime(Date.now()) },
        { validateSign: true },
      );
    } catch (err) {
      throw new Error(`Alipay ${method} for ${bizContent.out_trade_no}: ${describeFailure(err)}`, { cause: err });
    }
  }

  function unexpected(method: string, orderSn: string, r: AlipaySdkCommonResult): AlipayApiError {
    const sub = str(r.sub_code);
    const detail = [r.code, r.msg, sub, str(r.sub_msg)].filter(Boolean).join(' ');
    return new AlipayApiError(method, String(r.code), sub, `Alipay ${method} for ${orderSn} answered ${detail}`);
  }

  const isBusinessFailure = (r: AlipaySdkCommonResult, subCode: string) => r.code === '40004' && r.sub_code === subCode;

  return {
    async queryTrade(orderSn) {
      const method = 'alipay.trade.query';
      const r = await call(method, { out_trade_no: orderSn });
      if (isBusinessFailure(r, 'ACQ.TRADE_NOT_EXIST')) return undefined;
      if (r.code !== '10000') throw unexpected(method, orderSn, r);
      const status = str(r.trade_status);
      const tradeNo = str(r.trade_no);
      const totalAmount = str(r.total_amount);
      if (!status || !TRADE_STATUSES.includes(status) || !tradeNo || !totalAmount || !/^\d+(\.\d{1,2})?$/.test(totalAmount)) {
        throw new Error(`Alipay ${method} for ${orderSn}: success without a usable trade_status/trade_no/total_amount`);
      }
      if (str(r.out_trade_no) !== undefined && r.out_trade_no !== orderSn) {
        throw new Error(`Alipay ${method} for ${orderSn}: the answer is about another trade`);
      }
      const paidAt = parseChinaTime(str(r.send_pay_date));
      return { status: status as AlipayTradeStatus, tradeNo, totalAmount, ...(paidAt !== undefined ? { paidAt } : {}) };
    },

    async closeTrade(orderSn) {
      const method = 'alipay.trade.close';
      const r = await call(method, { out_trade_no: orderSn });
      if (r.code === '10000') return 'closed';
      if (isBusinessFailure(r, 'ACQ.TRADE_NOT_EXIST')) return 'not-found';
      if (isBusinessFailure(r, 'ACQ.TRADE_STATUS_ERROR')) return 'not-closable';
      throw unexpected(method, orderSn, r);
    },

    async refund({ orderSn, amountCents, requestNo, reason }) {
      const method = 'alipay.trade.refund';
      if (!Number.isSafeInteger(amountCents) || amountCents <= 0) {
        throw new Error(`Alipay ${method} for ${orderSn}: the amount must be a positive number of cents`);
      }
      const r = await call(method, {
        out_trade_no: orderSn,
        refund_amount: formatYuan(amountCents),
        out_request_no: requestNo,
        refund_reason: reason,
      });
      if (r.code !== '10000') throw unexpected(method, orderSn, r);
    },
  };
}

/** The order srv's client: trade query, close and refund over one SDK object. Call once per process. */
export function createAlipayOpenApi(config: AlipayKeysConfig, options: AlipayClientOptions = {}): AlipayOpenApi {
  return openApiClient(createAlipaySdk(config, options));
}
