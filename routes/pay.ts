// /o/v1/pay/alipay/notify: Alipay's async notification. No JWT: the RSA2 signature is the proof.
// Alipay re-sends until the body is exactly `success`, so answer it only once the outcome is recorded.
import express, { Router, type Request, type Response } from 'express';
import { parseChinaTime } from '../global/china-time';
import { isPaid } from '../global/order-status';
import { callOf } from '../middlewares/call-context';
import type { AppDeps } from '../src/deps';

/** Unix seconds of `gmt_payment` (China time); now when Alipay sent none. */
function paidAt(gmtPayment: string | undefined): number {
  return Math.floor((parseChinaTime(gmtPayment) ?? Date.now()) / 1000);
}

export function payRoutes({ srv, alipay, logger, bodyLimit }: AppDeps): Router {
  const router = Router();
  router.post('/alipay/notify', express.urlencoded({ extended: false, limit: bodyLimit }), notify);
  return router;

  async function notify(req: Request, res: Response) {
    const form = (req.body ?? {}) as Record<string, string>;
    const reply = (text: string) => res.type('text/plain').send(text);
    if (!alipay.verifyNotify(form)) {
      logger.warn({ requestId: callOf(res).requestId, outTradeNo: form.out_trade_no, reason: 'bad signature' }, 'alipay notify rejected');
      return void reply('fail');
    }
    const status = form.trade_status ?? '';
    if (!isPaid(status) || !form.out_trade_no) return void reply('success'); // nothing to record
    try {
      await srv.order.UpdateOrderStatus(
        { orderSn: form.out_trade_no, status, payTime: paidAt(form.gmt_payment) },
        callOf(res),
      );
      reply('success');
    } catch (err) {
      logger.warn({ err, requestId: callOf(res).requestId, outTradeNo: form.out_trade_no }, 'alipay notify not recorded');
      reply('fail');
    }
  }
}
