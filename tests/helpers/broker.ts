// The machine's RabbitMQ for a test (TEST_BROKER_URL, default amqp://guest:guest@127.0.0.1:5672): each
// test gets its own MESSAGE_BROKER_PREFIX, can listen to the order exchange, count what waits in a queue,
// and deletes every queue and exchange of its prefix afterwards. When no broker answers, the suites
// that need one skip, saying why (as the MariaDB ones do).
import crypto from 'node:crypto';
import { register } from 'prom-client';
import { type AsyncMessage, Connection } from 'rabbitmq-client';
import { brokerNames } from '../../src/srv/broker';
import { waitFor } from './wait';

export const TEST_BROKER_URL = process.env.TEST_BROKER_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

/** Undefined when the broker answers; else why not. */
export async function brokerUnreachable(url = TEST_BROKER_URL): Promise<string | undefined> {
  const connection = new Connection({ url, connectionTimeout: 3000, retryLow: 100000 });
  connection.on('error', () => undefined);
  try {
    await connection.onConnect(3000, true);
    return undefined;
  } catch (err) {
    return `RabbitMQ not reachable at ${url.replace(/\/\/[^@]*@/, '//')} (${(err as Error).message}); set TEST_BROKER_URL to run these`;
  } finally {
    await connection.close().catch(() => undefined);
  }
}

export interface ReceivedEvent {
  route: string;
  messageId: string;
  body: Record<string, unknown>;
  traceparent: string | undefined;
}

export interface TestBroker {
  prefix: string;
  /** The settings that put a srv on this broker and prefix. */
  env: Record<string, string>;
  /** Messages waiting (not being handled) in one of the prefix's queues. */
  depth(queue: 'stockReturn' | 'orderTimeout' | 'dead' | string): Promise<number>;
  /** Messages of one work queue handled and acked (or dead-lettered) by consumers in this process. */
  handled(queue: 'stockReturn' | 'orderTimeout'): Promise<number>;
  /** Every message on `<prefix>.order` from now on (integration events, stock returns, timeouts). */
  events: ReceivedEvent[];
  /** Waits until a message matching `match` has been seen; returns it. */
  waitForEvent(match: (e: ReceivedEvent) => boolean, timeoutMs?: number): Promise<ReceivedEvent>;
  /** Publishes raw bytes to a queue of the prefix (e.g. a poison message), once the srvs have declared it. */
  sendRaw(queue: string, body: string, messageId: string): Promise<void>;
  /** Deletes the prefix's queues and exchanges, closes the connection. */
  cleanup(): Promise<void>;
}

/** The order timeout of a srv left at its default (30 minutes): its delay queue. */
const DEFAULT_DELAY_SECONDS = 1800;

/** A fresh prefix on the test broker; `delaySeconds` names the other delay queues its order srvs will declare. */
export async function startTestBroker(label: string, delaySeconds: number[] = []): Promise<TestBroker> {
  const prefix = `t-${label}-${crypto.randomBytes(4).toString('hex')}`;
  const names = brokerNames(prefix);
  const connection = new Connection({ url: TEST_BROKER_URL, retryLow: 100 });
  connection.on('error', () => undefined);
  const events: ReceivedEvent[] = [];
  const listenQueue = `${prefix}.test-listener`;
  // Declares the exchange too, so the listener can bind before any srv starts.
  const listener = connection.createConsumer(
    {
      queue: listenQueue,
      queueOptions: { exclusive: true, autoDelete: true },
      exchanges: [{ exchange: names.exchange, type: 'topic', durable: true }],
      queueBindings: [{ queue: listenQueue, exchange: names.exchange, routingKey: '#' }],
    },
    (msg: AsyncMessage) => {
      const traceparent = msg.headers?.traceparent;
      events.push({
        route: msg.routingKey,
        messageId: String(msg.messageId ?? ''),
        body: (typeof msg.body === 'object' && msg.body !== null ? msg.body : {}) as Record<string, unknown>,
        traceparent: typeof traceparent === 'string' ? traceparent : undefined,
      });
    },
  );
  await new Promise<void>((resolve, reject) => {
    listener.once('ready', resolve);
    listener.once('error', reject);
  });
  const publisher = connection.createPublisher({ confirm: true });
  const queueName = (queue: string) => (queue in names ? String(names[queue as keyof typeof names]) : queue);

  return {
    prefix,
    env: { MESSAGE_BROKER_URL: TEST_BROKER_URL, MESSAGE_BROKER_PREFIX: prefix },
    events,
    async handled(queue) {
      const name = queueName(queue);
      let n = 0;
      for (const metric of ['broker_consumed_total', 'broker_dead_lettered_total']) {
        const values = (await register.getSingleMetric(metric)?.get())?.values ?? [];
        for (const v of values) if (v.labels.queue === name) n += v.value;
      }
      return n;
    },
    async depth(queue) {
      const ok = await connection.queueDeclare({ queue: queueName(queue), passive: true });
      return ok.messageCount;
    },
    async waitForEvent(match, timeoutMs = 15_000) {
      const found = await waitFor(
        async () => events.find(match),
        (e) => e !== undefined,
        timeoutMs,
      );
      if (!found)
        throw new Error(`no matching message on ${names.exchange} within ${timeoutMs} ms; saw ${events.map((e) => e.route).join(', ')}`);
      return found;
    },
    async sendRaw(queue, body, messageId) {
      // Into the queue the srvs declare on connecting: a message to a queue not there yet would be dropped.
      const declared = await waitFor(
        () => connection.queueDeclare({ queue: queueName(queue), passive: true }).then(() => true),
        (ok) => ok,
        10_000,
      );
      if (!declared) throw new Error(`queue ${queueName(queue)} was not declared within 10 s`);
      await publisher.send({ exchange: '', routingKey: queueName(queue), messageId, durable: true }, Buffer.from(body));
    },
    async cleanup() {
      await listener.close();
      await publisher.close();
      const ch = await connection.acquire();
      for (const queue of [
        names.stockReturn,
        names.orderTimeout,
        names.dead,
        ...[DEFAULT_DELAY_SECONDS, ...delaySeconds].map(names.delay),
      ]) {
        await ch.queueDelete({ queue }).catch(() => undefined);
      }
      for (const exchange of [names.exchange, names.dead]) await ch.exchangeDelete({ exchange }).catch(() => undefined);
      await ch.close();
      await connection.close();
    },
  };
}
