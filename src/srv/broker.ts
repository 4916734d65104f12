// The message broker (CONTRACT §7), the one module that speaks AMQP: a connection per srv that
// reconnects by itself, the topology every srv declares (idempotently, again after each reconnect), a
// publisher that resolves only once the broker has confirmed, and consumers that ack only after the
// handler's work has committed. A failed message goes back to the tail of its queue with its attempt
// counted; after MESSAGE_MAX_ATTEMPTS it is dead-lettered, so one bad message never blocks the rest.
import { context, propagation } from '@opentelemetry/api';
import { Counter } from 'prom-client';
import { type AsyncMessage, Connection, ConsumerStatus, type Publisher } from 'rabbitmq-client';
import type { Logger } from '../../global/logger';

export interface BrokerConfig {
  MESSAGE_BROKER_URL?: string | undefined;
  MESSAGE_BROKER_PREFIX: string;
  MESSAGE_MAX_ATTEMPTS: number;
}

/** Routing keys on `<prefix>.order`. */
export const ROUTE = {
  stockReturn: 'stock.return',
  orderTimeout: 'order.timeout',
  orderCreated: 'order.created',
  orderPaid: 'order.paid',
  orderClosed: 'order.closed',
} as const;

/** Every exchange and queue name of one prefix (CONTRACT §7). */
export function brokerNames(prefix: string) {
  return {
    exchange: `${prefix}.order`,
    dead: `${prefix}.dead`,
    stockReturn: `${prefix}.stock-return`,
    orderTimeout: `${prefix}.order-timeout`,
    delay: (seconds: number) => `${prefix}.order-timeout.delay.${seconds}s`,
  };
}

export type WorkQueue = 'stockReturn' | 'orderTimeout';

const published = new Counter({
  name: 'broker_published_total',
  help: 'Messages sent to the broker, by routing key',
  labelNames: ['route'],
});
const confirmed = new Counter({
  name: 'broker_confirmed_total',
  help: 'Messages the broker confirmed, by routing key',
  labelNames: ['route'],
});
const consumed = new Counter({ name: 'broker_consumed_total', help: 'Messages handled and acked, by queue', labelNames: ['queue'] });
const redelivered = new Counter({
  name: 'broker_redelivered_total',
  help: 'Messages received again after a consumer died or lost its connection before acking, by queue',
  labelNames: ['queue'],
});
const retried = new Counter({
  name: 'broker_retried_total',
  help: 'Messages whose handling failed and went back to their queue',
  labelNames: ['queue'],
});
const deadLettered = new Counter({
  name: 'broker_dead_lettered_total',
  help: 'Messages that failed MESSAGE_MAX_ATTEMPTS times and went to the dead-letter queue, by queue',
  labelNames: ['queue'],
});

/** A message to publish on `<prefix>.order`, or into a delay queue when delaySeconds is set. */
export interface OutgoingMessage {
  route: string;
  body: unknown;
  /** The outbox id: consumers drop what they have already applied. */
  messageId: string;
  traceparent?: string | null | undefined;
  /** Dead-letters to `route` after this many seconds (one delay queue per length). */
  delaySeconds?: number | undefined;
}

export interface IncomingMessage {
  messageId: string;
  body: unknown;
  /** 1 on the first delivery; counts failed handlings, not redeliveries after a crash. */
  attempt: number;
}

export interface Broker {
  readonly prefix: string;
  /** True while connected; publishing while not would only wait. */
  readonly connected: boolean;
  /** Resolves once the broker confirms it; rejects when it cannot. */
  publish(message: OutgoingMessage): Promise<void>;
  /** Handles the queue's messages, `concurrency` at a time; a throw is a failed attempt. */
  consume(queue: WorkQueue, handler: (message: IncomingMessage) => Promise<void>, concurrency?: number): void;
  close(): Promise<void>;
}

const ATTEMPT_HEADER = 'x-attempt';

/** The current trace as a W3C traceparent, when tracing is on. */
export function currentTraceparent(): string | undefined {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier.traceparent;
}

export function connectBroker(
  config: BrokerConfig & { MESSAGE_BROKER_URL: string },
  logger: Logger,
  options: { delaySeconds?: number[]; retryDelayMs?: (attempt: number) => number } = {},
): Broker {
  const names = brokerNames(config.MESSAGE_BROKER_PREFIX);
  const log = logger.child({ broker: config.MESSAGE_BROKER_PREFIX });
  const connection = new Connection({
    url: config.MESSAGE_BROKER_URL,
    connectionName: `mxshop ${config.MESSAGE_BROKER_PREFIX}`,
    // A publish while the broker is away fails soon; its message waits in the outbox, not here.
    acquireTimeout: 2000,
    connectionTimeout: 5000,
    retryLow: 200,
    retryHigh: 5000,
    heartbeat: 15,
  });
  connection.on('error', (err) => log.warn({ err }, 'message broker connection error; reconnecting'));
  connection.on('connection', () => log.info('message broker connected'));

  const work = { 'x-dead-letter-exchange': names.dead };
  const exchanges = [
    { exchange: names.exchange, type: 'topic', durable: true },
    { exchange: names.dead, type: 'fanout', durable: true },
  ];
  const queues = [
    { queue: names.stockReturn, durable: true, arguments: work },
    { queue: names.orderTimeout, durable: true, arguments: work },
    { queue: names.dead, durable: true },
    ...(options.delaySeconds ?? []).map((seconds) => ({
      queue: names.delay(seconds),
      durable: true,
      // Every message in one queue waits as long, so they expire in FIFO order.
      arguments: {
        'x-message-ttl': seconds * 1000,
        'x-dead-letter-exchange': names.exchange,
        'x-dead-letter-routing-key': ROUTE.orderTimeout,
      },
    })),
  ];
  const queueBindings = [
    { queue: names.stockReturn, exchange: names.exchange, routingKey: ROUTE.stockReturn },
    { queue: names.orderTimeout, exchange: names.exchange, routingKey: ROUTE.orderTimeout },
    { queue: names.dead, exchange: names.dead, routingKey: '' },
  ];
  const topology = { exchanges, queues, queueBindings };
  // All of it on every (re)connect, whether or not this srv ever publishes: a queue's dead-letter route
  // must exist before its first failure, or RabbitMQ drops the message.
  connection.on('connection', () => {
    void (async () => {
      for (const exchange of exchanges) await connection.exchangeDeclare(exchange);
      for (const queue of queues) await connection.queueDeclare(queue);
      for (const binding of queueBindings) await connection.queueBind(binding);
    })().catch((err: unknown) => log.warn({ err }, 'message broker topology could not be declared; it will be on the next connection'));
  });
  const publisher: Publisher = connection.createPublisher({ confirm: true, ...topology });
  const consumers: { close(): Promise<void> }[] = [];
  const retryDelayMs = options.retryDelayMs ?? ((attempt: number) => Math.min(10_000, 250 * 2 ** (attempt - 1)));

  async function publish(message: OutgoingMessage): Promise<void> {
    const delayed = message.delaySeconds !== undefined;
    published.inc({ route: message.route });
    await publisher.send(
      {
        exchange: delayed ? '' : names.exchange,
        routingKey: delayed ? names.delay(message.delaySeconds as number) : message.route,
        messageId: message.messageId,
        durable: true,
        contentType: 'application/json',
        type: message.route,
        headers: message.traceparent ? { traceparent: message.traceparent } : {},
      },
      message.body,
    );
    confirmed.inc({ route: message.route });
  }

  function consume(queue: WorkQueue, handler: (message: IncomingMessage) => Promise<void>, concurrency = 8): void {
    const name = names[queue];
    const consumer = connection.createConsumer(
      {
        queue: name,
        queueOptions: queues.find((q) => q.queue === name) ?? {},
        qos: { prefetchCount: concurrency },
        concurrency,
        // Only what this consumer needs; a binding of a queue not declared yet would fail its setup.
        exchanges,
        queueBindings: queueBindings.filter((b) => b.queue === name),
      },
      async (msg: AsyncMessage) => {
        if (msg.redelivered) redelivered.inc({ queue: name });
        const attempt = Number(msg.headers?.[ATTEMPT_HEADER] ?? 1) || 1;
        const incoming = { messageId: String(msg.messageId ?? ''), body: msg.body, attempt };
        const traceparent = msg.headers?.traceparent;
        const parent = typeof traceparent === 'string' ? propagation.extract(context.active(), { traceparent }) : context.active();
        try {
          await context.with(parent, () => handler(incoming));
          consumed.inc({ queue: name });
          return ConsumerStatus.ACK;
        } catch (err) {
          if (attempt >= config.MESSAGE_MAX_ATTEMPTS) {
            deadLettered.inc({ queue: name });
            log.error({ err, queue: name, messageId: incoming.messageId, attempt }, 'message failed its last attempt: dead-lettered');
            return ConsumerStatus.DROP; // the queue's dead-letter exchange takes it
          }
          log.warn({ err, queue: name, messageId: incoming.messageId, attempt }, 'message failed; it goes back to its queue');
          await new Promise((resolve) => setTimeout(resolve, retryDelayMs(attempt)));
          // To the tail with its attempt counted, then ack: never blocks the head of the queue.
          await publisher.send(
            { ...pickProperties(msg), exchange: '', routingKey: name, headers: { ...msg.headers, [ATTEMPT_HEADER]: attempt + 1 } },
            msg.body,
          );
          retried.inc({ queue: name });
          return ConsumerStatus.ACK;
        }
      },
    );
    consumer.on('error', (err) => log.warn({ err, queue: name }, 'message consumer error'));
    consumers.push(consumer);
  }

  return {
    prefix: config.MESSAGE_BROKER_PREFIX,
    get connected() {
      return connection.ready;
    },
    publish,
    consume,
    async close() {
      // Consumers first: in-flight handlers finish and ack; unacked prefetched messages go back to the queue.
      await Promise.all(consumers.map((c) => c.close()));
      await publisher.close();
      await connection.close();
    },
  };
}

function pickProperties(msg: AsyncMessage) {
  return { messageId: msg.messageId, durable: msg.durable ?? true, contentType: msg.contentType, type: msg.type };
}
