import { join } from 'node:path';
import type { CgroupFs } from '../cgroup-fs.js';
import type { CgroupStats } from '../resources.js';

/** `key value` lines (memory.oom_control, memory.events, cpu.stat) as a map. */
export function parseFlatKeyed(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const [key, value] = line.trim().split(/\s+/);
    if (key && value !== undefined) out.set(key, Number(value));
  }
  return out;
}

/** A file holding one number; undefined when missing or not a number. */
export async function readNumber(fs: CgroupFs, path: string): Promise<number | undefined> {
  const text = await fs.read(path).catch(() => undefined);
  if (text === undefined) return undefined;
  const n = Number(text.trim());
  return Number.isFinite(n) ? n : undefined;
}

/**
 * OOM kills in a v1 memory cgroup: the `oom_kill` counter of memory.oom_control (Linux ≥4.13).
 * Older kernels lack it; then `under_oom` (1 while the group is at its limit with the OOM killer
 * busy) is the best signal there is, so the answer is 0 or 1.
 */
// LIMITATION: without the oom_kill counter the answer is under_oom (0 or 1), not a count.
export async function readOomKillsV1(fs: CgroupFs, dir: string): Promise<number> {
  const text = await fs.read(join(dir, 'memory.oom_control')).catch(() => '');
  const keys = parseFlatKeyed(text);
  return keys.get('oom_kill') ?? keys.get('under_oom') ?? 0;
}

/** Usage from one v1 directory, for the controllers it serves. */
export async function statsV1(fs: CgroupFs, dir: string, controllers: string[]) {
  const stats: CgroupStats = {};

  if (controllers.includes('cpuacct')) {
    // cpuacct.usage is in nanoseconds (cgroup-v1/cpuacct.rst).
    const ns = await readNumber(fs, join(dir, 'cpuacct.usage'));
    if (ns !== undefined) stats.cpuUsageUsec = Math.floor(ns / 1000);
  }
  if (controllers.includes('memory')) {
    const current = await readNumber(fs, join(dir, 'memory.usage_in_bytes'));
    const peak = await readNumber(fs, join(dir, 'memory.max_usage_in_bytes'));
    if (current !== undefined) stats.memoryCurrent = current;
    if (peak !== undefined) stats.memoryPeak = peak;
  }
  if (controllers.includes('pids')) {
    const current = await readNumber(fs, join(dir, 'pids.current'));
    if (current !== undefined) stats.pidsCurrent = current;
  }

  return stats;
}
