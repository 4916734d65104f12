// Waiting in tests: for a state to be reached, and for the lowest value seen while something runs.

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Reads until `done` holds or the time is up, then returns the last reading. A read that fails
 * (a srv coming back may refuse a moment longer) is retried until the time is up.
 */
export async function waitFor<T>(read: () => Promise<T>, done: (v: T) => boolean, timeoutMs = 5000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await read().catch((err: unknown) => {
      if (Date.now() > until) throw err;
      return undefined;
    });
    if ((value !== undefined && done(value)) || Date.now() > until) return value as T;
    await sleep(25);
  }
}

/** Polls a number until stopped; stop() resolves to the lowest value seen. A slow or failed read is no reading. */
export function watchLowest(read: () => Promise<number>, start: number): { stop(): Promise<number> } {
  let lowest = start;
  let watching = true;
  const watcher = (async () => {
    while (watching) {
      const value = await read().catch(() => undefined);
      if (value !== undefined) lowest = Math.min(lowest, value);
      await sleep(5);
    }
  })();
  return {
    async stop() {
      watching = false;
      await watcher;
      return lowest;
    },
  };
}
