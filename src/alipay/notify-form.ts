// Alipay's side of an async notify, for joint debugging without Alipay (`npm run pay`) and for tests:
// the form Alipay POSTs for a trade, signed the way Alipay signs it (RSA2 with Alipay's private key —
// here the dev stack's or a test's stand-in key).
import crypto from 'node:crypto';
import { formatChinaTime } from '../../global/china-time';
import { formatYuan } from '../../global/money';

/** Alipay's RSA2 content to sign: every non-empty field but sign and sign_type, sorted, k=v joined by &. */
export function signContent(fields: Record<string, string>): string {
  return Object.keys(fields)
    .filter((k) => k !== 'sign' && k !== 'sign_type' && fields[k] !== '' && fields[k] !== undefined)
    .sort()
    .map((k) => `${k}=${fields[k]}`)
    .join('&');
}

/** Signs a notify (or return) the way Alipay does; adds sign_type RSA2 and sign. */
export function signAlipayNotify(fields: Record<string, string>, alipayPrivateKeyPem: string): Record<string, string> {
  const sign = crypto.createSign('RSA-SHA256').update(signContent(fields), 'utf8').sign(alipayPrivateKeyPem, 'base64');
  return { ...fields, sign_type: 'RSA2', sign };
}

export type NotifyTradeStatus = 'WAIT_BUYER_PAY' | 'TRADE_SUCCESS' | 'TRADE_FINISHED' | 'TRADE_CLOSED';

export interface NotifyOrder {
  orderSn: string;
  totalCents: number;
  appId: string;
  /** The merchant's Alipay user id (2088…); a fixed stand-in when not given. */
  sellerId?: string;
  /** Alipay's trade number; by default derived from appId and orderSn, so one order keeps one trade. */
  tradeNo?: string;
  /** Default TRADE_SUCCESS. */
  status?: NotifyTradeStatus;
  /** Epoch ms of the payment (gmt_payment); default now. */
  paidAt?: number;
  /** Default `慕学生鲜订单-<orderSn>`. */
  subject?: string;
}

export const STAND_IN_SELLER_ID = '2088102177846875';
export const STAND_IN_BUYER_ID = '2088102177840001';

/** A 28-digit trade number, the same for the same app and order (as one Alipay trade is across retries). */
export function standInTradeNo(appId: string, orderSn: string): string {
  const digest = crypto.createHash('sha256').update(`${appId}\n${orderSn}`).digest();
  let digits = '';
  for (const byte of digest) {
    if (digits.length >= 15) break;
    digits += String(byte % 10);
  }
  return `2025010122001${digits}`;
}

/**
 * The form Alipay POSTs to notify_url for a page-pay trade (before sign_type/sign are added by
 * signAlipayNotify). Paid statuses carry gmt_payment and the paid amounts; closed and finished
 * ones carry gmt_close. Every value is non-empty, as Alipay leaves empty fields out.
 */
export function notifyFields(order: NotifyOrder): Record<string, string> {
  const status = order.status ?? 'TRADE_SUCCESS';
  const paidAt = order.paidAt ?? Date.now();
  const amount = formatYuan(order.totalCents);
  const paid = status === 'TRADE_SUCCESS' || status === 'TRADE_FINISHED';
  const fields: Record<string, string> = {
    notify_id: crypto.randomBytes(16).toString('hex'),
    notify_type: 'trade_status_sync',
    notify_time: formatChinaTime(Math.max(Date.now(), paidAt)),
    charset: 'utf-8',
    version: '1.0',
    app_id: order.appId,
    auth_app_id: order.appId,
    out_trade_no: order.orderSn,
    trade_no: order.tradeNo ?? standInTradeNo(order.appId, order.orderSn),
    trade_status: status,
    total_amount: amount,
    seller_id: order.sellerId ?? STAND_IN_SELLER_ID,
    buyer_id: STAND_IN_BUYER_ID,
    buyer_logon_id: 'sbx***@sandbox.com',
    gmt_create: formatChinaTime(paidAt - 30_000),
    subject: order.subject ?? `慕学生鲜订单-${order.orderSn}`,
  };
  if (paid) {
    Object.assign(fields, {
      receipt_amount: amount,
      buyer_pay_amount: amount,
      invoice_amount: amount,
      point_amount: '0.00',
      gmt_payment: formatChinaTime(paidAt),
      fund_bill_list: JSON.stringify([{ amount, fundChannel: 'ALIPAYACCOUNT' }]),
    });
  }
  if (status === 'TRADE_CLOSED' || status === 'TRADE_FINISHED') fields.gmt_close = formatChinaTime(Math.max(Date.now(), paidAt));
  return fields;
}

export interface ReturnOrder {
  orderSn: string;
  totalCents: number;
  appId: string;
  /** Alipay's trade number; by default derived from appId and orderSn, as in notifyFields. */
  tradeNo?: string;
  sellerId?: string;
  /** Epoch ms Alipay stamps the return with; default now. */
  at?: number;
}

/**
 * The query Alipay appends to return_url when it sends the buyer back after paying (before
 * sign_type/sign are added by signAlipayNotify: the return is signed like a notify).
 */
export function returnFields(order: ReturnOrder): Record<string, string> {
  return {
    charset: 'utf-8',
    out_trade_no: order.orderSn,
    method: 'alipay.trade.page.pay.return',
    total_amount: formatYuan(order.totalCents),
    trade_no: order.tradeNo ?? standInTradeNo(order.appId, order.orderSn),
    auth_app_id: order.appId,
    version: '1.0',
    app_id: order.appId,
    seller_id: order.sellerId ?? STAND_IN_SELLER_ID,
    timestamp: formatChinaTime(order.at ?? Date.now()),
  };
}
