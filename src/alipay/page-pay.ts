// The gateway's side of Alipay: the page-pay URL that opens Alipay's cashier, the RSA2 check of the
// notifies and returns Alipay sends back, and the pay-window rule deciding whether an order still
// has anything to pay and until when. Nothing here calls Alipay: the OpenAPI is the order srv's.
import type { AlipaySdk } from 'alipay-sdk';
import { LRUCache } from 'lru-cache';
import { formatChinaTime } from '../../global/china-time';
import { formatYuan } from '../../global/money';
import { isUnpaid } from '../../global/order-status';
import { type AlipayKeysConfig, createAlipaySdk } from './keys';

/** Page pay needs where Alipay sends the buyer and the notify, and the subject's prefix. */
export interface AlipayPagePayConfig extends AlipayKeysConfig {
  ALIPAY_NOTIFY_URL: string;
  ALIPAY_RETURN_URL: string;
  ALIPAY_SUBJECT_PREFIX: string;
}

/** What a page-pay URL is made for: `totalCents` in fen, `expiresAt` epoch ms (see PayWindow). */
export interface PagePayOrder {
  orderSn: string;
  totalCents: number;
  expiresAt?: number | undefined;
}

export interface AlipayPagePay {
  readonly appId: string;
  /**
   * The GET URL that opens Alipay's cashier for this order (`alipay.trade.page.pay`), stamped at
   * `now` (epoch ms). With `expiresAt` (epoch ms), Alipay refuses payment after that instant
   * (`time_expire`, China time).
   */
  pagePayUrl(order: PagePayOrder, now: number): string;
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

/** Whether an order can still be paid at Alipay, and until when. */
export type PayWindow =
  /** Nothing to pay: the order is paid or closed, or its window has passed. */
  | { payable: false }
  /** Alipay may take money until expiresAt (epoch ms, time_expire); undefined when the close time is unknown. */
  | { payable: true; expiresAt: number | undefined };

/**
 * The pay-window rule. Alipay stops taking money `marginMs` before the order closes here, so a
 * payment cannot race the close; once that instant is reached there is nothing left to pay.
 * `expireAt` is the order's close time in unix seconds as the wire carries it, 0 when unknown
 * (an older srv): then Alipay is given no time_expire and the close here still decides.
 */
export function payWindow(order: { status: string; expireAt: number }, at: { marginMs: number; now: number }): PayWindow {
  if (!isUnpaid(order.status)) return { payable: false };
  if (order.expireAt <= 0) return { payable: true, expiresAt: undefined };
  const expiresAt = order.expireAt * 1000 - at.marginMs;
  return expiresAt > at.now ? { payable: true, expiresAt } : { payable: false };
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

/**
 * A signed URL is reused for the same order, amount and expiry while it is younger than this: an
 * RSA2 signature costs more CPU than the rest of an order-detail request, and the SPA reads an
 * unpaid order's detail over and over. Alipay accepts a stamp this old.
 */
export const PAGE_PAY_URL_REUSE_MS = 60_000;
/** Unpaid orders whose URL is remembered; the oldest is forgotten first. */
const REMEMBERED_URLS = 10_000;

/** The gateway's page pay and notify/return checks over one SDK object. Call once per process. */
export function createAlipayPagePay(config: AlipayPagePayConfig): AlipayPagePay {
  const sdk = createAlipaySdk(config);
  const verify = verifier(sdk);
  const signed = new LRUCache<string, { url: string; stampedAt: number }>({ max: REMEMBERED_URLS });
  return {
    appId: config.ALIPAY_APP_ID,
    pagePayUrl(order, now) {
      const key = `${order.orderSn} ${order.totalCents} ${order.expiresAt ?? ''}`;
      const known = signed.get(key);
      if (known && now >= known.stampedAt && now - known.stampedAt < PAGE_PAY_URL_REUSE_MS) return known.url;
      const url = signPagePayUrl(order, now);
      signed.set(key, { url, stampedAt: now });
      return url;
    },
    verifyNotify: verify,
    verifyReturn: verify,
  };

  function signPagePayUrl({ orderSn, totalCents, expiresAt }: PagePayOrder, now: number) {
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
      timestamp: formatChinaTime(now),
    });
  }
}
