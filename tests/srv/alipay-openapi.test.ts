// Our Alipay OpenAPI client (trade query, close, refund) against a stand-in Alipay gateway on
// loopback that checks every request's signature with our app's public key and signs every answer;
// plus page pay's time_expire and the notify signing `npm run pay` uses.
import crypto from 'node:crypto';
import { AlipaySdk } from 'alipay-sdk';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { formatChinaTime } from '../../global/china-time';
import type { AlipayKeysConfig } from '../../src/alipay/keys';
import { notifyFields, signAlipayNotify, signContent, standInTradeNo } from '../../src/alipay/notify-form';
import { AlipayApiError, type AlipayOpenApi, createAlipayOpenApi } from '../../src/alipay/open-api';
import { createAlipayPagePay, PAGE_PAY_URL_REUSE_MS } from '../../src/alipay/page-pay';
import { type StandInAlipay, startStandInAlipay } from '../../src/stand-in-alipay/server';
import { signNotify, verifyPagePayUrl } from '../helpers/http';

const APP_ID = '2021000000000001';

function rsaPair() {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

const app = rsaPair();
const alipayKeys = rsaPair();
const stranger = rsaPair();

let standIn: StandInAlipay;
let keys: AlipayKeysConfig;
let client: AlipayOpenApi;
let seq = 0;
const nextSn = () => `2026030110203000${String(++seq).padStart(7, '0')}`;

beforeAll(async () => {
  standIn = await startStandInAlipay({ appPublicKey: app.publicKey, alipayPrivateKey: alipayKeys.privateKey, appId: APP_ID });
  keys = {
    ALIPAY_APP_ID: APP_ID,
    ALIPAY_PRIVATE_KEY: app.privateKey,
    ALIPAY_PUBLIC_KEY: alipayKeys.publicKey,
    ALIPAY_GATEWAY: standIn.url,
    ALIPAY_TIMEOUT_MS: 2000,
  };
  client = createAlipayOpenApi(keys);
});
afterAll(async () => {
  await standIn?.close();
});
beforeEach(() => {
  standIn.calls.length = 0;
});

describe('queryTrade (alipay.trade.query)', () => {
  it('when Alipay has no such trade then it answers undefined (ACQ.TRADE_NOT_EXIST)', async () => {
    const sn = nextSn();
    await expect(client.queryTrade(sn)).resolves.toBeUndefined();
    expect(standIn.calls).toHaveLength(1);
    expect(standIn.calls[0]).toMatchObject({ method: 'alipay.trade.query', bizContent: { out_trade_no: sn } });
    expect(standIn.calls[0]?.answered).toEqual({ code: '40004', subCode: 'ACQ.TRADE_NOT_EXIST' });
  });

  it('when the buyer reached the cashier but has not paid then it reports WAIT_BUYER_PAY without a payment time', async () => {
    const sn = nextSn();
    const trade = standIn.createTrade(sn, '59.80');
    expect(await client.queryTrade(sn)).toEqual({ status: 'WAIT_BUYER_PAY', tradeNo: trade.tradeNo, totalAmount: '59.80' });
  });

  it('when the trade is paid then it reports TRADE_SUCCESS with send_pay_date read as China time', async () => {
    const sn = nextSn();
    standIn.createTrade(sn, '12.34');
    const paidAt = Date.parse('2026-03-01T10:20:30+08:00');
    const trade = standIn.pay(sn, paidAt);
    expect(await client.queryTrade(sn)).toEqual({ status: 'TRADE_SUCCESS', tradeNo: trade.tradeNo, totalAmount: '12.34', paidAt });
    // The request was stamped in China time although this process runs in another zone.
    expect(process.env.TZ).toBe('America/Los_Angeles');
    const stamp = standIn.calls[0]?.params.timestamp ?? '';
    expect(Math.abs(Date.parse(`${stamp.replace(' ', 'T')}+08:00`) - Date.now())).toBeLessThan(60_000);
  });

  it('when the trade is finished then it says so', async () => {
    const sn = nextSn();
    standIn.createTrade(sn, '1.00', 'TRADE_FINISHED');
    expect(await client.queryTrade(sn)).toMatchObject({ status: 'TRADE_FINISHED', totalAmount: '1.00' });
  });
});

describe('closeTrade (alipay.trade.close)', () => {
  it('when the trade waits for payment then Alipay closes it', async () => {
    const sn = nextSn();
    standIn.createTrade(sn, '9.90');
    await expect(client.closeTrade(sn)).resolves.toBe('closed');
    expect(standIn.trades.get(sn)?.status).toBe('TRADE_CLOSED');
    expect(standIn.calls[0]).toMatchObject({ method: 'alipay.trade.close', bizContent: { out_trade_no: sn } });
  });

  it('when Alipay has no such trade then it answers not-found', async () => {
    await expect(client.closeTrade(nextSn())).resolves.toBe('not-found');
  });

  it('when the trade is already paid then it answers not-closable and the trade stays paid', async () => {
    const sn = nextSn();
    standIn.createTrade(sn, '9.90');
    standIn.pay(sn);
    await expect(client.closeTrade(sn)).resolves.toBe('not-closable');
    expect(standIn.trades.get(sn)?.status).toBe('TRADE_SUCCESS');
  });

  it('when the trade is already closed then it answers not-closable (ACQ.TRADE_STATUS_ERROR)', async () => {
    const sn = nextSn();
    standIn.createTrade(sn, '9.90', 'TRADE_CLOSED');
    await expect(client.closeTrade(sn)).resolves.toBe('not-closable');
  });
});

describe('refund (alipay.trade.refund)', () => {
  it('when a paid trade is refunded twice with the same request number then money moves once', async () => {
    const sn = nextSn();
    standIn.createTrade(sn, '12.34');
    standIn.pay(sn);
    const input = { orderSn: sn, amountCents: 1234, requestNo: `${sn}-late`, reason: '订单已超时关闭 + 退款 100% & 完成' };
    await client.refund(input);
    await client.refund(input);
    const trade = standIn.trades.get(sn);
    expect([...(trade?.refunds ?? [])]).toEqual([[`${sn}-late`, '12.34']]);
    expect(trade?.status).toBe('TRADE_CLOSED'); // a full refund closes the trade at Alipay
    expect(standIn.calls.map((c) => c.bizContent)).toEqual([
      { out_trade_no: sn, refund_amount: '12.34', out_request_no: `${sn}-late`, refund_reason: input.reason },
      { out_trade_no: sn, refund_amount: '12.34', out_request_no: `${sn}-late`, refund_reason: input.reason },
    ]);
    expect(standIn.calls.map((c) => c.answered?.code)).toEqual(['10000', '10000']);
  });

  it('when refunds would exceed the total then the one too many throws and nothing more is refunded', async () => {
    const sn = nextSn();
    standIn.createTrade(sn, '10.00');
    standIn.pay(sn);
    await client.refund({ orderSn: sn, amountCents: 600, requestNo: 'r1', reason: 'part' });
    const err = await client.refund({ orderSn: sn, amountCents: 500, requestNo: 'r2', reason: 'part' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AlipayApiError);
    expect(err).toMatchObject({ method: 'alipay.trade.refund', code: '40004', subCode: 'ACQ.REFUND_AMT_NOT_EQUAL_TOTAL' });
    expect([...(standIn.trades.get(sn)?.refunds.keys() ?? [])]).toEqual(['r1']);
    expect(standIn.trades.get(sn)?.status).toBe('TRADE_SUCCESS');
  });

  it('when the trade is unpaid then the refund throws', async () => {
    const sn = nextSn();
    standIn.createTrade(sn, '10.00');
    await expect(client.refund({ orderSn: sn, amountCents: 1000, requestNo: 'r', reason: 'x' })).rejects.toMatchObject({
      subCode: 'ACQ.TRADE_STATUS_ERROR',
    });
    expect(standIn.trades.get(sn)?.refunds.size).toBe(0);
  });

  it('when Alipay has no such trade then the refund throws', async () => {
    await expect(client.refund({ orderSn: nextSn(), amountCents: 100, requestNo: 'r', reason: 'x' })).rejects.toThrow(
      /alipay\.trade\.refund .* ACQ\.TRADE_NOT_EXIST/,
    );
  });

  it('when the amount is not a positive number of cents then nothing is sent', async () => {
    await expect(client.refund({ orderSn: nextSn(), amountCents: 0, requestNo: 'r', reason: 'x' })).rejects.toThrow(/positive/);
    expect(standIn.calls).toHaveLength(0);
  });
});

describe('failures: anything but a verified, expected answer throws', () => {
  it('when the answer carries a bad signature then it throws, even though the answer looks fine', async () => {
    const sn = nextSn();
    standIn.createTrade(sn, '1.00');
    standIn.pay(sn);
    standIn.failNext('alipay.trade.query', 'bad-sign');
    await expect(client.queryTrade(sn)).rejects.toThrow(/alipay\.trade\.query .*does not verify with Alipay's public key/);
    // The next answer is signed properly again.
    await expect(client.queryTrade(sn)).resolves.toMatchObject({ status: 'TRADE_SUCCESS' });
  });

  it('when the answer is signed by someone other than Alipay then it throws', async () => {
    const trusting = createAlipayOpenApi({ ...keys, ALIPAY_PUBLIC_KEY: stranger.publicKey });
    await expect(trusting.queryTrade(nextSn())).rejects.toThrow(/does not verify/);
    await expect(trusting.closeTrade(nextSn())).rejects.toThrow(/does not verify/);
  });

  it('when Alipay answers HTTP 500 then it throws and the trade is untouched', async () => {
    const sn = nextSn();
    standIn.createTrade(sn, '1.00');
    standIn.failNext('alipay.trade.close', 'http500');
    await expect(client.closeTrade(sn)).rejects.toThrow(/alipay\.trade\.close .*HTTP error \(500\)/);
    expect(standIn.trades.get(sn)?.status).toBe('WAIT_BUYER_PAY');
  });

  it('when Alipay does not answer within the timeout then it throws', async () => {
    const impatient = createAlipayOpenApi(keys, { timeoutMs: 300 });
    standIn.failNext('alipay.trade.query', 'hang');
    const started = Date.now();
    await expect(impatient.queryTrade(nextSn())).rejects.toThrow(/alipay\.trade\.query .*request failed/);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('when nothing listens at the gateway then it throws', async () => {
    const nowhere = createAlipayOpenApi({ ...keys, ALIPAY_GATEWAY: 'http://127.0.0.1:9/gateway.do' });
    await expect(nowhere.queryTrade(nextSn())).rejects.toThrow(/request failed/);
  });

  it('when the request is signed with another app key then Alipay refuses it (isv.invalid-signature) and it throws', async () => {
    const sn = nextSn();
    standIn.createTrade(sn, '1.00');
    const impostor = createAlipayOpenApi({ ...keys, ALIPAY_PRIVATE_KEY: stranger.privateKey });
    const err = await impostor.closeTrade(sn).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AlipayApiError);
    expect(err).toMatchObject({ code: '40002', subCode: 'isv.invalid-signature' });
    expect(standIn.trades.get(sn)?.status).toBe('WAIT_BUYER_PAY');
    expect(String((err as Error).message)).not.toMatch(/PRIVATE KEY/);
  });

  it('when the app id is not ours then Alipay refuses it (isv.invalid-app-id) and it throws', async () => {
    const other = createAlipayOpenApi({ ...keys, ALIPAY_APP_ID: '2021000000009999' });
    await expect(other.queryTrade(nextSn())).rejects.toMatchObject({ subCode: 'isv.invalid-app-id' });
  });

  it('the stand-in answers like Alipay to the SDK used bare: local-time timestamps and unknown methods are refused', async () => {
    const sdk = new AlipaySdk({
      appId: APP_ID,
      privateKey: app.privateKey,
      alipayPublicKey: alipayKeys.publicKey,
      keyType: 'PKCS8',
      gateway: standIn.url,
      camelcase: false,
    });
    // The SDK stamps process-local time (this process runs in Los Angeles): hours away from China's.
    const stale = await sdk.exec('alipay.trade.query', { bizContent: { out_trade_no: 'x' } }, { validateSign: true });
    expect(stale).toMatchObject({ code: '40002', sub_code: 'isv.invalid-timestamp' });
    const unknown = await sdk.exec(
      'alipay.trade.nonsense',
      { bizContent: { out_trade_no: 'x' }, timestamp: formatChinaTime(Date.now()) },
      { validateSign: false },
    );
    expect(unknown).toMatchObject({ code: '40002', sub_code: 'isv.invalid-method' });
  });
});

describe('page pay and notify signing', () => {
  const pagePayConfig = () => ({
    ...keys,
    ALIPAY_NOTIFY_URL: 'http://127.0.0.1:8023/o/v1/pay/alipay/notify',
    ALIPAY_RETURN_URL: 'http://127.0.0.1:8080/pay/return',
    ALIPAY_SUBJECT_PREFIX: '慕学生鲜订单-',
  });

  it('when the order has a close time then the page-pay URL carries time_expire in China time, signed', () => {
    const alipay = createAlipayPagePay(pagePayConfig());
    const expiresAt = Date.parse('2026-03-01T10:29:00+08:00');
    const url = alipay.pagePayUrl({ orderSn: 'SN1', totalCents: 5980, expiresAt }, Date.now());
    const params = new URL(url).searchParams;
    const biz = JSON.parse(params.get('biz_content') ?? '{}') as Record<string, string>;
    expect(biz).toMatchObject({ out_trade_no: 'SN1', total_amount: '59.80', time_expire: '2026-03-01 10:29:00' });
    expect(verifyPagePayUrl(url, app.publicKey)).toBe(true);
    expect(
      JSON.parse(new URL(alipay.pagePayUrl({ orderSn: 'SN1', totalCents: 5980 }, Date.now())).searchParams.get('biz_content') ?? '{}'),
    ).not.toHaveProperty('time_expire');
  });

  it('when page pay is given the time then the request is stamped with it in China time, not with the process clock', () => {
    const alipay = createAlipayPagePay(pagePayConfig());
    const url = alipay.pagePayUrl({ orderSn: 'SN4', totalCents: 100 }, Date.parse('2020-01-02T03:04:05+08:00'));
    expect(new URL(url).searchParams.get('timestamp')).toBe('2020-01-02 03:04:05');
    expect(verifyPagePayUrl(url, app.publicKey)).toBe(true);
  });

  it('when the same order asks again within a minute then its signed URL is reused, and a new amount, expiry or minute signs anew', () => {
    const alipay = createAlipayPagePay(pagePayConfig());
    const at = Date.parse('2026-03-01T10:00:00+08:00');
    const order = { orderSn: 'SN5', totalCents: 990, expiresAt: at + 30 * 60_000 };
    const first = alipay.pagePayUrl(order, at);
    const stampOf = (url: string) => new URL(url).searchParams.get('timestamp');
    expect(alipay.pagePayUrl(order, at + PAGE_PAY_URL_REUSE_MS - 1)).toBe(first);
    const later = alipay.pagePayUrl(order, at + PAGE_PAY_URL_REUSE_MS);
    expect(stampOf(later)).toBe('2026-03-01 10:01:00');
    const otherAmount = alipay.pagePayUrl({ ...order, totalCents: 991 }, at);
    expect(JSON.parse(new URL(otherAmount).searchParams.get('biz_content') ?? '{}')).toMatchObject({ total_amount: '9.91' });
    const otherExpiry = alipay.pagePayUrl({ ...order, expiresAt: order.expiresAt - 60_000 }, at);
    expect(JSON.parse(new URL(otherExpiry).searchParams.get('biz_content') ?? '{}')).toMatchObject({ time_expire: '2026-03-01 10:29:00' });
    // A clock that went back never gets a URL stamped in its future.
    expect(stampOf(alipay.pagePayUrl(order, at - 1000))).toBe('2026-03-01 09:59:59');
    for (const url of [first, later, otherAmount, otherExpiry]) expect(verifyPagePayUrl(url, app.publicKey)).toBe(true);
  });

  it('when a notify is signed with the stand-in Alipay key then verifyNotify accepts it, through form encoding and back', () => {
    const alipay = createAlipayPagePay(pagePayConfig());
    const fields = notifyFields({ orderSn: 'SN2', totalCents: 1234, appId: APP_ID, subject: '鲜果 100% + 坚果 & 牛奶=好' });
    const signed = signAlipayNotify(fields, alipayKeys.privateKey);
    expect(alipay.verifyNotify(signed)).toBe(true);
    const received = Object.fromEntries(new URLSearchParams(new URLSearchParams(signed).toString()));
    expect(received).toEqual(signed);
    expect(alipay.verifyNotify(received)).toBe(true);
    expect(alipay.verifyReturn(received)).toBe(true);
    expect(alipay.verifyNotify({ ...received, total_amount: '0.01' })).toBe(false);
    expect(alipay.verifyNotify(signAlipayNotify(fields, stranger.privateKey))).toBe(false);
    // Alipay leaves empty fields out of what it signs; one arriving empty changes nothing.
    expect(alipay.verifyNotify({ ...received, passback_params: '' })).toBe(true);
    // The helper the e2e tests use is the same function.
    expect(signNotify(fields, alipayKeys.privateKey)).toEqual(signed);
    expect(signContent({ b: '2', a: '1', sign: 's', sign_type: 'RSA2', c: '' })).toBe('a=1&b=2');
  });

  it('notifyFields builds what Alipay sends for each status', () => {
    const paidAt = Date.parse('2026-03-01T10:20:30+08:00');
    const paid = notifyFields({ orderSn: 'SN3', totalCents: 5, appId: APP_ID, paidAt, sellerId: '2088000000000001' });
    expect(paid).toMatchObject({
      notify_type: 'trade_status_sync',
      charset: 'utf-8',
      version: '1.0',
      app_id: APP_ID,
      out_trade_no: 'SN3',
      trade_no: standInTradeNo(APP_ID, 'SN3'),
      trade_status: 'TRADE_SUCCESS',
      total_amount: '0.05',
      receipt_amount: '0.05',
      buyer_pay_amount: '0.05',
      seller_id: '2088000000000001',
      gmt_payment: '2026-03-01 10:20:30',
      gmt_create: '2026-03-01 10:20:00',
      subject: '慕学生鲜订单-SN3',
    });
    expect(paid.trade_no).toMatch(/^\d{28}$/);
    expect(Object.values(paid).every((v) => v !== '')).toBe(true);
    const closed = notifyFields({ orderSn: 'SN3', totalCents: 5, appId: APP_ID, status: 'TRADE_CLOSED' });
    expect(closed).not.toHaveProperty('gmt_payment');
    expect(closed).toHaveProperty('gmt_close');
    expect(notifyFields({ orderSn: 'SN3', totalCents: 5, appId: APP_ID }).notify_id).not.toBe(paid.notify_id);
  });
});

describe('the stand-in gateway echoes nothing a browser would run', () => {
  const MARKUP = '<img src=x onerror=alert(1)>';

  it('when a request carries markup in its method and fields then the text/html answer holds it only as JSON escapes, and forbids scripts', async () => {
    const url = new URL(standIn.url);
    url.search = new URLSearchParams({ method: MARKUP, app_id: APP_ID, sign: 'x', sign_type: 'RSA2', x: '</script>&' }).toString();
    const res = await fetch(url);
    const body = await res.text();
    expect(res.headers.get('content-type')).toBe('text/html;charset=utf-8'); // as Alipay labels its answers
    expect(res.headers.get('content-security-policy')).toBe("default-src 'none'; frame-ancestors 'none'");
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(body).not.toMatch(/[<>]/);
    expect(body).toContain('\\u003cimg src=x onerror=alert(1)\\u003e');
    // Still the same JSON: the escaped text parses back to what was sent.
    expect(JSON.stringify(JSON.parse(body))).toContain('<img src=x onerror=alert(1)>');
  });

  it('when page pay is refused then the cashier page shows the request escaped and forbids scripts', async () => {
    const url = new URL(standIn.url);
    url.search = new URLSearchParams({
      method: 'alipay.trade.page.pay',
      app_id: APP_ID,
      sign: 'x',
      sign_type: 'RSA2',
      m: MARKUP,
    }).toString();
    const res = await fetch(url);
    const body = await res.text();
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('content-security-policy')).toMatch(/^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/]+=*'; base-uri 'none'/);
    expect(body).toContain('isv.invalid-signature');
    expect(body).not.toContain(MARKUP);
    expect(body).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });
});
