import type { LinuxResources } from './resources.js';

/** One write into a cgroup directory: file name and value, in the order to write them. */
export interface LimitWrite {
  file: string;
  value: string;
  /** The limit this serves, for error messages. */
  controller: string;
}

/**
 * The writes v1 and v2 share: cpuset.cpus, cpuset.mems and pids.max have the same names and
 * values in both hierarchies (cgroup-v1/cpusets.rst, pids.rst; cgroup-v2.rst).
 */
export function cpusetAndPidsWrites(
  resources: LinuxResources,
  has: (controller: string) => boolean,
): LimitWrite[] {
  const writes: LimitWrite[] = [];
  const { cpu, pids } = resources;

  if (cpu && has('cpuset')) {
    if (cpu.cpus !== undefined) {
      writes.push({ file: 'cpuset.cpus', value: cpu.cpus, controller: 'cpuset' });
    }
    if (cpu.mems !== undefined) {
      writes.push({ file: 'cpuset.mems', value: cpu.mems, controller: 'cpuset' });
    }
  }

  if (pids?.limit !== undefined && has('pids')) {
    const value = pids.limit <= 0 ? 'max' : String(pids.limit);
    writes.push({ file: 'pids.max', value, controller: 'pids' });
  }

  return writes;
}
