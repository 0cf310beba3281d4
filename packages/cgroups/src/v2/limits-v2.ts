import { IzaError } from '@iza/errors';
import { CgroupErrorCode } from '../errors.js';
import type { LinuxResources } from '../resources.js';
import { sharesToWeight } from './cpu-weight.js';

import { cpusetAndPidsWrites } from '../limit-write.js';
import type { LimitWrite } from '../limit-write.js';

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
  const { memory, cpu } = resources;

  if (memory && has('memory')) {
    if (memory.reservation !== undefined) {
      writes.push({ file: 'memory.low', value: maxOr(memory.reservation), controller: 'memory' });
    }
    if (memory.limit !== undefined) {
      writes.push({ file: 'memory.max', value: maxOr(memory.limit), controller: 'memory' });
    }
    if (memory.swap !== undefined) writes.push(swapWrite(memory.limit, memory.swap));
    refuseV1OnlyMemory(memory);
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

  writes.push(...cpusetAndPidsWrites(resources, has));
  return writes;
}

// cgroup v2 has no per-cgroup swappiness, kernel TCP limit or switch for the OOM killer
// (cgroup-v2.rst, "Memory Interface Files"): refused rather than dropped.
function refuseV1OnlyMemory(memory: NonNullable<LinuxResources['memory']>): void {
  const asked = [
    memory.kernelTCP !== undefined && memory.kernelTCP >= 0 ? 'kernelTCP' : undefined,
    memory.swappiness !== undefined ? 'swappiness' : undefined,
    memory.disableOOMKiller === true ? 'disableOOMKiller' : undefined,
  ].find((f) => f !== undefined);
  if (asked === undefined) return;
  throw new IzaError(
    CgroupErrorCode.ControllerUnavailable,
    `cgroup v2 has no memory ${asked} setting`,
    { hint: `drop memory ${asked}: it exists only with a cgroup v1 memory controller` },
  );
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
