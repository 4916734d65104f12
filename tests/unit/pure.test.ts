// Table tests for the small pure parts: money, China time, order numbers, statuses, shapes.
import { describe, expect, it } from 'vitest';
import { formatChinaTime, parseChinaTime } from '../../global/china-time';
import { centsToYuan, formatYuan, roundYuan, yuanToCents } from '../../global/money';
import { isOrderStatus, isPaid, isUnpaid, predecessorsOf } from '../../global/order-status';
import { cartItemView, orderDetailView, orderView } from '../../routes/shapes';
import { createOrderSnGenerator } from '../../src/srv/order/order-sn';

const f32 = (n: number) => Math.fround(n);

describe('money', () => {
  it.each([
    [f32(59.8), 5980, 59.8],
    [f32(0.1), 10, 0.1],
    [f32(12.35), 1235, 12.35],
    [f32(99999.99), 9999999, 99999.99],
    [0, 0, 0],
  ])('when the wire says %f then it is %i cents and %f yuan', (wire, cents, yuan) => {
    expect(yuanToCents(wire)).toBe(cents);
    expect(roundYuan(wire)).toBe(yuan);
    expect(centsToYuan(cents)).toBe(yuan);
  });

  it.each([
    [5980, '59.80'],
    [1, '0.01'],
    [100, '1.00'],
    [123456, '1234.56'],
  ])('when %i cents go to Alipay then total_amount is %s', (cents, text) => {
    expect(formatYuan(cents)).toBe(text);
  });
});

describe('China time', () => {
  it.each([
    [Date.UTC(2026, 10, 24, 2, 0, 5), '2026-11-24 10:00:05'],
    [Date.UTC(2026, 11, 31, 16, 30, 0), '2027-01-01 00:30:00'],
  ])('when %i is formatted then it reads %s, and parses back', (ms, text) => {
    expect(formatChinaTime(ms)).toBe(text);
    expect(parseChinaTime(text)).toBe(ms);
  });

  it.each(['', '2026-11-24', '2026-11-24T10:00:05', '2026-13-45 99:99:99', 'yesterday'])(
    'when %j is parsed then it is undefined',
    (text) => {
      expect(parseChinaTime(text)).toBeUndefined();
    },
  );
});

describe('order numbers', () => {
  it('when many are issued within one millisecond then they are unique, fixed length and ordered', () => {
    const gen = createOrderSnGenerator({ node: 7, now: () => Date.UTC(2026, 10, 24, 3, 4, 5, 678) });
    const sns = Array.from({ length: 25_000 }, () => gen.next());
    expect(new Set(sns).size).toBe(sns.length);
    expect(sns.every((sn) => /^\d{24}$/.test(sn))).toBe(true);
    expect([...sns].sort()).toEqual(sns);
    expect(sns[0]).toBe('202611240304056780070000');
  });

  it('when the clock steps back then numbers keep increasing', () => {
    let t = Date.UTC(2026, 0, 1, 0, 0, 1);
    const gen = createOrderSnGenerator({ node: 1, now: () => t });
    const a = gen.next();
    t -= 5000;
    const b = gen.next();
    expect(b > a).toBe(true);
  });

  it('when two processes have different nodes then the same millisecond gives different numbers', () => {
    const now = () => Date.UTC(2026, 0, 1);
    expect(createOrderSnGenerator({ node: 1, now }).next()).not.toBe(createOrderSnGenerator({ node: 2, now }).next());
  });

  it.each([-1, 1000, 1.5])('when the node is %s then it is refused', (node) => {
    expect(() => createOrderSnGenerator({ node })).toThrow(RangeError);
  });
});

describe('order statuses', () => {
  it.each([
    ['WAIT_BUYER_PAY', true, false],
    ['paying', true, false],
    ['', true, false],
    ['TRADE_SUCCESS', false, true],
    ['TRADE_FINISHED', false, true],
    ['TRADE_CLOSED', false, false],
  ])('when the status is %s then unpaid=%s paid=%s', (status, unpaid, paid) => {
    expect(isUnpaid(status)).toBe(unpaid);
    expect(isPaid(status)).toBe(paid);
  });

  it('when statuses move then only forward moves are allowed', () => {
    expect(predecessorsOf('TRADE_SUCCESS')).toEqual(['paying', 'WAIT_BUYER_PAY', '']);
    expect(predecessorsOf('TRADE_FINISHED')).toEqual(['paying', 'WAIT_BUYER_PAY', '', 'TRADE_SUCCESS']);
    expect(predecessorsOf('TRADE_CLOSED')).toEqual(['paying', 'WAIT_BUYER_PAY', '']);
    expect(isOrderStatus('paying')).toBe(false);
    expect(isOrderStatus('toString')).toBe(false);
  });
});

describe('shapes', () => {
  const order = {
    id: 3,
    userId: 9,
    orderSn: 'sn',
    payType: 'alipay',
    status: 'WAIT_BUYER_PAY',
    post: 'p',
    total: f32(119.6),
    address: 'a',
    name: 'n',
    mobile: '13800138000',
    addTime: '2026-11-24 10:00:00',
    expireAt: 1_795_500_000,
  };

  it('when an order is shaped then its total has at most 2 decimals and names follow the contract', () => {
    expect(orderView(order)).toEqual({
      id: 3,
      status: 'paying', // every unpaid status reads as the course SPA expects it
      pay_type: 'alipay',
      user: 9,
      post: 'p',
      total: 119.6,
      address: 'a',
      name: 'n',
      mobile: '13800138000',
      order_sn: 'sn',
      add_time: '2026-11-24 10:00:00',
    });
  });

  it.each([
    ['WAIT_BUYER_PAY', 'paying'],
    ['paying', 'paying'],
    ['', 'paying'],
    ['TRADE_SUCCESS', 'TRADE_SUCCESS'],
    ['TRADE_FINISHED', 'TRADE_FINISHED'],
    ['TRADE_CLOSED', 'TRADE_CLOSED'],
  ])('when a srv stored the status %j then the answer shows %s', (stored, shown) => {
    expect(orderView({ ...order, status: stored }).status).toBe(shown);
  });

  it('when a detail is shaped then goods carry the snapshot and alipay_url is as given', () => {
    const detail = {
      orderInfo: order,
      data: [{ id: 1, orderId: 3, goodsId: 4, goodsName: 'g', goodsImage: 'i', goodsPrice: f32(59.8), nums: 2 }],
    };
    expect(orderDetailView(detail, null)).toMatchObject({
      goods: [{ id: 4, name: 'g', image: 'i', price: 59.8, nums: 2 }],
      alipay_url: null,
    });
  });

  it('when a cart row has no goods any more then it still shows, with empty name and price 0', () => {
    expect(cartItemView({ id: 1, userId: 2, goodsId: 3, nums: 4, checked: false }, undefined)).toEqual({
      id: 3,
      goods_id: 3,
      good_id: 3,
      goods_name: '',
      good_name: '',
      goods_image: '',
      good_image: '',
      goods_price: 0,
      good_price: 0,
      nums: 4,
      checked: false,
    });
  });
});
