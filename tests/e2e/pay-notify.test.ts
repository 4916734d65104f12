// Alipay's async notify: verified with RSA2 over the form as received, recorded through
// UpdateOrderStatus, answered `success` only when recorded (CONTRACT §3).

import crypto from 'node:crypto';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, signNotify } from '../helpers/http';
import { type Stack, startStack, TEST_APP_ID, testKeys } from '../helpers/stack';

let stack: Stack;
let nextUser = 5000;
const SELLER_ID = '2088000000000001';

beforeAll(async () => {
  stack = await startStack({ gateway: { ALIPAY_SELLER_ID: SELLER_ID } });
});
afterAll(async () => {
  await stack?.stop();
});

async function unpaidOrder() {
  const userId = nextUser++;
  const token = stack.token(userId);
  await api(stack.app, token).post('/o/v1/shopcarts').send({ goods: 20, nums: 2 }).expect(200);
  const { body } = await api(stack.app, token)
    .post('/o/v1/orders')
    .send({ address: '杭州市西湖区', name: '王五', mobile: '13700137000', post: '周末送' })
    .expect(200);
  const detail = await api(stack.app, token).get(`/o/v1/orders/${body.id}`);
  return { token, id: body.id as number, orderSn: body.order_sn as string, total: (detail.body.total as number).toFixed(2) };
}

function notifyFields(orderSn: string, total: string, status = 'TRADE_SUCCESS'): Record<string, string> {
  return {
    notify_id: crypto.randomUUID(),
    notify_type: 'trade_status_sync',
    notify_time: '2026-11-24 10:00:05',
    charset: 'utf-8',
    version: '1.0',
    app_id: TEST_APP_ID,
    out_trade_no: orderSn,
    trade_no: `2026112422001${Math.floor(Math.random() * 1e9)}`,
    trade_status: status,
    total_amount: total,
    seller_id: SELLER_ID,
    gmt_payment: '2026-11-24 10:00:00',
    subject: `慕学生鲜订单-${orderSn}`,
    body: '含 % 与 + 的说明 a&b=c',
  };
}

const post = (form: Record<string, string>) =>
  request(stack.app).post('/o/v1/pay/alipay/notify').type('form').send(new URLSearchParams(form).toString());

const statusOf = async (token: string, id: number) => (await api(stack.app, token).get(`/o/v1/orders/${id}`)).body;

describe('POST /o/v1/pay/alipay/notify', () => {
  it('when Alipay reports TRADE_SUCCESS with a valid signature then the order is paid, alipay_url is gone and the answer is exactly success', async () => {
    const order = await unpaidOrder();
    const res = await post(signNotify(notifyFields(order.orderSn, order.total), testKeys().alipay.privateKey));
    expect(res.status).toBe(200);
    expect(res.text).toBe('success');
    expect(await statusOf(order.token, order.id)).toMatchObject({ status: 'TRADE_SUCCESS', alipay_url: null });
  });

  it('when the same notify arrives again then it answers success and nothing moves', async () => {
    const order = await unpaidOrder();
    const form = signNotify(notifyFields(order.orderSn, order.total), testKeys().alipay.privateKey);
    for (let i = 0; i < 3; i++) expect((await post(form)).text).toBe('success');
    expect(await statusOf(order.token, order.id)).toMatchObject({ status: 'TRADE_SUCCESS' });
  });

  it('when TRADE_FINISHED follows then the order moves forward, and a late TRADE_SUCCESS does not move it back', async () => {
    const order = await unpaidOrder();
    const key = testKeys().alipay.privateKey;
    expect((await post(signNotify(notifyFields(order.orderSn, order.total), key))).text).toBe('success');
    expect((await post(signNotify(notifyFields(order.orderSn, order.total, 'TRADE_FINISHED'), key))).text).toBe('success');
    expect((await post(signNotify(notifyFields(order.orderSn, order.total), key))).text).toBe('success');
    expect(await statusOf(order.token, order.id)).toMatchObject({ status: 'TRADE_FINISHED' });
  });

  it('when the notify is signed with another key then it answers fail and nothing changes', async () => {
    const order = await unpaidOrder();
    const forgedKey = crypto
      .generateKeyPairSync('rsa', { modulusLength: 2048 })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();
    const res = await post(signNotify(notifyFields(order.orderSn, order.total), forgedKey));
    expect(res.text).not.toBe('success');
    expect(await statusOf(order.token, order.id)).toMatchObject({ status: 'paying' });
  });

  it('when a field is changed after signing or the sign is missing then it answers fail and nothing changes', async () => {
    const order = await unpaidOrder();
    const signed = signNotify(notifyFields(order.orderSn, order.total), testKeys().alipay.privateKey);
    expect((await post({ ...signed, total_amount: '0.01' })).text).not.toBe('success');
    const { sign: _sign, ...unsigned } = signed;
    expect((await post(unsigned)).text).not.toBe('success');
    expect(await statusOf(order.token, order.id)).toMatchObject({ status: 'paying' });
  });

  it('when the trade is only created (WAIT_BUYER_PAY) then it answers success and records nothing', async () => {
    const order = await unpaidOrder();
    const res = await post(signNotify(notifyFields(order.orderSn, order.total, 'WAIT_BUYER_PAY'), testKeys().alipay.privateKey));
    expect(res.text).toBe('success');
    expect(await statusOf(order.token, order.id)).toMatchObject({ status: 'paying' });
  });

  it('when the order number is unknown then it answers fail', async () => {
    const res = await post(signNotify(notifyFields('20990101000000000999999', '1.00'), testKeys().alipay.privateKey));
    expect(res.text).not.toBe('success');
  });

  it.each<[string, Record<string, string>]>([
    ['another app', { app_id: '2021999999999999' }],
    ['another seller', { seller_id: '2088999999999999' }],
    ['a different amount', { total_amount: '0.01' }],
    ['an amount with 3 decimals', { total_amount: 'X' }],
    ['no out_trade_no', { out_trade_no: '' }],
    ['an unknown trade_status', { trade_status: 'TRADE_PENDING' }],
  ])('when a validly signed notify names %s then it answers fail and nothing changes', async (_case, change) => {
    const order = await unpaidOrder();
    const fields = { ...notifyFields(order.orderSn, order.total), ...change };
    if (change.total_amount === 'X') fields.total_amount = `${order.total}1`;
    const res = await post(signNotify(fields, testKeys().alipay.privateKey));
    expect(res.text).toBe('fail');
    expect(await statusOf(order.token, order.id)).toMatchObject({ status: 'paying' });
  });

  it('when the amount is written with one decimal but equals the total then it is paid', async () => {
    const order = await unpaidOrder();
    const oneDecimal = String(Number(order.total)); // "119.6" for "119.60"
    const res = await post(signNotify(notifyFields(order.orderSn, oneDecimal), testKeys().alipay.privateKey));
    expect(res.text).toBe('success');
    expect(await statusOf(order.token, order.id)).toMatchObject({ status: 'TRADE_SUCCESS' });
  });

  it('when a storm of the same notify arrives concurrently and out of order then one transition happens and every answer is success', async () => {
    const order = await unpaidOrder();
    const key = testKeys().alipay.privateKey;
    const success = signNotify(notifyFields(order.orderSn, order.total), key);
    const finished = signNotify(notifyFields(order.orderSn, order.total, 'TRADE_FINISHED'), key);
    const storm = Array.from({ length: 24 }, (_, i) => post(i % 6 === 5 ? finished : success));
    const answers = await Promise.all(storm);
    expect(new Set(answers.map((r) => `${r.status} ${r.text}`))).toEqual(new Set(['200 success']));
    expect(await statusOf(order.token, order.id)).toMatchObject({ status: 'TRADE_FINISHED', alipay_url: null });
    const rows = await stack.query<{ trade_no: string; pay_time: number }>(
      'order',
      'SELECT trade_no, pay_time FROM order_info WHERE order_sn = ?',
      [order.orderSn],
    );
    expect(rows[0]?.trade_no).toMatch(/^2026112422001\d+$/);
    expect(Number(rows[0]?.pay_time)).toBe(Math.floor(Date.parse('2026-11-24T10:00:00+08:00') / 1000));
  });

  it('when Alipay reports TRADE_CLOSED for an unpaid order then it closes and its stock returns; for a paid order nothing changes', async () => {
    const key = testKeys().alipay.privateKey;
    const unpaid = await unpaidOrder();
    const stock = (await stack.srv.inventory.InvDetail({ goodsId: 20 })).num;
    expect((await post(signNotify(notifyFields(unpaid.orderSn, unpaid.total, 'TRADE_CLOSED'), key))).text).toBe('success');
    await stack.tick(); // the stock return goes out after the answer, in the relay's order
    expect(await statusOf(unpaid.token, unpaid.id)).toMatchObject({ status: 'TRADE_CLOSED' });
    expect((await stack.srv.inventory.InvDetail({ goodsId: 20 })).num).toBe(stock + 2);

    const paid = await unpaidOrder();
    await post(signNotify(notifyFields(paid.orderSn, paid.total), key)).expect(200);
    expect((await post(signNotify(notifyFields(paid.orderSn, paid.total, 'TRADE_CLOSED'), key))).text).toBe('success');
    expect(await statusOf(paid.token, paid.id)).toMatchObject({ status: 'TRADE_SUCCESS' });
  });

  it('when a payment arrives for an order already closed then it is acknowledged, recorded for refund, and the order and stock stay as they are', async () => {
    const order = await unpaidOrder();
    await api(stack.app, order.token).delete(`/o/v1/orders/${order.id}`).expect(200);
    await stack.tick(); // the stock return goes out after the answer, in the relay's order
    const stock = (await stack.srv.inventory.InvDetail({ goodsId: 20 })).num;
    const before = stack.srvs.order.counters.latePayments;
    const form = signNotify(notifyFields(order.orderSn, order.total), testKeys().alipay.privateKey);
    for (let i = 0; i < 3; i++) expect((await post(form)).text).toBe('success');
    expect(await statusOf(order.token, order.id)).toMatchObject({ status: 'TRADE_CLOSED', alipay_url: null });
    expect((await stack.srv.inventory.InvDetail({ goodsId: 20 })).num).toBe(stock);
    const late = await stack.query('order', 'SELECT * FROM late_payment WHERE order_sn = ?', [order.orderSn]);
    expect(late).toEqual([
      expect.objectContaining({
        order_sn: order.orderSn,
        trade_no: form.trade_no,
        refund_state: 'manual', // this stack's order srv has no Alipay keys to refund with
      }),
    ]);
    expect(Number((late[0] as { amount_cents: number }).amount_cents)).toBe(Math.round(Number(order.total) * 100));
    expect(stack.srvs.order.counters.latePayments).toBe(before + 1);
  });
});
