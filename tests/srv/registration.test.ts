// A srv's (or the gateway's) registration in Consul against the stand-in agent, with a TCP proxy between them to
// hold the agent's answers.
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { registerInConsul } from '../../src/srv/registration';
import { startConsulAgent } from '../helpers/consul-agent';
import { startTcpProxy } from '../helpers/tcp-proxy';
import { waitFor } from '../helpers/wait';

describe('registration in Consul', () => {
  it('when the process stops while its registration is still on its way then it waits for the answer and deregisters', async () => {
    const agent = await startConsulAgent();
    const proxy = await startTcpProxy(agent.address);
    const lines: { msg: string }[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
    try {
      proxy.freeze(); // the register request waits in the proxy
      const registration = registerInConsul({
        agent: { address: proxy.address },
        name: 'goods-srv',
        address: '127.0.0.1:50051',
        tags: [],
        checkIntervalMs: 60_000,
        deregisterCriticalAfterMs: 60_000,
        logger,
      });
      const stopping = registration.deregister();
      proxy.thaw();
      await stopping;
      await waitFor(
        async () => lines.map((l) => l.msg),
        (msgs) => msgs.includes('registered in Consul'),
      );
      expect(lines.map((l) => l.msg)).toEqual(['registered in Consul', 'deregistered from Consul']);
      expect(agent.services()).toEqual([]);
      expect(registration.registered()).toBe(false);
    } finally {
      await proxy.close();
      await agent.close();
    }
  });
});
