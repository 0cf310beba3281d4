import { IzaError } from '@iza/errors';
import { CgroupErrorCode } from '../errors.js';
import type { LinuxResources } from '../resources.js';
import { sharesToWeight } from './cpu-weight.js';

/** One write into a cgroup directory: file name and value, in the order to write them. */
export interface LimitWrite {
  file: string;
  value: string;
  /** The limit this serves, for error messages. */
  controller: string;
}

function maxOr(n: number): string {
  return n < 0 ? 'max' : String(n);
}

function invalid(message: string): IzaError {
  return new IzaError(CgroupErrorCode.InvalidLimit, message);
}

/**
 * The cgroup v2 files and values for `resources` (SPECS §4; cgroup-v2.rst): memory.max,
 * memory.swap.max = swap − memory, memory.low, cpu.max "quota period", cpu.weight, cpuset.*,
 * pids.max. Only controllers in `controllers` are written.
 */
export function v2LimitWrites(resources: LinuxResources, controllers: string[]): LimitWrite[] {
  const writes: LimitWrite[] = [];
  const has = (c: string) => controllers.includes(c);
  const { memory, cpu, pids } = resources;

  if (memory && has('memory')) {
    if (memory.reservation !== undefined) {
      writes.push({ file: 'memory.low', value: maxOr(memory.reservation), controller: 'memory' });
    }
    if (memory.limit !== undefined) {
      writes.push({ file: 'memory.max', value: maxOr(memory.limit), controller: 'memory' });
    }
    if (memory.swap !== undefined) writes.push(swapWrite(memory.limit, memory.swap));
  }

  if (cpu && has('cpu')) {
    if (cpu.quota !== undefined || cpu.period !== undefined) {
      const quota = cpu.quota === undefined || cpu.quota <= 0 ? 'max' : String(cpu.quota);
      writes.push({
        file: 'cpu.max',
        value: `${quota} ${cpu.period ?? 100000}`,
        controller: 'cpu',
      });
    }
    if (cpu.shares !== undefined && cpu.shares !== 0) {
      const weight = String(sharesToWeight(cpu.shares));
      writes.push({ file: 'cpu.weight', value: weight, controller: 'cpu' });
    }
  }

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

// OCI swap is memory+swap; v2 limits swap alone (runc fs2 memory.go): -1 → max, equal → 0.
function swapWrite(limit: number | undefined, swap: number): LimitWrite {
  if (swap < 0) return { file: 'memory.swap.max', value: 'max', controller: 'memory' };

  if (limit === undefined || limit < 0) {
    throw invalid('memory+swap limit needs a memory limit');
  }
  if (swap < limit) {
    throw invalid(`memory+swap limit ${swap} is below the memory limit ${limit}`);
  }

  return { file: 'memory.swap.max', value: String(swap - limit), controller: 'memory' };
}
