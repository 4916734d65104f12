// What the gateway's routes are built from; main.ts and the tests construct it.
import type { Logger } from '../global/logger';
import type { SrvConn } from '../global/srv-conn';
import type { AlipayPagePay } from './alipay/page-pay';

export interface AppDeps {
  srv: SrvConn;
  alipay: AlipayPagePay;
  logger: Logger;
  jwtKey: string;
  /** express.json's limit, e.g. "64kb". */
  bodyLimit: string;
  pay: PaySettings;
  /** The clock (epoch ms) the pay window and page-pay stamps read; tests may drive it. */
  now: () => number;
  /** Where this instance is in its life (readiness reads it); always serving when not given. */
  instance?: Instance;
  /** GET /metrics' text: this process's registry unless the gateway runs as several workers. */
  scrape?: () => Promise<string>;
}

/** Where this instance is in its life: only `serving` takes traffic (readiness answers 503 otherwise). */
export type InstancePhase = 'starting' | 'serving' | 'draining';

export interface Instance {
  phase: InstancePhase;
}

export interface PaySettings {
  /** Alipay's seller_id for our account; a notify naming another is refused. */
  sellerId: string | undefined;
  /** Alipay stops taking money this long before the order closes here. */
  expireMarginMs: number;
  /** The frontend page the return route redirects to. */
  resultUrl: string;
}

export function paySettings(config: {
  ALIPAY_SELLER_ID?: string | undefined;
  ALIPAY_EXPIRE_MARGIN_SECONDS: number;
  PAY_RESULT_URL: string;
}): PaySettings {
  return {
    sellerId: config.ALIPAY_SELLER_ID,
    expireMarginMs: config.ALIPAY_EXPIRE_MARGIN_SECONDS * 1000,
    resultUrl: config.PAY_RESULT_URL,
  };
}
