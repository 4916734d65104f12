// The stand-in Alipay's cashier, and Swagger UI, in a real headless Chromium: what a developer on the dev stack without
// a real Alipay app sees opening an order's alipay_url. The gateway listens on a real port (the
// cashier POSTs the notify to it and sends the browser back through its return route), in front of
// the real srvs; the return route redirects to the stand-in's pay-result page, as on the dev stack.
// Screenshots go to a temp dir, or to SCREENSHOT_DIR (`npm run screenshots` refreshes the README's).
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mountedRoutes, openApiPath } from '../../middlewares/mounted-routes';
import { type StandInAlipay, startStandInAlipay } from '../../src/stand-in-alipay/server';
import { launchChromium } from '../helpers/browser';
import { createTestClock } from '../helpers/clock';
import { api } from '../helpers/http';
import { makeTempDir, type Stack, startStack, TEST_APP_ID, testKeys } from '../helpers/stack';

const form = { address: '杭州市西湖区', name: '孙九', mobile: '13700137000', post: '门卫' };
const screenshotDir = process.env.SCREENSHOT_DIR || makeTempDir('cashier-screens-');

let stack: Stack;
let standIn: StandInAlipay;
let server: http.Server;
let base: string;
let browser: Browser;
let nextUser = 70_000;

beforeAll(async () => {
  const keys = testKeys();
  const clock = createTestClock();
  server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  standIn = await startStandInAlipay({
    appPublicKey: keys.app.publicKey,
    alipayPrivateKey: keys.alipay.privateKey,
    appId: TEST_APP_ID,
    now: clock.now,
    docsUrl: `${base}/docs`,
  });
  stack = await startStack({
    clock,
    gateway: {
      ALIPAY_GATEWAY: standIn.url,
      ALIPAY_NOTIFY_URL: `${base}/o/v1/pay/alipay/notify`,
      ALIPAY_RETURN_URL: `${base}/o/v1/pay/alipay/return`,
      PAY_RESULT_URL: standIn.payResultUrl,
    },
    order: {
      ALIPAY_APP_ID: TEST_APP_ID,
      ALIPAY_PRIVATE_KEY: keys.app.privateKey,
      ALIPAY_PUBLIC_KEY: keys.alipay.publicKey,
      ALIPAY_GATEWAY: standIn.url,
    },
  });
  server.on('request', stack.app);
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  await stack?.stop();
  await standIn?.close();
});

interface Placed {
  token: string;
  id: number;
  orderSn: string;
  alipayUrl: string;
  /** The order's total as the gateway shows it, yuan with 2 decimals. */
  amount: string;
}

async function placeOrder(goodsId: number, nums: number): Promise<Placed> {
  const token = stack.token(nextUser++);
  await api(stack.app, token).post('/o/v1/shopcarts').send({ goods: goodsId, nums }).expect(200);
  const created = (await api(stack.app, token).post('/o/v1/orders').send(form).expect(200)).body;
  const detail = (await api(stack.app, token).get(`/o/v1/orders/${created.id}`).expect(200)).body;
  return { token, id: created.id, orderSn: created.order_sn, alipayUrl: created.alipay_url, amount: Number(detail.total).toFixed(2) };
}

async function orderStatus(o: Placed): Promise<string> {
  return (await api(stack.app, o.token).get(`/o/v1/orders/${o.id}`).expect(200)).body.status;
}

/** A fresh page; whatever it shows, the browser must not have refused anything under a Content-Security-Policy. */
async function withPage<T>(use: (page: Page) => Promise<T>): Promise<T> {
  const page = await browser.newPage({ viewport: { width: 900, height: 460 } });
  const refused: string[] = [];
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) refused.push(message.text());
  });
  try {
    const result = await use(page);
    expect(refused).toEqual([]);
    return result;
  } finally {
    await page.close();
  }
}

async function screenshot(page: Page, name: string): Promise<void> {
  const file = path.join(screenshotDir, name);
  fs.mkdirSync(screenshotDir, { recursive: true });
  await page.screenshot({ path: file });
  expect(fs.statSync(file).size).toBeGreaterThan(1000);
}

describe('the stand-in cashier in a browser', () => {
  it('when the buyer opens alipay_url and pays then the cashier showed the order, the browser lands on the pay-result page saying paid with the amount and a link to the docs, and the order is TRADE_SUCCESS', async () => {
    const o = await placeOrder(3, 2);
    expect(o.alipayUrl.startsWith(standIn.url)).toBe(true);
    await withPage(async (page) => {
      const opened = await page.goto(o.alipayUrl);
      expect(opened?.status()).toBe(200);
      expect(opened?.headers()['content-security-policy']).toMatch(/^default-src 'none'; style-src 'sha256-/);
      // Its own style sheet is allowed by its hash: the header is Alipay blue.
      expect(
        await page.$eval(
          'header',
          (h) =>
            (globalThis as unknown as { getComputedStyle(e: unknown): { backgroundColor: string } }).getComputedStyle(h).backgroundColor,
        ),
      ).toBe('rgb(22, 119, 255)');
      expect(await page.textContent('#order-sn')).toBe(o.orderSn);
      expect(await page.textContent('#amount')).toBe(o.amount);
      expect(await page.textContent('#subject')).toBe(`慕学生鲜订单-${o.orderSn}`);
      await screenshot(page, 'cashier.png');

      const [landed] = await Promise.all([page.waitForResponse((r) => r.url().startsWith(standIn.payResultUrl)), page.click('#pay')]);
      expect(page.url()).toBe(`${standIn.payResultUrl}?order_sn=${o.orderSn}&paid=true`);
      expect(landed.status()).toBe(200);
      expect(landed.headers()['content-security-policy']).toContain("default-src 'none'");
      expect(await page.textContent('#order-sn')).toBe(o.orderSn);
      expect(await page.textContent('#amount')).toBe(o.amount);
      expect(await page.getAttribute('#paid', 'data-paid')).toBe('true');
      expect(await page.textContent('#paid')).toContain('paid');
      // Its style is allowed by the CSP: the verdict is green, not the default black.
      const colour = await page
        .locator('#paid b')
        .evaluate((b) => (globalThis as unknown as { getComputedStyle(e: unknown): { color: string } }).getComputedStyle(b).color);
      expect(colour).toBe('rgb(56, 158, 13)');
      await screenshot(page, 'cashier-return.png');
      await Promise.all([page.waitForURL(`${base}/docs**`), page.click('#docs')]);
      await page.waitForSelector('.opblock');
    });
    expect(await orderStatus(o)).toBe('TRADE_SUCCESS');
    expect(standIn.trades.get(o.orderSn)?.status).toBe('TRADE_SUCCESS');
  });

  it('when the buyer pays a wrong amount then the gateway refuses the notify, the order stays unpaid, and the cashier can still be paid', async () => {
    const o = await placeOrder(4, 1);
    await withPage(async (page) => {
      await page.goto(o.alipayUrl);
      await page.click('#pay-wrong-amount');
      expect(await page.textContent('#wrong-amount')).toBe(`¥ ${(Number(o.amount) + 0.01).toFixed(2)}`);
      expect(await page.textContent('#notify-answer')).toBe('HTTP 200 fail');
      expect(await orderStatus(o)).toBe('paying');
      expect(standIn.trades.get(o.orderSn)?.status).toBe('WAIT_BUYER_PAY');

      await page.click('text=Back to the cashier');
      await Promise.all([page.waitForURL(`${standIn.payResultUrl}?**`), page.click('#pay')]);
      expect(await page.getAttribute('#paid', 'data-paid')).toBe('true');
    });
    expect(await orderStatus(o)).toBe('TRADE_SUCCESS');
  });

  it('when the pay-result page is opened with markup in its query then it shows the text as text, runs nothing, and says not paid', async () => {
    const hostile = '<img src=x onerror="document.title=1"><script>document.title=2</script>';
    await withPage(async (page) => {
      const errors: string[] = [];
      page.on('pageerror', (err) => errors.push(err.message));
      const url = `${standIn.payResultUrl}?${new URLSearchParams({ order_sn: hostile, paid: 'maybe' })}`;
      expect((await page.goto(url))?.status()).toBe(200);
      expect(await page.textContent('#order-sn')).toBe(hostile);
      expect(await page.locator('img, script').count()).toBe(0);
      expect(await page.title()).toBe('支付结果');
      expect(await page.textContent('#amount')).toBe('—'); // no such trade
      expect(await page.getAttribute('#paid', 'data-paid')).toBe('false');
      expect(await page.textContent('#paid')).toContain('not paid');
      expect(errors).toEqual([]);
    });
  });

  it('when the URL was changed after signing then the cashier refuses it with a page naming the signature, and opens no trade', async () => {
    const o = await placeOrder(5, 1);
    const tampered = new URL(o.alipayUrl);
    const biz = JSON.parse(tampered.searchParams.get('biz_content') ?? '{}');
    tampered.searchParams.set('biz_content', JSON.stringify({ ...biz, total_amount: '0.01' }));
    await withPage(async (page) => {
      const opened = await page.goto(tampered.toString());
      expect(opened?.status()).toBe(400);
      expect(await page.textContent('#refused')).toContain('request refused');
      expect(await page.textContent('#sub-code')).toBe('isv.invalid-signature');
      expect(await page.locator('#pay').count()).toBe(0);
    });
    expect(standIn.trades.has(o.orderSn)).toBe(false);
    expect(await orderStatus(o)).toBe('paying');
  });

  it('when the buyer closes the trade then Alipay-style TRADE_CLOSED reaches the gateway and the order closes', async () => {
    const o = await placeOrder(6, 1);
    await withPage(async (page) => {
      await page.goto(o.alipayUrl);
      await page.click('#close');
      expect(await page.textContent('#trade-status')).toBe('交易已关闭');
      expect(await page.textContent('#notify-answer')).toBe('HTTP 200 success');
      // Opening the URL again shows the closed trade, not a cashier.
      const again = await page.goto(o.alipayUrl);
      expect(again?.status()).toBe(409);
      expect(await page.locator('#pay').count()).toBe(0);
    });
    expect(await orderStatus(o)).toBe('TRADE_CLOSED');
    expect(standIn.trades.get(o.orderSn)?.status).toBe('TRADE_CLOSED');
  });
});

describe('Swagger UI in a browser', () => {
  it('when /docs is opened then Swagger UI renders every mounted route from /openapi.json, loading nothing from outside the gateway', async () => {
    const mounted = new Set(mountedRoutes(stack.app).map((r) => `${r.method.toUpperCase()} ${openApiPath(r.path)}`));
    const foreign: string[] = [];
    const shown = await withPage(async (page) => {
      await page.setViewportSize({ width: 1100, height: 900 });
      page.on('request', (req) => {
        if (!req.url().startsWith(base) && !req.url().startsWith('data:')) foreign.push(req.url());
      });
      const opened = await page.goto(`${base}/docs`);
      expect(opened?.headers()['content-security-policy']).toMatch(/^default-src 'none'; script-src 'self'/);
      await page.waitForSelector('.opblock-summary');
      await screenshot(page, 'swagger-ui.png');
      return page.$$eval('.opblock-summary', (blocks) =>
        blocks.map((b) => {
          const method = b.querySelector('.opblock-summary-method')?.textContent?.trim() ?? '';
          const route = b.querySelector('.opblock-summary-path')?.getAttribute('data-path') ?? '';
          return `${method} ${route}`;
        }),
      );
    });
    expect(new Set(shown)).toEqual(mounted);
    expect(foreign).toEqual([]);
  });
});
