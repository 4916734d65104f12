// For a test file of production entries run as real processes: builds once, gives the file a temp data dir,
// starts entries at LOG_LEVEL=info and remembers them, and SIGKILLs whatever is still running at the end.
import fs from 'node:fs';
import { afterAll, beforeAll } from 'vitest';
import { ensureBuilt, type MainProcess, startMain } from './process';
import { makeTempDir } from './stack';

export interface MainProcesses {
  /** The file's temp dir (set once beforeAll ran). */
  dataDir(): string;
  start(entry: string, env: Record<string, string>): MainProcess;
  /** Resolves on the process's "… listening" line. */
  listening(p: MainProcess): ReturnType<MainProcess['waitForLog']>;
}

export function mainProcesses(): MainProcesses {
  const running: MainProcess[] = [];
  let dataDir = '';
  beforeAll(() => {
    ensureBuilt();
    dataDir = makeTempDir();
  });
  afterAll(() => {
    for (const p of running) if (p.child.exitCode === null) p.child.kill('SIGKILL');
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
  return {
    dataDir: () => dataDir,
    start(entry, env) {
      const p = startMain(entry, { LOG_LEVEL: 'info', ...env });
      running.push(p);
      return p;
    },
    listening: (p) => p.waitForLog((l) => typeof l.msg === 'string' && l.msg.endsWith('listening')),
  };
}
