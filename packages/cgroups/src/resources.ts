/** The subset of the OCI runtime spec's `linux.resources` iza applies (config-linux.md). */
export interface LinuxResources {
  memory?: {
    /** Hard limit in bytes; -1 for unlimited. */
    limit?: number;
    /** Soft limit in bytes (v2 memory.low, v1 memory.soft_limit_in_bytes). */
    reservation?: number;
    /** OCI: memory + swap in bytes (not swap alone); -1 for unlimited swap. */
    swap?: number;
    /** Kernel TCP buffer limit in bytes (v1 memory.kmem.tcp.limit_in_bytes); -1 unlimited. */
    kernelTCP?: number;
    /** vmscan swappiness 0…100 (v1 memory.swappiness). */
    swappiness?: number;
    /** true: tasks over the limit wait instead of being OOM-killed (v1 memory.oom_control). */
    disableOOMKiller?: boolean;
  };
  cpu?: {
    /** Relative weight, cgroup v1 scale 2…262144 (converted to cpu.weight on v2). */
    shares?: number;
    /** CPU time in µs per period; -1 for unlimited. */
    quota?: number;
    /** Period in µs (default 100000). */
    period?: number;
    /** cpuset syntax, e.g. `0-2,4`. */
    cpus?: string;
    mems?: string;
  };
  pids?: {
    /** Maximum number of tasks; -1 (or 0) for unlimited. */
    limit?: number;
  };
}

/** Usage figures; a field is missing when its controller is not in use for this cgroup. */
export interface CgroupStats {
  cpuUsageUsec?: number;
  memoryCurrent?: number;
  /** Highest usage seen (v2 memory.peak, v1 memory.max_usage_in_bytes). */
  memoryPeak?: number;
  pidsCurrent?: number;
}

/** The controllers whose files `resources` writes to. */
export function requiredControllers(resources: LinuxResources): string[] {
  const needed = new Set<string>();
  const { memory, cpu, pids } = resources;

  if (memory && Object.values(memory).some((v) => v !== undefined)) needed.add('memory');
  if (cpu && [cpu.shares, cpu.quota, cpu.period].some((v) => v !== undefined)) needed.add('cpu');
  if (cpu && (cpu.cpus !== undefined || cpu.mems !== undefined)) needed.add('cpuset');
  if (pids?.limit !== undefined) needed.add('pids');

  return [...needed];
}
