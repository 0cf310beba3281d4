import { join } from 'node:path';
import { IzaError } from '@iza/errors';
import type { CgroupFs } from '../cgroup-fs.js';
import { hasCode } from '../cgroup-fs.js';
import { CgroupErrorCode } from '../errors.js';

const DELEGATE = 'systemd-run --scope -p Delegate=yes iza ...';

/** What a user can do when the kernel refuses to pass controllers down, by its errno. */
export function delegationHint(err?: unknown): string {
  if (hasCode(err, 'EACCES', 'EPERM', 'EROFS')) {
    return `run iza as root, or in a cgroup delegated to its user (${DELEGATE})`;
  }
  // cgroup-v2.rst "Threads": below a thread root no cgroup can host domain resources.
  if (hasCode(err, 'ENOTSUP', 'EOPNOTSUPP')) {
    return `the cgroup is part of a threaded subtree; run iza in a cgroup of its own (${DELEGATE})`;
  }
  return `run iza in a cgroup of its own, e.g. ${DELEGATE}`;
}

/** The controllers listed in `dir/cgroup.subtree_control` (none when unreadable). */
export async function enabledIn(fs: CgroupFs, dir: string): Promise<string[]> {
  const text = await fs.read(join(dir, 'cgroup.subtree_control')).catch(() => '');
  return text.split(/\s+/).filter((c) => c !== '');
}

/**
 * Writes `+c` for each of `controllers` not yet in `dir/cgroup.subtree_control`, returning
 * those it enabled. A refusal is ERR_IZA_CGROUPS_NO_DELEGATION with the kernel's error as cause.
 */
export async function enableControllers(
  fs: CgroupFs,
  dir: string,
  controllers: string[],
): Promise<string[]> {
  const enabled = await enabledIn(fs, dir);
  const missing = controllers.filter((c) => !enabled.includes(c));
  if (missing.length === 0) return [];

  try {
    await fs.write(join(dir, 'cgroup.subtree_control'), missing.map((c) => `+${c}`).join(' '));
  } catch (err) {
    throw new IzaError(
      CgroupErrorCode.NoDelegation,
      `cannot enable ${missing.join(', ')} in ${dir}/cgroup.subtree_control`,
      { cause: err, hint: delegationHint(err) },
    );
  }
  return missing;
}

/** Writes `-c` for each of `controllers` still in `dir/cgroup.subtree_control`. */
export async function disableControllers(
  fs: CgroupFs,
  dir: string,
  controllers: Iterable<string>,
): Promise<void> {
  const enabled = await enabledIn(fs, dir);
  const present = [...controllers].filter((c) => enabled.includes(c));
  if (present.length === 0) return;

  await fs.write(join(dir, 'cgroup.subtree_control'), present.map((c) => `-${c}`).join(' '));
}
