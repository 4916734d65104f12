// Crash points (global/crash-points.ts) as the order srv reaches them: SIGKILL at the configured one,
// a no-op everywhere else and when none is configured.
import type { CrashPoint } from '../../../global/crash-points';

export type { CrashPoint };

export type Faults = (point: CrashPoint) => void;

export const noFaults: Faults = () => undefined;

export function crashAt(point: CrashPoint): Faults {
  return (reached) => {
    if (reached === point) process.kill(process.pid, 'SIGKILL');
  };
}
