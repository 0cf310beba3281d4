import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { readMounts } from './mountinfo.js';

/** A cgroup hierarchy this process belongs to and its directory for this process. */
export interface OwnCgroup {
  /** `memory`, `cpu,cpuacct`, ... for v1; `unified` for v2. */
  hierarchy: string;
  dir: string;
}

/**
 * The directory of this process's cgroup in each mounted hierarchy, from /proc/self/cgroup and
 * mountinfo (cgroups(7)): works on v1, v2 and hybrid hosts such as this project's machines.
 */
export function ownCgroupDirs(): OwnCgroup[] {
  const mounts = readMounts().filter((m) => m.fsType === 'cgroup' || m.fsType === 'cgroup2');
  const lines = readFileSync('/proc/self/cgroup', 'utf8').split('\n').filter(Boolean);
  const dirs: OwnCgroup[] = [];

  for (const line of lines) {
    // hierarchy-ID:controller-list:cgroup-path; the path itself may contain ':'.
    const first = line.indexOf(':');
    const second = line.indexOf(':', first + 1);
    const controllers = line.slice(first + 1, second);
    const path = line.slice(second + 1);
    const isV2 = controllers === '';
    const mount = mounts.find((m) =>
      isV2
        ? m.fsType === 'cgroup2'
        : m.fsType === 'cgroup' &&
          controllers.split(',').every((c) => m.superOptions.split(',').includes(c)),
    );
    if (mount === undefined) continue;

    // The cgroup path is relative to the hierarchy root; the mount may show only a subtree.
    const inMount = relative(mount.root, path);
    if (inMount.startsWith('..')) continue;
    dirs.push({ hierarchy: isV2 ? 'unified' : controllers, dir: join(mount.mountPoint, inMount) });
  }
  return dirs;
}

function walk(dir: string, match: RegExp, depth: number, out: string[]): void {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return; // Removed while we looked: nothing left there.
  }
  for (const entry of entries) {
    if (!entry.isDirectory()) continue;
    const path = join(dir, entry.name);
    if (match.test(entry.name)) out.push(path);
    if (depth > 0) walk(path, match, depth - 1, out);
  }
}

/**
 * Cgroup directories whose name matches `match` (default: contains "iza") below this process's
 * own cgroup in every hierarchy, up to 4 levels deep. Compare a snapshot taken before a test
 * with one taken after: anything new is a cgroup the test left behind.
 */
export function cgroupsUnder(match = /iza/i): string[] {
  const out: string[] = [];
  for (const own of ownCgroupDirs()) walk(own.dir, match, 4, out);
  return out.sort();
}

/**
 * The iza cgroups present now that were not in `before`: what a run left behind. (iza removes its
 * own empty `iza` directories when the last container leaves, so the list may also shrink.)
 */
export function newCgroups(before: readonly string[]): string[] {
  return cgroupsUnder().filter((c) => !before.includes(c));
}
