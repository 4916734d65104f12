// How a main file stops on signals, in a real child process running the built lifecycle kit: its stop holds
// until the test writes a line to it, so the test sends signals while it is stopping.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, ROOT } from '../helpers/process';

const MAIN = `
  const { stopOnSignal } = require(${JSON.stringify(path.join(ROOT, 'dist', 'src', 'lifecycle.js'))});
  const { createLogger } = require(${JSON.stringify(path.join(ROOT, 'dist', 'global', 'logger.js'))});
  const logger = createLogger({ name: 'lifecycle-test' });
  stopOnSignal(() => new Promise((resolve) => process.stdin.once('data', resolve)), logger);
  setInterval(() => {}, 60_000); // what a listening server does: keeps the process until it exits
  logger.info('started');
`;

function startStopping() {
  const child = spawn(process.execPath, ['-e', MAIN], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  const saw = (msg: string) =>
    new Promise<void>((resolve) => {
      const look = () => {
        if (out.includes(`"msg":"${msg}"`)) resolve();
        else child.stdout.once('data', look);
      };
      look();
    });
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, saw, exited };
}

describe('stopping on signals', () => {
  beforeAll(() => ensureBuilt());

  it('when SIGTERM follows SIGINT while stopping (Ctrl-C, then a gateway primary stopping its workers) then it still drains and exits 0', async () => {
    const p = startStopping();
    await p.saw('started');
    p.child.kill('SIGINT');
    await p.saw('shutting down');
    p.child.kill('SIGTERM');
    p.child.stdin?.write('drained\n');
    expect(await p.exited).toEqual({ code: 0, signal: null });
  });

  it('when the same signal comes again while stopping then it ends the process at once', async () => {
    const p = startStopping();
    await p.saw('started');
    p.child.kill('SIGTERM');
    await p.saw('shutting down');
    p.child.kill('SIGTERM');
    expect(await p.exited).toEqual({ code: null, signal: 'SIGTERM' });
  });
});
