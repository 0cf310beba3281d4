import { join } from 'node:path';
import type { CgroupFs } from '../cgroup-fs.js';
import type { CgroupStats } from '../resources.js';
import { parseFlatKeyed, readNumber } from '../v1/read-v1.js';

/** OOM kills in a v2 cgroup and below it: `oom_kill` of memory.events (hierarchical). */
export async function readOomKillsV2(fs: CgroupFs, dir: string): Promise<number> {
  const text = await fs.read(join(dir, 'memory.events')).catch(() => '');
  return parseFlatKeyed(text).get('oom_kill') ?? 0;
}

/** Usage from the v2 leaf; cpu.stat exists even without the cpu controller. */
export async function statsV2(fs: CgroupFs, dir: string, controllers: string[]) {
  const stats: CgroupStats = {};

  const cpu = await fs.read(join(dir, 'cpu.stat')).catch(() => '');
  const usage = parseFlatKeyed(cpu).get('usage_usec');
  if (usage !== undefined) stats.cpuUsageUsec = usage;

  if (controllers.includes('memory')) {
    const current = await readNumber(fs, join(dir, 'memory.current'));
    // memory.peak appeared in Linux 5.19.
    const peak = await readNumber(fs, join(dir, 'memory.peak'));
    if (current !== undefined) stats.memoryCurrent = current;
    if (peak !== undefined) stats.memoryPeak = peak;
  }
  if (controllers.includes('pids')) {
    const current = await readNumber(fs, join(dir, 'pids.current'));
    if (current !== undefined) stats.pidsCurrent = current;
  }

  return stats;
}
