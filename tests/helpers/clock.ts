// A clock the test moves: the order srv's business time (expiry, attempt recovery, outbox schedules)
// and the gateway's pay window read it, so a test makes 30 minutes pass in no time and never waits.

export interface TestClock {
  now(): number;
  /** Moves time forward by ms. */
  advance(ms: number): void;
}

/** Starts at the real time and stands still until advanced. */
export function createTestClock(start = Date.now()): TestClock {
  let current = start;
  return {
    now: () => current,
    advance(ms) {
      if (ms < 0) throw new RangeError('time only moves forward');
      current += ms;
    },
  };
}
