import { join } from 'node:path';
import type { CgroupFs } from './cgroup-fs.js';
import { hasCode, nodeCgroupFs } from './cgroup-fs.js';
import { CGROUP_NAME, readProcs, removeIzaRoot } from './cgroup-part.js';
import type { CgroupLayout } from './layout.js';

/** The `iza` directories iza creates below its own cgroup, one per hierarchy. */
function izaRoots(layout: CgroupLayout): string[] {
  const roots = new Set<string>();
  for (const p of Object.values(layout.controllers)) {
    if (p !== undefined) roots.add(join(p.mountPoint, p.currentPath, 'iza'));
  }
  if (layout.unified !== undefined) {
    roots.add(join(layout.unified.mountPoint, layout.unified.currentPath, 'iza'));
  }
  return [...roots];
}

/**
 * Removes container cgroups left by dead iza runs: the empty children of each `iza` directory
 * iza creates (never anything else; `--cgroup-parent` cgroups are out of reach), whose name
 * `isAlive` rejects. A cgroup that still holds processes is kept. Returns the removed paths.
 */
// LIMITATION: cgroups made under a `parent` override are not found here.
export async function removeStaleCgroups(
  layout: CgroupLayout,
  isAlive: (name: string) => boolean | Promise<boolean>,
  fs: CgroupFs = nodeCgroupFs,
): Promise<string[]> {
  const removed: string[] = [];

  for (const root of izaRoots(layout)) {
    const names = await fs.subdirs(root).catch(() => [] as string[]);

    for (const name of names) {
      // `supervisor` holds iza itself on v2 (see createV2Part).
      if (name === 'supervisor' || !CGROUP_NAME.test(name) || (await isAlive(name))) continue;

      const dir = join(root, name);
      if ((await readProcs(fs, dir)).length > 0) continue;

      try {
        await fs.rmdir(dir);
        removed.push(dir);
      } catch (err) {
        // Busy (a process arrived, or child cgroups) or already gone: leave it.
        if (!hasCode(err, 'EBUSY', 'ENOTEMPTY', 'ENOENT')) throw err;
      }
    }
    await removeIzaRoot(fs, root);
  }

  return removed;
}
