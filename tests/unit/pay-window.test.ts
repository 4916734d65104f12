// payWindow: whether an order still has anything to pay at Alipay and, if so, the instant Alipay stops
// taking money (time_expire), for every status, either side of the boundary, with and without a margin.
import { describe, expect, it } from 'vitest';
import { isUnpaid, TRADE_CLOSED, TRADE_FINISHED, TRADE_SUCCESS, WAIT_BUYER_PAY } from '../../global/order-status';
import { type PayWindow, payWindow } from '../../src/alipay/page-pay';

// Every status an order carries on the wire ('paying' is what the course's Python srv writes). Which of
// them are unpaid is isUnpaid's rule (its own table is in pure.test.ts), not restated here.
const STATUSES = [WAIT_BUYER_PAY, 'paying', TRADE_SUCCESS, TRADE_FINISHED, TRADE_CLOSED];
const UNPAID = STATUSES.filter(isUnpaid);
const PAID_OR_CLOSED = STATUSES.filter((status) => !isUnpaid(status));

/** The order closes here at 10:30:00 China time; the wire carries unix seconds. */
const EXPIRE_AT = Date.parse('2026-03-01T10:30:00+08:00') / 1000;
const CLOSES = EXPIRE_AT * 1000;
const CREATED = CLOSES - 30 * 60_000;
const MARGIN = 60_000;

const NOTHING_TO_PAY: PayWindow = { payable: false };
const payableUntil = (expiresAt: number | undefined): PayWindow => ({ payable: true, expiresAt });

describe.each(UNPAID)('payWindow of an unpaid order (%s)', (status) => {
  it.each<[string, number, number, number, PayWindow]>([
    ['when just created then pay until the close less the margin', EXPIRE_AT, MARGIN, CREATED, payableUntil(CLOSES - MARGIN)],
    ['when 1 ms before the boundary then still payable', EXPIRE_AT, MARGIN, CLOSES - MARGIN - 1, payableUntil(CLOSES - MARGIN)],
    ['when exactly at the boundary then nothing to pay', EXPIRE_AT, MARGIN, CLOSES - MARGIN, NOTHING_TO_PAY],
    ['when 1 ms past the boundary then nothing to pay', EXPIRE_AT, MARGIN, CLOSES - MARGIN + 1, NOTHING_TO_PAY],
    ['when past the close itself then nothing to pay', EXPIRE_AT, MARGIN, CLOSES + 1000, NOTHING_TO_PAY],
    ['when the margin is 0 then pay until the close', EXPIRE_AT, 0, CLOSES - 1, payableUntil(CLOSES)],
    ['when the margin is 0 and it is the close then nothing to pay', EXPIRE_AT, 0, CLOSES, NOTHING_TO_PAY],
    ['when the margin spans the whole order life then nothing to pay', EXPIRE_AT, CLOSES - CREATED, CREATED, NOTHING_TO_PAY],
    ['when the close time is unknown (0) then pay without time_expire', 0, MARGIN, CLOSES, payableUntil(undefined)],
    ['when unknown (0) and the margin is 0 then pay without time_expire', 0, 0, CLOSES, payableUntil(undefined)],
  ])('%s', (_name, expireAt, marginMs, now, expected) => {
    expect(payWindow({ status, expireAt }, { marginMs, now })).toEqual(expected);
  });
});

describe.each(PAID_OR_CLOSED)('payWindow of a paid or closed order (%s)', (status) => {
  it.each<[string, number, number, number]>([
    ['when well inside the window then nothing to pay', EXPIRE_AT, MARGIN, CREATED],
    ['when the margin is 0 then nothing to pay', EXPIRE_AT, 0, CLOSES - 1],
    ['when the close time is unknown (0) then nothing to pay', 0, MARGIN, CLOSES],
  ])('%s', (_name, expireAt, marginMs, now) => {
    expect(payWindow({ status, expireAt }, { marginMs, now })).toEqual(NOTHING_TO_PAY);
  });
});
