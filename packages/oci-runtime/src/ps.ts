import { execFileSync } from 'node:child_process';

import { IzaError } from '@iza/errors';

import { cgroupPids } from './container-cgroup.js';
import { OciErrorCode } from './errors.js';
import { must, type ContainerRef } from './operations.js';
import { DEFAULT_ROOT } from './state-store.js';

/** The host pids of every process in the container's cgroups, ascending (runc `ps --format json`). */
export function containerPids(ref: ContainerRef): number[] {
  const stored = must(ref.root ?? DEFAULT_ROOT, ref.id);
  return cgroupPids(stored.cgroupPaths).sort((a, b) => a - b);
}

/**
 * runc's `ps --format table`: runs `ps` with `psArgs` (default `-ef`) and keeps its header and
 * the lines whose PID column names a process of the container. `runPs` is for tests.
 */
export function containerPsTable(
  ref: ContainerRef & { psArgs?: string[] },
  runPs: (args: string[]) => string = (args) => execFileSync('ps', args, { encoding: 'utf8' }),
): string {
  const pids = new Set(containerPids(ref));
  const args = ref.psArgs !== undefined && ref.psArgs.length > 0 ? ref.psArgs : ['-ef'];
  const [header = '', ...lines] = runPs(args).split('\n');
  const column = header.trim().split(/\s+/).indexOf('PID');
  if (column < 0) {
    throw new IzaError(OciErrorCode.Usage, `ps ${args.join(' ')} printed no PID column`, {
      hint: 'give ps options whose output includes the PID (e.g. -ef, -o pid,cmd)',
    });
  }
  const kept = lines.filter((line) => pids.has(Number(line.trim().split(/\s+/)[column])));
  return [header, ...kept].map((l) => `${l}\n`).join('');
}
