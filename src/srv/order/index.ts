// The order srv: cart and orders over gRPC, calling the goods and inventory srvs, with the relay
// that delivers its outbox and recovers abandoned order attempts. The one place its parts are wired.
//
//   cart-service, order-service   the RPCs
//   idempotency → place-order     CreateOrder: keys around claim → price → sell → commit
//   attempts                      an attempt's life: claim, consume, abandon, recover
//   transitions                   the only writer of an order's status (close, pay, finish)
//   expiry, late-payments         the timeout (asking Alipay first), late payments and their refunds
//   outbox, leases, relay         promised work, delivered until it succeeds by any instance's relay
//   ../broker                     with MESSAGE_BROKER_URL: the relay publishes the outbox on RabbitMQ and
//                                 every order srv consumes the delayed timeouts (CONTRACT §7)
import type { OrderSrvConfig } from '../../../global/config';
import type { Logger } from '../../../global/logger';
import { serviceDefinitions } from '../../../global/proto';
import { consulOption, createSrvClient } from '../../../global/srv-conn';
import { Feature } from '../../../global/wire';
import { createAlipayOpenApi } from '../../alipay/open-api';
import { type Broker, connectBroker } from '../broker';
import type { Database } from '../database';
import type { RpcFaults } from '../grpc-server';
import { type RunningSrv, startSrv } from '../running-srv';
import { supersedeOrphans } from './attempts';
import { cartService } from './cart-service';
import type { OrderSrvContext } from './context';
import { closeExpired } from './expiry';
import { crashAt, noFaults } from './faults';
import { orderService } from './order-service';
import { createOrderSnGenerator } from './order-sn';
import { createRelay, type Relay } from './relay';
import { migrations, type OrderSchema } from './schema';

export interface OrderSrvOptions {
  logger: Logger;
  /** 0..999, distinct per running instance; random when absent. */
  orderSnNode?: number | undefined;
  /** Tests only: injected RPC failures (see RpcFaults). */
  faults?: RpcFaults | undefined;
  /** The business clock (default Date.now); tests drive it. */
  now?: (() => number) | undefined;
  /** Run the relay on its timer (default). Tests that drive time turn it off and call relay.tick(). */
  relayTimer?: boolean | undefined;
}

export interface RunningOrderSrv extends RunningSrv {
  relay: Relay;
  /** Payments that arrived after their order was closed, since start. */
  counters: { latePayments: number };
}

export async function startOrderSrv(config: OrderSrvConfig, options: OrderSrvOptions): Promise<RunningOrderSrv> {
  const { logger } = options;
  // Parsed once here: a bad Alipay key stops the srv before it listens.
  const alipay =
    config.ALIPAY_APP_ID && config.ALIPAY_PRIVATE_KEY && config.ALIPAY_PUBLIC_KEY
      ? createAlipayOpenApi({
          ALIPAY_APP_ID: config.ALIPAY_APP_ID,
          ALIPAY_PRIVATE_KEY: config.ALIPAY_PRIVATE_KEY,
          ALIPAY_PUBLIC_KEY: config.ALIPAY_PUBLIC_KEY,
          ALIPAY_GATEWAY: config.ALIPAY_GATEWAY,
          ALIPAY_TIMEOUT_MS: config.ALIPAY_TIMEOUT_MS,
        })
      : undefined;
  if (!alipay) logger.warn('no Alipay keys: expiring orders close without asking Alipay, late payments are not refunded');
  const clientOptions = {
    deadlineMs: config.GRPC_DEADLINE_MS,
    breaker: { timeouts: config.BREAKER_TIMEOUTS, cooldownMs: config.BREAKER_COOLDOWN_MS },
    ...consulOption(config, logger),
  };
  const goods = createSrvClient('goods', config.GOODS_SRV, clientOptions);
  const inventory = createSrvClient('inventory', config.INVENTORY_SRV, clientOptions);
  const counters = { latePayments: 0 };
  const now = options.now ?? Date.now;
  let relay: Relay | undefined;
  const orderTimeoutSeconds = config.ORDER_TIMEOUT_SECONDS;
  const broker: Broker | undefined = config.MESSAGE_BROKER_URL
    ? connectBroker({ ...config, MESSAGE_BROKER_URL: config.MESSAGE_BROKER_URL }, logger, { delaySeconds: [orderTimeoutSeconds] })
    : undefined;

  const srv = await startSrv({
    name: 'order',
    storage: config,
    address: config.ORDER_SRV,
    logger,
    service: serviceDefinitions().order.service,
    migrations,
    governance: config,
    // Said in every answer, so the gateway leaves out its own read-then-check and may retry a keyed CreateOrder.
    features: [Feature.StockCap, Feature.KeepChecked, Feature.IdempotencyKey],
    async prepare({ db }: Database<OrderSchema>) {
      const orphans = await supersedeOrphans(db, now(), options.orderSnNode);
      if (orphans.length > 0)
        logger.warn({ orphans }, 'order attempts left open by a previous run superseded; the relay gives their stock back');
    },
    handlers: ({ db }: Database<OrderSchema>) => {
      const ctx: OrderSrvContext = {
        db,
        goods: goods.api,
        inventory: inventory.api,
        orderSn: createOrderSnGenerator(options.orderSnNode === undefined ? {} : { node: options.orderSnNode }),
        logger,
        now,
        faults: config.ORDER_SRV_CRASH_AT ? crashAt(config.ORDER_SRV_CRASH_AT) : noFaults,
        deadlineMs: config.GRPC_DEADLINE_MS,
        orderTimeoutMs: config.ORDER_TIMEOUT_SECONDS * 1000,
        attemptRecoverMs: config.ATTEMPT_RECOVER_SECONDS * 1000,
        alipay,
        refundLatePayments: config.ALIPAY_REFUND_LATE_PAYMENTS,
        counters,
        brokered: broker !== undefined,
      };
      const orderRelay = createRelay(ctx, {
        intervalMs: config.RELAY_INTERVAL_MS,
        leaseMs: config.RELAY_LEASE_SECONDS * 1000,
        broker,
        orderTimeoutSeconds,
      });
      relay = orderRelay;
      // The delayed timeout: the same compare-and-set as the relay's close, so a paid order changes nothing.
      broker?.consume('orderTimeout', async ({ body, attempt }) => {
        const orderSn = (body as { order_sn?: unknown } | null)?.order_sn;
        if (typeof orderSn !== 'string') throw new Error('order.timeout without order_sn');
        if ((await closeExpired(ctx, orderSn, attempt)) !== 'closed') return;
        ctx.faults('order-closed');
        logger.info({ orderSn }, 'unpaid order expired and closed');
        orderRelay.deliverSoon('stock.reback', orderSn);
      });
      return { ...cartService(ctx), ...orderService(ctx, orderRelay) };
    },
    faults: options.faults,
    async release() {
      await broker?.close(); // consumers first: in-flight timeouts finish and ack
      await relay?.stop();
      goods.close();
      inventory.close();
    },
  });
  if (!relay) throw new Error('order srv started without its relay');
  if (options.relayTimer !== false) relay.start();
  return { ...srv, relay, counters };
}
