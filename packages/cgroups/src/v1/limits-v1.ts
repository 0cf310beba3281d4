import { IzaError } from '@iza/errors';
import { CgroupErrorCode } from '../errors.js';
import type { LinuxResources } from '../resources.js';
import { cpusetAndPidsWrites } from '../limit-write.js';
import type { LimitWrite } from '../limit-write.js';

// cgroup-v1/memory.rst: memory.kmem.tcp.limit_in_bytes, memory.swappiness, memory.oom_control.
function v1MemoryExtras(memory: NonNullable<LinuxResources['memory']>): LimitWrite[] {
  const writes: LimitWrite[] = [];
  if (memory.kernelTCP !== undefined) {
    const value = String(memory.kernelTCP < 0 ? -1 : memory.kernelTCP);
    writes.push({ file: 'memory.kmem.tcp.limit_in_bytes', value, controller: 'memory' });
  }
  if (memory.swappiness !== undefined) {
    const value = String(memory.swappiness);
    writes.push({ file: 'memory.swappiness', value, controller: 'memory' });
  }
  if (memory.disableOOMKiller === true) {
    writes.push({ file: 'memory.oom_control', value: '1', controller: 'memory' });
  }
  return writes;
}

/**
 * The cgroup v1 files and values for `resources` (SPECS §4; cgroup-v1/memory.rst): the memory
 * limit before memory.memsw (the kernel refuses memsw below the memory limit), the soft limit,
 * kmem.tcp, swappiness and oom_control, the CFS period before the quota, cpu.shares, cpuset.*,
 * pids.max. Only controllers in `controllers`.
 */
export function v1LimitWrites(resources: LinuxResources, controllers: string[]): LimitWrite[] {
  const writes: LimitWrite[] = [];
  const has = (c: string) => controllers.includes(c);
  const { memory, cpu } = resources;

  if (memory && has('memory')) {
    if (memory.limit !== undefined) {
      const value = String(memory.limit < 0 ? -1 : memory.limit);
      writes.push({ file: 'memory.limit_in_bytes', value, controller: 'memory' });
    }
    if (memory.swap !== undefined) {
      if (memory.swap >= 0 && (memory.limit === undefined || memory.swap < memory.limit)) {
        throw new IzaError(
          CgroupErrorCode.InvalidLimit,
          `memory+swap limit ${memory.swap} is below the memory limit ${memory.limit ?? 'max'}`,
        );
      }
      const value = String(memory.swap < 0 ? -1 : memory.swap);
      writes.push({ file: 'memory.memsw.limit_in_bytes', value, controller: 'memory' });
    }
    if (memory.reservation !== undefined) {
      const value = String(memory.reservation < 0 ? -1 : memory.reservation);
      writes.push({ file: 'memory.soft_limit_in_bytes', value, controller: 'memory' });
    }
    writes.push(...v1MemoryExtras(memory));
  }

  if (cpu && has('cpu')) {
    if (cpu.period !== undefined) {
      writes.push({ file: 'cpu.cfs_period_us', value: String(cpu.period), controller: 'cpu' });
    }
    if (cpu.quota !== undefined) {
      const value = String(cpu.quota <= 0 ? -1 : cpu.quota);
      writes.push({ file: 'cpu.cfs_quota_us', value, controller: 'cpu' });
    }
    if (cpu.shares !== undefined && cpu.shares !== 0) {
      writes.push({ file: 'cpu.shares', value: String(cpu.shares), controller: 'cpu' });
    }
  }

  writes.push(...cpusetAndPidsWrites(resources, has));
  return writes;
}
