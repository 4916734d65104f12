// CPU time of processes from /proc (Linux), for the benches: what a named process (with its descendants, such
// as the gateway's cluster workers) spent between two readings, whatever else loads the machine.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

export const CLOCK_TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** The fields of /proc/<pid>/stat after the command name (which may hold spaces): [0] is state, [1] ppid. */
export function statFields(pid: number | string): string[] | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined; // gone
  }
}

/** utime + stime of a process (all its threads), in ms; 0 once it has exited. */
function processCpuMs(pid: number): number {
  const fields = statFields(pid);
  return fields ? ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND : 0;
}

/** The process and all its descendants, from the ppid in /proc/<pid>/stat. */
export function processTree(root: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const ppid = statFields(entry)?.[1];
    if (ppid !== undefined) parentOf.set(Number(entry), Number(ppid));
  }
  const tree = [root];
  for (let i = 0; i < tree.length; i++) {
    for (const [pid, ppid] of parentOf) if (ppid === tree[i]) tree.push(pid);
  }
  return tree;
}

/** Processes whose command name is one of `names` (e.g. the database server), by /proc/<pid>/comm. */
export function processesNamed(names: readonly string[]): number[] {
  const found: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (names.includes(fs.readFileSync(`/proc/${entry}/comm`, 'utf8').trim())) found.push(Number(entry));
    } catch {
      // gone, or not ours to read
    }
  }
  return found;
}

/** A named group of processes whose CPU time is read together. */
export interface WatchedGroup {
  name: string;
  pids: number[];
}

/** CPU ms of each group, in the groups' order. */
export function groupsCpuMs(groups: readonly WatchedGroup[]): number[] {
  return groups.map((g) => g.pids.reduce((sum, pid) => sum + processCpuMs(pid), 0));
}
