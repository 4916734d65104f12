// Alipay page pay and notify verification, with one SDK client per process: keys are parsed and
// checked once at start (a bad key fails startup, not the first payment).
import crypto from 'node:crypto';
import { AlipaySdk } from 'alipay-sdk';
import { formatChinaTime } from '../global/china-time';
import { ConfigError } from '../global/config';
import { formatYuan } from '../global/money';

export interface AlipayConfig {
  ALIPAY_APP_ID: string;
  ALIPAY_PRIVATE_KEY: string;
  ALIPAY_PUBLIC_KEY: string;
  ALIPAY_GATEWAY: string;
  ALIPAY_NOTIFY_URL: string;
  ALIPAY_RETURN_URL: string;
  ALIPAY_SUBJECT_PREFIX: string;
}

export interface Alipay {
  readonly appId: string;
  /** The GET URL that opens Alipay's cashier for this order (`alipay.trade.page.pay`). */
  pagePayUrl(order: { orderSn: string; totalCents: number }): string;
  /** RSA2 check of an async notification over its form fields as received (decoded once). */
  verifyNotify(form: Record<string, string>): boolean;
}

/** Reads a key given as PEM text or as the bare base64 body Alipay's console shows. */
function readKey(text: string, kind: 'private' | 'public'): crypto.KeyObject {
  const pem = text.includes('-----BEGIN') ? text.replace(/\\n/g, '\n') : undefined;
  if (kind === 'private') {
    if (pem) return crypto.createPrivateKey(pem);
    const der = Buffer.from(text.replace(/\s+/g, ''), 'base64');
    try {
      return crypto.createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
    } catch {
      return crypto.createPrivateKey({ key: der, format: 'der', type: 'pkcs1' });
    }
  }
  if (pem) return crypto.createPublicKey(pem);
  return crypto.createPublicKey({ key: Buffer.from(text.replace(/\s+/g, ''), 'base64'), format: 'der', type: 'spki' });
}

function parseKeys(config: AlipayConfig): { privateKey: string; publicKey: string } {
  const problems: string[] = [];
  const parse = (key: 'ALIPAY_PRIVATE_KEY' | 'ALIPAY_PUBLIC_KEY', kind: 'private' | 'public'): string => {
    try {
      const k = readKey(config[key], kind);
      if (k.asymmetricKeyType !== 'rsa') throw new Error('not RSA');
      const exported = kind === 'private' ? k.export({ format: 'pem', type: 'pkcs8' }) : k.export({ format: 'pem', type: 'spki' });
      return exported.toString();
    } catch {
      problems.push(`${key} must be an RSA ${kind} key (PEM, or the base64 body)`);
      return '';
    }
  };
  const privateKey = parse('ALIPAY_PRIVATE_KEY', 'private');
  const publicKey = parse('ALIPAY_PUBLIC_KEY', 'public');
  if (problems.length > 0) throw new ConfigError(problems);
  return { privateKey, publicKey };
}

export function createAlipay(config: AlipayConfig): Alipay {
  const { privateKey, publicKey } = parseKeys(config);
  const sdk = new AlipaySdk({
    appId: config.ALIPAY_APP_ID,
    privateKey,
    alipayPublicKey: publicKey,
    keyType: 'PKCS8',
    signType: 'RSA2',
    gateway: config.ALIPAY_GATEWAY,
  });
  return {
    appId: config.ALIPAY_APP_ID,
    pagePayUrl({ orderSn, totalCents }) {
      return sdk.pageExecute('alipay.trade.page.pay', 'GET', {
        bizContent: {
          out_trade_no: orderSn,
          product_code: 'FAST_INSTANT_TRADE_PAY',
          total_amount: formatYuan(totalCents),
          subject: `${config.ALIPAY_SUBJECT_PREFIX}${orderSn}`,
        },
        notifyUrl: config.ALIPAY_NOTIFY_URL,
        returnUrl: config.ALIPAY_RETURN_URL,
        // The SDK would stamp process-local time; Alipay checks it as China time.
        timestamp: formatChinaTime(Date.now()),
      });
    },
    verifyNotify(form) {
      try {
        return sdk.checkNotifySignV2(form);
      } catch {
        return false;
      }
    },
  };
}
