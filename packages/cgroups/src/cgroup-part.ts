import { basename, join } from 'node:path';
import { IzaError } from '@iza/errors';
import type { CgroupFs } from './cgroup-fs.js';
import { hasCode } from './cgroup-fs.js';
import { CgroupErrorCode } from './errors.js';
import type { LimitWrite } from './limit-write.js';

/** One directory of a container's cgroup: a v1 hierarchy's leaf or the v2 leaf. */
export interface CgroupPart {
  version: 1 | 2;
  /** The leaf directory. */
  dir: string;
  /** Controllers this directory serves. */
  controllers: string[];
  /** Ancestors this run created (outermost first), removed after the leaf when empty. */
  createdAncestors: string[];
  /** The shared `iza` directory the leaf is below (none with an explicit parent). */
  izaDir?: string;
}

/** A cgroup name: one path element, no dot-names, nothing a shell or cgroupfs would mangle. */
export const CGROUP_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

/**
 * Creates each missing directory from `base` down through `segments`, returning those this call
 * created. The last segment is the leaf, which must not already exist: a leaf that exists
 * belongs to someone else (or another run) and is never adopted.
 */
export async function makeChain(fs: CgroupFs, base: string, segments: string[]) {
  // A concurrent destroy may remove a shared empty ancestor between our mkdirs: start over.
  for (let attempt = 1; ; attempt++) {
    try {
      return await makeChainOnce(fs, base, segments);
    } catch (err) {
      const cause = (err as { cause?: unknown }).cause;
      if (attempt >= 3 || !hasCode(cause, 'ENOENT')) throw err;
    }
  }
}

async function makeChainOnce(fs: CgroupFs, base: string, segments: string[]) {
  const created: string[] = [];
  let dir = base;

  for (const [i, segment] of segments.entries()) {
    dir = join(dir, segment);
    const fresh = await wrapWrite(`creating cgroup ${dir}`, () => fs.mkdir(dir));

    if (!fresh && i === segments.length - 1) {
      throw new IzaError(CgroupErrorCode.WriteFailed, `cgroup ${dir} already exists`, {
        hint: 'remove the stale cgroup (removeStaleCgroups) or pick another name',
      });
    }
    if (fresh) created.push(dir);
  }

  return { leaf: dir, created };
}

/** Runs `fn`, turning a failure into ERR_IZA_CGROUPS_WRITE_FAILED with `context`. */
export async function wrapWrite<T>(context: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof IzaError) throw err;
    throw new IzaError(CgroupErrorCode.WriteFailed, context, { cause: err });
  }
}

/**
 * Writes limit files into `dir` in order. A missing file means the kernel lacks that knob
 * (e.g. swap accounting off): unlimited is already its default, anything else is an error.
 */
export async function applyWrites(fs: CgroupFs, dir: string, writes: LimitWrite[]) {
  for (const w of writes) {
    const path = join(dir, w.file);

    if (!(await fs.exists(path))) {
      if (w.value === 'max' || w.value === '-1') continue;
      throw new IzaError(
        CgroupErrorCode.ControllerUnavailable,
        `cgroup controller ${w.controller} has no ${w.file} on this host`,
        { hint: `drop the ${w.controller} limit, or enable that kernel feature` },
      );
    }

    await wrapWrite(`writing ${w.value} to ${path}`, () => fs.write(path, w.value));
  }
}

/** rmdir(2) of a leaf, retrying EBUSY while its processes exit, until `deadline` (ms epoch). */
export async function removeLeaf(fs: CgroupFs, dir: string, deadline: number): Promise<void> {
  for (;;) {
    try {
      await fs.rmdir(dir);
      return;
    } catch (err) {
      if (hasCode(err, 'ENOENT')) return;
      if (!hasCode(err, 'EBUSY') || Date.now() >= deadline) {
        throw new IzaError(CgroupErrorCode.DestroyFailed, `removing cgroup ${dir}`, {
          cause: err,
          hint: 'processes are still in the cgroup: kill them (killAll) and retry',
        });
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

/** Removes ancestors this run created when nothing else uses them (EBUSY means in use). */
export async function removeAncestors(fs: CgroupFs, dirs: string[]): Promise<void> {
  for (const dir of [...dirs].reverse()) {
    try {
      await fs.rmdir(dir);
    } catch (err) {
      if (hasCode(err, 'EBUSY', 'ENOTEMPTY', 'ENOENT')) return;
      throw new IzaError(CgroupErrorCode.DestroyFailed, `removing cgroup ${dir}`, { cause: err });
    }
  }
}

/**
 * Removes the directories this run made between the shared `iza` directory and the leaf (a
 * `below` subpath), innermost first, when empty: before the v2 delegation is undone, which
 * waits for `iza` to have no child but iza's own.
 */
export async function removeBelowIza(fs: CgroupFs, part: CgroupPart): Promise<void> {
  const izaDir = part.izaDir;
  if (izaDir === undefined) return;
  await removeAncestors(
    fs,
    part.createdAncestors.filter((d) => d.startsWith(`${izaDir}/`)),
  );
}

/**
 * Removes `dir` when it is an `iza` directory (the one iza makes below the cgroup it runs in)
 * and nothing is left in it; a busy or non-empty one stays. Never touches any other cgroup.
 */
export async function removeIzaRoot(fs: CgroupFs, dir: string): Promise<void> {
  if (basename(dir) !== 'iza') return;
  try {
    if ((await fs.subdirs(dir)).length > 0) return;
    await fs.rmdir(dir);
  } catch (err) {
    if (!hasCode(err, 'EBUSY', 'ENOTEMPTY', 'ENOENT')) throw err;
  }
}

/** The pids listed in `dir/cgroup.procs` (empty when the directory is gone). */
export async function readProcs(fs: CgroupFs, dir: string): Promise<number[]> {
  const text = await fs.read(join(dir, 'cgroup.procs')).catch((err: unknown) => {
    if (hasCode(err, 'ENOENT')) return '';
    throw err;
  });
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map(Number);
}
