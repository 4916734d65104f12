// Alipay's async notify and synchronous return. No JWT: the RSA2 signature is the proof, and even a
// valid signature is checked against our app, seller, order and amount before anything is recorded.
// Alipay re-sends a notify (up to 8 times in about 25 h) until the body is exactly `success`, so
// `success` is answered only once the outcome is durably recorded, or was already.
import * as grpc from '@grpc/grpc-js';
import express, { type Request, type Response, Router } from 'express';
import { Counter } from 'prom-client';
import { parseChinaTime } from '../global/china-time';
import { AppError } from '../global/errors';
import { isPaid, TRADE_CLOSED, TRADE_FINISHED, TRADE_SUCCESS } from '../global/order-status';
import { SrvCallError } from '../global/srv-conn';
import { ErrorReason, PAYMENT_OUTCOME_KEY } from '../global/wire';
import { callOf } from '../middlewares/call-context';
import type { AppDeps } from '../src/deps';

type Form = Record<string, string>;

/**
 * Each notify by what came of it: paid, already (a repeat), late (the order had closed), closed
 * (Alipay closed the trade), ignored (nothing to record), refused (not ours to act on), failed (not
 * recorded; Alipay sends it again).
 */
const notifies = new Counter({ name: 'alipay_notifies_total', help: 'Alipay notifies, by outcome', labelNames: ['outcome'] });
const PAYMENT_OUTCOMES = new Set(['paid', 'already', 'late']);

const AMOUNT = /^\d{1,10}(\.\d{1,2})?$/;

/** Unix seconds of `gmt_payment` (China time); 0 when Alipay sent none. */
function paidAt(gmtPayment: string | undefined): number {
  const ms = parseChinaTime(gmtPayment);
  return ms === undefined ? 0 : Math.floor(ms / 1000);
}

/** Single-valued string fields only; a repeated or nested field makes the form invalid. */
function flatForm(input: unknown): Form | undefined {
  if (typeof input !== 'object' || input === null) return undefined;
  const form: Form = {};
  for (const [key, value] of Object.entries(input)) {
    if (typeof value !== 'string') return undefined;
    form[key] = value;
  }
  return form;
}

export function payRoutes({ srv, alipay, logger, bodyLimit, pay }: AppDeps): Router {
  const router = Router();
  router.post('/alipay/notify', express.urlencoded({ extended: false, limit: bodyLimit }), notify);
  router.get('/alipay/return', returnPage);
  return router;

  /** Why a signed form is not ours to act on, or undefined when it is. */
  function rejection(form: Form | undefined): string | undefined {
    if (!form) return 'malformed form';
    if (!alipay.verifyNotify(form)) return 'bad signature';
    if (form.app_id !== alipay.appId) return 'foreign app_id';
    if (pay.sellerId && form.seller_id !== pay.sellerId) return 'foreign seller_id';
    if (!form.out_trade_no) return 'no out_trade_no';
    return undefined;
  }

  async function notify(req: Request, res: Response) {
    const form = flatForm(req.body);
    const call = callOf(res);
    const reply = (text: 'success' | 'fail') => void res.type('text/plain').send(text);
    const refuse = (reason: string, extra: object = {}) => {
      notifies.inc({ outcome: 'refused' });
      const { sign: _sign, ...fields } = form ?? {};
      logger.warn({ requestId: call.requestId, reason, notify: fields, ...extra }, 'alipay notify refused');
      reply('fail');
    };

    const reason = rejection(form);
    if (reason || !form) return refuse(reason ?? 'malformed form');
    const orderSn = form.out_trade_no ?? '';
    const status = form.trade_status ?? '';

    try {
      switch (status) {
        case TRADE_SUCCESS:
        case TRADE_FINISHED: {
          if (!AMOUNT.test(form.total_amount ?? '')) return refuse('bad total_amount');
          let outcome = 'paid';
          await srv.order.UpdateOrderStatus(
            { orderSn, status, payTime: paidAt(form.gmt_payment), tradeNo: form.trade_no ?? '', totalAmount: form.total_amount ?? '' },
            {
              ...call,
              onResponseMetadata: (md) => {
                outcome = String(md.get(PAYMENT_OUTCOME_KEY)[0] ?? outcome);
              },
            },
          );
          if (outcome === 'late') logger.warn({ requestId: call.requestId, orderSn, tradeNo: form.trade_no }, 'late payment acknowledged');
          notifies.inc({ outcome: PAYMENT_OUTCOMES.has(outcome) ? outcome : 'paid' });
          return reply('success');
        }
        case TRADE_CLOSED:
          // Alipay closed the trade: that closes our order only while it is unpaid.
          // With its trade_no, so the srv counts the close as Alipay's rather than a cancel.
          await srv.order
            .UpdateOrderStatus({ orderSn, status, payTime: 0, tradeNo: form.trade_no ?? '', totalAmount: '' }, call)
            .catch((err: unknown) => {
              if (err instanceof SrvCallError && err.code === grpc.status.FAILED_PRECONDITION) return; // paid: nothing to close
              throw err;
            });
          notifies.inc({ outcome: 'closed' });
          return reply('success');
        case 'WAIT_BUYER_PAY':
          notifies.inc({ outcome: 'ignored' });
          return reply('success'); // created, not paid: nothing to record
        default:
          return refuse('unknown trade_status');
      }
    } catch (err) {
      if (err instanceof SrvCallError && err.code === grpc.status.NOT_FOUND) return refuse('unknown out_trade_no');
      if (err instanceof SrvCallError && err.reason === ErrorReason.AmountMismatch) return refuse('amount mismatch');
      // Not recorded (a srv is down, say): not `success`, so Alipay sends it again.
      logger.error({ err, requestId: call.requestId, orderSn }, 'alipay notify not recorded; Alipay will retry');
      notifies.inc({ outcome: 'failed' });
      return reply('fail');
    }
  }

  /** The browser comes back from the cashier. Its word proves nothing: our records decide "paid". */
  async function returnPage(req: Request, res: Response) {
    const query = flatForm(req.query);
    const reason = rejection(query);
    if (reason || !query) {
      logger.warn({ requestId: callOf(res).requestId, reason }, 'alipay return refused');
      throw new AppError('INVALID_ARGUMENT', '支付宝返回参数无效');
    }
    const orderSn = query.out_trade_no ?? '';
    const paid = await srv.order.OrderDetail({ id: 0, userId: 0, orderSn, address: '', mobile: '', name: '', post: '' }, callOf(res)).then(
      (detail) => isPaid(detail.orderInfo?.status ?? ''),
      (err: unknown) => {
        if (err instanceof SrvCallError && err.code === grpc.status.NOT_FOUND) return false;
        throw err;
      },
    );
    const target = new URL(pay.resultUrl);
    // A hash-routed SPA (the course's) reads its query from the fragment.
    const params = new URLSearchParams({ order_sn: orderSn, paid: String(paid) }).toString();
    if (target.hash) target.hash = `${target.hash}${target.hash.includes('?') ? '&' : '?'}${params}`;
    else target.search = `${target.search ? `${target.search}&` : '?'}${params}`;
    res.redirect(302, target.toString());
  }
}
