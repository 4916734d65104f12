// `npm start`: the whole system on one machine with every default: goods, inventory, order and userop srvs
// on SQLite files under DATA_DIR (demo catalogue seeded on first start) and the gateway in front.
// Secrets not given in the environment are generated into DATA_DIR once and reused. Static addresses
// by default; with CONSUL_HTTP_ADDR the srvs register there and are found through it (consul://).
// Without a real ALIPAY_APP_ID, a stand-in Alipay on loopback (src/stand-in-alipay) plays Alipay's
// gateway: alipay_url opens its cashier page, the order srv's trade query and close go to it, and after
// paying the browser lands on its pay-result page (unless PAY_RESULT_URL says otherwise).
// Every setting is checked before anything starts; OTEL_EXPORTER_OTLP_ENDPOINT traces it as in production.
import './preload'; // first: tracing instruments what the imports below load
import {
  ConfigError,
  type Env,
  type GatewayConfig,
  gatewaySchema,
  goodsSrvSchema,
  inventorySrvSchema,
  orderSrvSchema,
  parseConfig,
  useropSrvSchema,
} from '../global/config';
import { CONSUL_TARGETS } from '../global/discovery';
import { createLogger } from '../global/logger';
import { followLogLevel, loadEnv } from '../global/settings';
import { type DevSecrets, ensureDevSecrets } from './dev-secrets';
import { startGateway } from './gateway';
import { runMain, startTracingFrom, stopOnSignal } from './lifecycle';
import { startAllSrvs } from './srv/all';
import { startStandInAlipay } from './stand-in-alipay/server';

/** The app id of the generated keys (the stand-in Alipay knows only this app). */
const STAND_IN_APP_ID = '2021000000000000';

/** STAND_IN_ALIPAY_PORT: where the stand-in listens; any free port when unset. */
function standInPort(value: string | undefined): number {
  if (!value) return 0;
  if (!/^\d{1,5}$/.test(value) || Number(value) > 65535) throw new ConfigError(['STAND_IN_ALIPAY_PORT must be a port number (0-65535)']);
  return Number(value);
}

/** Where the stand-in Alipay serves, once it listens. */
interface StandInUrls {
  url: string;
  payResultUrl: string;
}

/** Every srv's and the gateway's settings: the generated secrets and loopback URLs under what is given. */
function stackEnv(given: Env, secrets: DevSecrets, port: string, standIn: StandInUrls | undefined): Env {
  return {
    JWT_KEY: secrets.jwtKey,
    ALIPAY_APP_ID: STAND_IN_APP_ID,
    ALIPAY_PRIVATE_KEY: secrets.appPrivateKey,
    ALIPAY_PUBLIC_KEY: secrets.alipayPublicKey,
    ALIPAY_NOTIFY_URL: `http://127.0.0.1:${port}/o/v1/pay/alipay/notify`,
    // From the stand-in's cashier the buyer comes back through the gateway's return check, which
    // sends them on to PAY_RESULT_URL: the stand-in's pay-result page, as no SPA runs here.
    ALIPAY_RETURN_URL: standIn ? `http://127.0.0.1:${port}/o/v1/pay/alipay/return` : 'http://127.0.0.1:8080/#/app/home/member/order',
    ...(standIn ? { PAY_RESULT_URL: standIn.payResultUrl } : {}),
    HOST: '127.0.0.1',
    DATA_DIR: given.DATA_DIR || './data',
    ...given,
    ...(standIn ? { ALIPAY_GATEWAY: standIn.url } : {}),
  };
}

/**
 * Each problem of every srv's and the gateway's settings, at once, before anything starts (so no
 * half-started stack adds errors of its own); the gateway's settings when there is none.
 */
function checkSettings(env: Env, checkStandInPort: () => void): GatewayConfig {
  const problems = new Set<string>();
  const check = (parse: () => unknown) => {
    try {
      parse();
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      for (const problem of err.problems) problems.add(problem);
    }
  };
  const placeholders = { GOODS_SRV: '127.0.0.1:0', INVENTORY_SRV: '127.0.0.1:0', ORDER_SRV: '127.0.0.1:0', USEROP_SRV: '127.0.0.1:0' };
  check(checkStandInPort);
  for (const schema of [goodsSrvSchema, inventorySrvSchema, orderSrvSchema, useropSrvSchema]) {
    check(() => parseConfig(schema, { ...placeholders, ...env }));
  }
  check(() => parseConfig(gatewaySchema, { ...env, ...placeholders }));
  if (problems.size > 0) throw new ConfigError([...problems]);
  return parseConfig(gatewaySchema, { ...env, ...placeholders });
}

const logger = createLogger({ name: 'dev-stack', level: process.env.LOG_LEVEL });

runMain(async () => {
  const given = await loadEnv(process.env);
  const secrets = ensureDevSecrets(given.DATA_DIR || './data');
  // The gateway's port in the URLs the stack derives; a bad PORT is reported as itself, not through them.
  const port = /^\d{1,5}$/.test(given.PORT ?? '') && Number(given.PORT) <= 65535 ? (given.PORT as string) : '8023';
  // A real Alipay app talks to Alipay; the generated keys can talk only to the stand-in, which signs
  // with the generated "Alipay" key and checks requests with the generated app key.
  const realAlipay = Boolean(given.ALIPAY_APP_ID);
  const placeholder = realAlipay ? undefined : { url: 'http://127.0.0.1:1/gateway.do', payResultUrl: 'http://127.0.0.1:1/pay-result' };
  const checked = checkSettings(stackEnv(given, secrets, port, placeholder), () => standInPort(given.STAND_IN_ALIPAY_PORT));
  // One process: all its spans, the gateway's and the srvs', under one service name.
  const tracing = startTracingFrom(checked, 'order-web-dev-stack');
  const standIn = realAlipay
    ? undefined
    : await startStandInAlipay({
        appId: STAND_IN_APP_ID,
        appPublicKey: secrets.appPublicKey,
        alipayPrivateKey: secrets.alipayPrivateKey,
        port: standInPort(given.STAND_IN_ALIPAY_PORT),
        logger: logger.child({ srv: 'stand-in-alipay' }),
        docsUrl: `http://127.0.0.1:${port}/docs`,
      });
  const env = stackEnv(given, secrets, port, standIn);
  const dataDir = env.DATA_DIR;
  const viaConsul = Boolean(env.CONSUL_HTTP_ADDR);
  const srvs = await startAllSrvs({
    env,
    orderEnv: viaConsul ? { GOODS_SRV: CONSUL_TARGETS.goods, INVENTORY_SRV: CONSUL_TARGETS.inventory } : {},
    logger,
    seedDemo: true,
  });
  const { goods, inventory, order, userop } = viaConsul ? CONSUL_TARGETS : srvs.targets;
  const gatewayEnv = { ...env, GOODS_SRV: goods, INVENTORY_SRV: inventory, ORDER_SRV: order, USEROP_SRV: userop };
  const gateway = await startGateway(parseConfig(gatewaySchema, gatewayEnv), logger.child({ srv: 'gateway' }));
  logger.info(
    {
      gateway: `http://127.0.0.1:${gateway.port}/o/v1`,
      ...srvs.targets,
      ...(standIn ? { standInAlipay: standIn.url } : {}),
      dataDir,
      node: process.version,
    },
    'dev stack ready; get a token with: npm run token -- 1',
  );
  const settings = followLogLevel(process.env, logger);
  stopOnSignal(async () => {
    settings.stop();
    await gateway.stop();
    await srvs.stop();
    await standIn?.close();
    await tracing.shutdown();
  }, logger);
}, logger);
