import { readFileSync } from 'node:fs';

/** What /proc/<pid>/stat says about a process that matters to a runtime (proc(5)). */
export interface ProcStat {
  /** One letter: R, S, D, Z (zombie), T... */
  state: string;
  /** Field 22, clock ticks since boot: with the pid, identifies one process across pid reuse. */
  startTime: string;
}

/** Reads /proc/<pid>/stat; undefined when no such process exists. `procRoot` is for tests. */
export function readProcStat(pid: number, procRoot = '/proc'): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`${procRoot}/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // comm (field 2) may hold spaces and parentheses: the fields that follow start after the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const state = fields[0];
  const startTime = fields[19];
  if (state === undefined || startTime === undefined) return undefined;
  return { state, startTime };
}

/** True while `pid` is the same process (same start time) and has not exited (not a zombie). */
export function isInitAlive(pid: number, startTime: string, procRoot = '/proc'): boolean {
  const stat = readProcStat(pid, procRoot);
  return (
    stat !== undefined && stat.startTime === startTime && stat.state !== 'Z' && stat.state !== 'X'
  );
}
