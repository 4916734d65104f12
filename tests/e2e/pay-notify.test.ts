// Alipay's async notify: verified with RSA2 over the form as received, recorded through
// UpdateOrderStatus, answered `success` only when recorded (CONTRACT §3).
import request from 'supertest';
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, signNotify } from '../helpers/http';
import { startStack, testKeys, TEST_APP_ID, type Stack } from '../helpers/stack';

let stack: Stack;
let nextUser = 5000;
beforeAll(async () => {
  stack = await startStack();
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
    seller_id: '2088000000000001',
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
    const forgedKey = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const res = await post(signNotify(notifyFields(order.orderSn, order.total), forgedKey));
    expect(res.text).not.toBe('success');
    expect(await statusOf(order.token, order.id)).toMatchObject({ status: 'WAIT_BUYER_PAY' });
  });

  it('when a field is changed after signing or the sign is missing then it answers fail and nothing changes', async () => {
    const order = await unpaidOrder();
    const signed = signNotify(notifyFields(order.orderSn, order.total), testKeys().alipay.privateKey);
    expect((await post({ ...signed, total_amount: '0.01' })).text).not.toBe('success');
    const { sign: _sign, ...unsigned } = signed;
    expect((await post(unsigned)).text).not.toBe('success');
    expect(await statusOf(order.token, order.id)).toMatchObject({ status: 'WAIT_BUYER_PAY' });
  });

  it('when the trade is only created (WAIT_BUYER_PAY) then it answers success and records nothing', async () => {
    const order = await unpaidOrder();
    const res = await post(signNotify(notifyFields(order.orderSn, order.total, 'WAIT_BUYER_PAY'), testKeys().alipay.privateKey));
    expect(res.text).toBe('success');
    expect(await statusOf(order.token, order.id)).toMatchObject({ status: 'WAIT_BUYER_PAY' });
  });

  it('when the order number is unknown then it answers fail', async () => {
    const res = await post(signNotify(notifyFields('20990101000000000999999', '1.00'), testKeys().alipay.privateKey));
    expect(res.text).not.toBe('success');
  });
});
