// Development secrets, generated once into DATA_DIR and reused: the JWT key, the app's RSA key
// pair, and a stand-in Alipay key pair (its private half signs local test notifies; its public
// half is configured as "Alipay's public key"). Production passes real ones in the environment.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export interface DevSecrets {
  jwtKey: string;
  appPrivateKey: string;
  appPublicKey: string;
  alipayPrivateKey: string;
  alipayPublicKey: string;
}

export function devSecretPaths(dataDir: string) {
  const alipay = path.join(dataDir, 'alipay');
  return {
    jwtKey: path.join(dataDir, 'jwt.key'),
    appPrivateKey: path.join(alipay, 'app-private.pem'),
    appPublicKey: path.join(alipay, 'app-public.pem'),
    alipayPrivateKey: path.join(alipay, 'alipay-private.pem'),
    alipayPublicKey: path.join(alipay, 'alipay-public.pem'),
  };
}

function readOrCreate(file: string, create: () => string): string {
  if (fs.existsSync(file)) return fs.readFileSync(file, 'utf8').trim();
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const value = create();
  fs.writeFileSync(file, `${value}\n`, { mode: 0o600 });
  return value;
}

function rsaPair(privateFile: string, publicFile: string): [string, string] {
  if (!fs.existsSync(privateFile) || !fs.existsSync(publicFile)) {
    const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
    fs.mkdirSync(path.dirname(privateFile), { recursive: true });
    fs.writeFileSync(privateFile, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    fs.writeFileSync(publicFile, publicKey.export({ type: 'spki', format: 'pem' }));
  }
  return [fs.readFileSync(privateFile, 'utf8'), fs.readFileSync(publicFile, 'utf8')];
}

export function ensureDevSecrets(dataDir: string): DevSecrets {
  const files = devSecretPaths(dataDir);
  const jwtKey = readOrCreate(files.jwtKey, () => crypto.randomBytes(32).toString('hex'));
  const [appPrivateKey, appPublicKey] = rsaPair(files.appPrivateKey, files.appPublicKey);
  const [alipayPrivateKey, alipayPublicKey] = rsaPair(files.alipayPrivateKey, files.alipayPublicKey);
  return { jwtKey, appPrivateKey, appPublicKey, alipayPrivateKey, alipayPublicKey };
}

/** The JWT key the running configuration uses: JWT_KEY when set, else the dev key in DATA_DIR. */
export function resolveJwtKey(env: Record<string, string | undefined>): string | undefined {
  if (env.JWT_KEY) return env.JWT_KEY;
  const file = devSecretPaths(env.DATA_DIR || './data').jwtKey;
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim() : undefined;
}
