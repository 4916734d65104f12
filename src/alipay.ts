// Alipay: page pay, notify/return verification, and the OpenAPI calls the order srv needs (trade
// query, close, refund), with one SDK client per process: keys are parsed and checked once at start
// (a bad key fails startup, not the first payment).
import crypto from 'node:crypto';
import { AlipaySdk, type AlipaySdkCommonResult } from 'alipay-sdk';
import { formatChinaTime, parseChinaTime } from '../global/china-time';
import { ConfigError } from '../global/config';
import { formatYuan } from '../global/money';

/** What every Alipay client needs: who we are, our key, Alipay's key and where Alipay is. */
export interface AlipayKeysConfig {
  ALIPAY_APP_ID: string;
  /** Our app's RSA private key (PEM, or the bare base64 body Alipay's console shows). */
  ALIPAY_PRIVATE_KEY: string;
  /** Alipay's RSA public key, which signs notifies, returns and OpenAPI responses. */
  ALIPAY_PUBLIC_KEY: string;
  /** The OpenAPI gateway (`…/gateway.do`); page pay URLs start with it too. */
  ALIPAY_GATEWAY: string;
  /** How long one OpenAPI call may take (connect and answer); default 5000. */
  ALIPAY_TIMEOUT_MS?: number;
}

/** Page pay needs where Alipay sends the buyer and the notify, and the subject's prefix. */
export interface AlipayPagePayConfig extends AlipayKeysConfig {
  ALIPAY_NOTIFY_URL: string;
  ALIPAY_RETURN_URL: string;
  ALIPAY_SUBJECT_PREFIX: string;
}

/** @deprecated the old name of AlipayPagePayConfig. */
export type AlipayConfig = AlipayPagePayConfig;

export interface AlipayClientOptions {
  /** Overrides config.ALIPAY_TIMEOUT_MS. */
  timeoutMs?: number;
}

export interface Alipay {
  readonly appId: string;
  /**
   * The GET URL that opens Alipay's cashier for this order (`alipay.trade.page.pay`). With
   * `expiresAt` (epoch ms), Alipay refuses payment after that instant (`time_expire`, China time).
   */
  pagePayUrl(order: { orderSn: string; totalCents: number; expiresAt?: number }): string;
  /**
   * RSA2 check of an async notification over its form fields as received (decoded once, never
   * twice): every non-empty field but `sign` and `sign_type`, sorted, k=v joined by &.
   */
  verifyNotify(form: Record<string, string>): boolean;
  /**
   * RSA2 check of the synchronous return's query (same scheme as the notify). A valid return only
   * says the buyer came back from Alipay: never treat it as proof of payment.
   */
  verifyReturn(query: Record<string, string>): boolean;
}

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

/** Reads a key given as PEM text or as the bare base64 body Alipay's console shows. */
function readKey(text: string, kind: 'private' | 'public'): crypto.KeyObject {
  const pem = text.includes('-----BEGIN') ? text.replace(/\\n/g, '\n') : undefined;
  if (kind === 'private') {
    if (pem) return crypto.createPrivateKey(pem);
    const der = Buffer.from(text.replace(/\s+/g, ''), 'base64');
    try {
      return crypto.createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
    } catch {
      return crypto.createPrivateKey({ key: der, format: 'der', type: 'pkcs1' });
    }
  }
  if (pem) return crypto.createPublicKey(pem);
  return crypto.createPublicKey({ key: Buffer.from(text.replace(/\s+/g, ''), 'base64'), format: 'der', type: 'spki' });
}

interface ParsedKey {
  object: crypto.KeyObject;
  pem: string;
}

function parseKeys(config: AlipayKeysConfig): { privateKey: ParsedKey; publicKey: ParsedKey } {
  const problems: string[] = [];
  const parse = (key: 'ALIPAY_PRIVATE_KEY' | 'ALIPAY_PUBLIC_KEY', kind: 'private' | 'public'): ParsedKey => {
    try {
      const object = readKey(config[key], kind);
      if (object.asymmetricKeyType !== 'rsa') throw new Error('not RSA');
      const pem = kind === 'private' ? object.export({ format: 'pem', type: 'pkcs8' }) : object.export({ format: 'pem', type: 'spki' });
      return { object, pem: pem.toString() };
    } catch {
      problems.push(`${key} must be an RSA ${kind} key (PEM, or the base64 body)`);
      return { object: crypto.createSecretKey(Buffer.alloc(1)), pem: '' };
    }
  };
  const privateKey = parse('ALIPAY_PRIVATE_KEY', 'private');
  const publicKey = parse('ALIPAY_PUBLIC_KEY', 'public');
  if (problems.length > 0) throw new ConfigError(problems);
  return { privateKey, publicKey };
}

const DEFAULT_TIMEOUT_MS = 5000;

/** The one SDK object a factory builds; keys parsed here, once. */
function createSdk(config: AlipayKeysConfig, options: AlipayClientOptions): AlipaySdk {
  const { privateKey, publicKey } = parseKeys(config);
  const sdk = new AlipaySdk({
    appId: config.ALIPAY_APP_ID,
    privateKey: privateKey.pem,
    alipayPublicKey: publicKey.pem,
    keyType: 'PKCS8',
    signType: 'RSA2',
    gateway: config.ALIPAY_GATEWAY,
    timeout: options.timeoutMs ?? config.ALIPAY_TIMEOUT_MS ?? DEFAULT_TIMEOUT_MS,
    // Answers keep Alipay's own snake_case names (trade_status, send_pay_date, sub_code).
    camelcase: false,
  });
  // The SDK wants PEM text to start with, then hands config.privateKey / alipayPublicKey to node:crypto
  // on every signature and check, which re-parses the PEM each time (about two thirds of a page-pay
  // URL's cost). node:crypto takes the parsed KeyObjects just the same.
  Object.assign(sdk.config as unknown as Record<string, unknown>, { privateKey: privateKey.object, alipayPublicKey: publicKey.object });
  return sdk;
}

/**
 * Alipay's signature covers non-empty fields only; the SDK's check would include empty ones
 * (`k=`) and so reject a genuine message that carries an empty field.
 */
function nonEmpty(form: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(form)) if (typeof v === 'string' && v !== '') out[k] = v;
  return out;
}

function verifier(sdk: AlipaySdk) {
  return (form: Record<string, string>): boolean => {
    try {
      return sdk.checkNotifySignV2(nonEmpty(form));
    } catch {
      return false;
    }
  };
}

function pageClient(sdk: AlipaySdk, config: AlipayPagePayConfig): Alipay {
  const verify = verifier(sdk);
  return {
    appId: config.ALIPAY_APP_ID,
    pagePayUrl({ orderSn, totalCents, expiresAt }) {
      return sdk.pageExecute('alipay.trade.page.pay', 'GET', {
        bizContent: {
          out_trade_no: orderSn,
          product_code: 'FAST_INSTANT_TRADE_PAY',
          total_amount: formatYuan(totalCents),
          subject: `${config.ALIPAY_SUBJECT_PREFIX}${orderSn}`,
          ...(expiresAt !== undefined ? { time_expire: formatChinaTime(expiresAt) } : {}),
        },
        notifyUrl: config.ALIPAY_NOTIFY_URL,
        returnUrl: config.ALIPAY_RETURN_URL,
        // The SDK would stamp process-local time; Alipay checks it as China time.
        timestamp: formatChinaTime(Date.now()),
      });
    },
    verifyNotify: verify,
    verifyReturn: verify,
  };
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

/**
 * The gateway's client: page pay and notify/return checks, plus the OpenAPI calls, all over one
 * SDK object. Call once per process.
 */
export function createAlipay(config: AlipayPagePayConfig, options: AlipayClientOptions = {}): Alipay & AlipayOpenApi {
  const sdk = createSdk(config, options);
  return { ...pageClient(sdk, config), ...openApiClient(sdk) };
}

/** The OpenAPI alone (the order srv's): trade query, close and refund. Call once per process. */
export function createAlipayOpenApi(config: AlipayKeysConfig, options: AlipayClientOptions = {}): AlipayOpenApi {
  return openApiClient(createSdk(config, options));
}
