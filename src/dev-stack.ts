// `npm start`: the whole system on one machine with every default: goods, inventory, order and userop srvs
// on SQLite files under DATA_DIR (demo catalogue seeded on first start) and the gateway in front.
// Secrets not given in the environment are generated into DATA_DIR once and reused. Static addresses
// by default; with CONSUL_HTTP_ADDR the srvs register there and are found through it (consul://).
import { type Env, gatewaySchema, parseConfig } from '../global/config';
import { CONSUL_TARGETS } from '../global/discovery';
import { createLogger } from '../global/logger';
import { followLogLevel, loadEnv } from '../global/settings';
import { ensureDevSecrets } from './dev-secrets';
import { startGateway } from './gateway';
import { runMain, stopOnSignal } from './lifecycle';
import { startAllSrvs } from './srv/all';

const logger = createLogger({ name: 'dev-stack', level: process.env.LOG_LEVEL });

runMain(async () => {
  const given = await loadEnv(process.env);
  const dataDir = given.DATA_DIR || './data';
  const secrets = ensureDevSecrets(dataDir);
  const port = process.env.PORT || '8023';
  const env: Env = {
    JWT_KEY: secrets.jwtKey,
    ALIPAY_APP_ID: '2021000000000000',
    ALIPAY_PRIVATE_KEY: secrets.appPrivateKey,
    ALIPAY_PUBLIC_KEY: secrets.alipayPublicKey,
    ALIPAY_NOTIFY_URL: `http://127.0.0.1:${port}/o/v1/pay/alipay/notify`,
    ALIPAY_RETURN_URL: 'http://127.0.0.1:8080/#/app/home/member/order',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    ...given,
  };
  // The order srv asks Alipay before closing and refunds late payments, but only with a real Alipay app:
  // the generated stand-in keys cannot talk to Alipay, so then it closes without asking.
  const realAlipay = Boolean(given.ALIPAY_APP_ID);
  const viaConsul = Boolean(env.CONSUL_HTTP_ADDR);
  const srvs = await startAllSrvs({
    env,
    orderEnv: {
      ...(realAlipay ? {} : { ALIPAY_APP_ID: '', ALIPAY_PRIVATE_KEY: '', ALIPAY_PUBLIC_KEY: '' }),
      ...(viaConsul ? { GOODS_SRV: CONSUL_TARGETS.goods, INVENTORY_SRV: CONSUL_TARGETS.inventory } : {}),
    },
    logger,
    seedDemo: true,
  });
  const { goods, inventory, order, userop } = viaConsul ? CONSUL_TARGETS : srvs.targets;
  const gatewayEnv = { ...env, GOODS_SRV: goods, INVENTORY_SRV: inventory, ORDER_SRV: order, USEROP_SRV: userop };
  const gateway = await startGateway(parseConfig(gatewaySchema, gatewayEnv), logger.child({ srv: 'gateway' }));
  logger.info(
    { gateway: `http://127.0.0.1:${gateway.port}/o/v1`, ...srvs.targets, dataDir },
    'dev stack ready; get a token with: npm run token -- 1',
  );
  const settings = followLogLevel(process.env, logger);
  stopOnSignal(async () => {
    settings.stop();
    await gateway.stop();
    await srvs.stop();
  }, logger);
}, logger);
