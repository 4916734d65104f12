// What both sides of Alipay share, the gateway's page pay and the order srv's OpenAPI: our keys and
// Alipay's, read and checked once at start (a bad key fails startup, not the first payment), and the
// one SDK object a process builds from them.
import crypto from 'node:crypto';
import { AlipaySdk } from 'alipay-sdk';
import { ConfigError } from '../../global/config';

/** What every Alipay client needs: who we are, our key, Alipay's key and where Alipay is. */
export interface AlipayKeysConfig {
  ALIPAY_APP_ID: string;
  /** Our app's RSA private key (PEM, or the bare base64 body Alipay's console shows). */
  ALIPAY_PRIVATE_KEY: string;
  /** Alipay's RSA public key, which signs notifies, returns and OpenAPI responses. */
  ALIPAY_PUBLIC_KEY: string;
  /** The OpenAPI gateway (`…/gateway.do`); page pay URLs start with it too. */
  ALIPAY_GATEWAY: string;
  /** How long one OpenAPI call may take (connect and answer); default 5000. */
  ALIPAY_TIMEOUT_MS?: number;
}

export interface AlipayClientOptions {
  /** Overrides config.ALIPAY_TIMEOUT_MS. */
  timeoutMs?: number;
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

interface ParsedKey {
  object: crypto.KeyObject;
  pem: string;
}

function parseKeys(config: AlipayKeysConfig): { privateKey: ParsedKey; publicKey: ParsedKey } {
  const problems: string[] = [];
  const parse = (key: 'ALIPAY_PRIVATE_KEY' | 'ALIPAY_PUBLIC_KEY', kind: 'private' | 'public'): ParsedKey => {
    try {
      const object = readKey(config[key], kind);
      if (object.asymmetricKeyType !== 'rsa') throw new Error('not RSA');
      const pem = kind === 'private' ? object.export({ format: 'pem', type: 'pkcs8' }) : object.export({ format: 'pem', type: 'spki' });
      return { object, pem: pem.toString() };
    } catch {
      problems.push(`${key} must be an RSA ${kind} key (PEM, or the base64 body)`);
      return { object: crypto.createSecretKey(Buffer.alloc(1)), pem: '' };
    }
  };
  const privateKey = parse('ALIPAY_PRIVATE_KEY', 'private');
  const publicKey = parse('ALIPAY_PUBLIC_KEY', 'public');
  if (problems.length > 0) throw new ConfigError(problems);
  return { privateKey, publicKey };
}

const DEFAULT_TIMEOUT_MS = 5000;

/** The one SDK object a factory builds; keys parsed here, once. Throws ConfigError on a bad key. */
export function createAlipaySdk(config: AlipayKeysConfig, options: AlipayClientOptions = {}): AlipaySdk {
  const { privateKey, publicKey } = parseKeys(config);
  const sdk = new AlipaySdk({
    appId: config.ALIPAY_APP_ID,
    privateKey: privateKey.pem,
    alipayPublicKey: publicKey.pem,
    keyType: 'PKCS8',
    signType: 'RSA2',
    gateway: config.ALIPAY_GATEWAY,
    timeout: options.timeoutMs ?? config.ALIPAY_TIMEOUT_MS ?? DEFAULT_TIMEOUT_MS,
    // Answers keep Alipay's own snake_case names (trade_status, send_pay_date, sub_code).
    camelcase: false,
  });
  // The SDK wants PEM text to start with, then hands config.privateKey / alipayPublicKey to node:crypto
  // on every signature and check, which re-parses the PEM each time (about two thirds of a page-pay
  // URL's cost). node:crypto takes the parsed KeyObjects just the same.
  Object.assign(sdk.config as unknown as Record<string, unknown>, { privateKey: privateKey.object, alipayPublicKey: publicKey.object });
  return sdk;
}
