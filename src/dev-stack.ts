// `npm start`: the whole system on one machine with every default: goods, inventory, order and userop srvs
// on SQLite files under DATA_DIR (demo catalogue seeded on first start) and the gateway in front.
// Secrets not given in the environment are generated into DATA_DIR once and reused. Static addresses
// by default; with CONSUL_HTTP_ADDR the srvs register there and are found through it (consul://).
// Without a real ALIPAY_APP_ID, a stand-in Alipay on loopback (src/stand-in-alipay) plays Alipay's
// gateway: alipay_url opens its cashier page, and the order srv's trade query and close go to it.
import { ConfigError, type Env, gatewaySchema, parseConfig } from '../global/config';
import { CONSUL_TARGETS } from '../global/discovery';
import { createLogger } from '../global/logger';
import { followLogLevel, loadEnv } from '../global/settings';
import { ensureDevSecrets } from './dev-secrets';
import { startGateway } from './gateway';
import { runMain, stopOnSignal } from './lifecycle';
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

const logger = createLogger({ name: 'dev-stack', level: process.env.LOG_LEVEL });

runMain(async () => {
  const given = await loadEnv(process.env);
  const dataDir = given.DATA_DIR || './data';
  const secrets = ensureDevSecrets(dataDir);
  const port = process.env.PORT || '8023';
  // A real Alipay app talks to Alipay; the generated keys can talk only to the stand-in, which signs
  // with the generated "Alipay" key and checks requests with the generated app key.
  const realAlipay = Boolean(given.ALIPAY_APP_ID);
  const standIn = realAlipay
    ? undefined
    : await startStandInAlipay({
        appId: STAND_IN_APP_ID,
        appPublicKey: secrets.appPublicKey,
        alipayPrivateKey: secrets.alipayPrivateKey,
        port: standInPort(given.STAND_IN_ALIPAY_PORT),
        logger: logger.child({ srv: 'stand-in-alipay' }),
      });
  const env: Env = {
    JWT_KEY: secrets.jwtKey,
    ALIPAY_APP_ID: STAND_IN_APP_ID,
    ALIPAY_PRIVATE_KEY: secrets.appPrivateKey,
    ALIPAY_PUBLIC_KEY: secrets.alipayPublicKey,
    ALIPAY_NOTIFY_URL: `http://127.0.0.1:${port}/o/v1/pay/alipay/notify`,
    // From the stand-in's cashier the buyer comes back through the gateway's return check, which
    // sends them on to PAY_RESULT_URL (the SPA's order page).
    ALIPAY_RETURN_URL: standIn ? `http://127.0.0.1:${port}/o/v1/pay/alipay/return` : 'http://127.0.0.1:8080/#/app/home/member/order',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    ...given,
    ...(standIn ? { ALIPAY_GATEWAY: standIn.url } : {}),
  };
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
  }, logger);
}, logger);
