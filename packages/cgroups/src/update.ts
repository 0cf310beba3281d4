import { dirname, join } from 'node:path';

import { IzaError } from '@iza/errors';

import type { CgroupFs } from './cgroup-fs.js';
import { nodeCgroupFs } from './cgroup-fs.js';
import { applyWrites } from './cgroup-part.js';
import { CgroupErrorCode } from './errors.js';
import type { CgroupLayout } from './layout.js';
import type { LimitWrite } from './limit-write.js';
import type { LinuxResources } from './resources.js';
import { requiredControllers } from './resources.js';
import { v1LimitWrites } from './v1/limits-v1.js';
import { enableControllers } from './v2/subtree-control.js';
import { v2LimitWrites } from './v2/limits-v2.js';

/** Options of {@link updateCgroup}. */
export interface UpdateCgroupOptions {
  layout: CgroupLayout;
  fs?: CgroupFs;
  /**
   * OCI `memory.checkBeforeUpdate`: refuse a memory limit below what the cgroup already uses,
   * rather than let the kernel reclaim or OOM-kill to get there. Default false.
   */
  checkBeforeUpdate?: boolean;
}

/** One leaf of a container's cgroup as found on the host. */
interface Leaf {
  version: 1 | 2;
  dir: string;
  controllers: string[];
}

const under = (dir: string, mount: string) => dir.startsWith(`${mount.replace(/\/$/, '')}/`);

async function classify(fs: CgroupFs, dirs: readonly string[], layout: CgroupLayout) {
  const leaves: Leaf[] = [];
  for (const dir of dirs) {
    const unified = layout.unified;
    if (unified !== undefined && under(dir, unified.mountPoint)) {
      const text = await fs.read(join(dir, 'cgroup.controllers')).catch(() => '');
      leaves.push({ version: 2, dir, controllers: text.split(/\s+/).filter((c) => c !== '') });
      continue;
    }
    const controllers = Object.entries(layout.controllers)
      .filter(([, p]) => p?.version === 1 && under(dir, p.mountPoint))
      .map(([name]) => name);
    if (controllers.length > 0) leaves.push({ version: 1, dir, controllers });
  }
  return leaves;
}

/**
 * On v2 a controller is usable in a leaf only when every ancestor passes it down: enable it
 * top-down from the hierarchy's root, as create does for an explicit parent (runc enables
 * every available controller at create; iza only those a limit needed then).
 */
async function enableOnV2(fs: CgroupFs, leaf: Leaf, mountPoint: string, wanted: string[]) {
  const ancestors: string[] = [];
  for (let d = dirname(leaf.dir); under(d, mountPoint) || d === mountPoint; d = dirname(d)) {
    ancestors.unshift(d);
    if (d === mountPoint) break;
  }
  for (const dir of ancestors) await enableControllers(fs, dir, wanted);
  leaf.controllers.push(...wanted);
}

async function readText(fs: CgroupFs, path: string): Promise<string | undefined> {
  return (await fs.read(path).catch(() => undefined))?.trim();
}

/** A number file; `max` and v1's "unlimited" (above 2^62) read as -1. */
async function readLimit(fs: CgroupFs, path: string): Promise<number | undefined> {
  const text = await readText(fs, path);
  if (text === undefined || text === '') return undefined;
  if (text === 'max') return -1;
  const n = Number(text);
  return n >= 2 ** 62 ? -1 : n;
}

/**
 * What the update leaves unsaid but the files need: the memory limit for a v2 swap value
 * (swap.max is memory+swap minus it) or a v1 memsw, the other half of a v2 cpu.max.
 */
async function completed(fs: CgroupFs, leaf: Leaf, resources: LinuxResources) {
  const out: LinuxResources = structuredClone(resources);
  const memory = out.memory;
  // runc: no memory limit means no memory+swap limit either, or the kernel refuses the limit
  // above the memsw one (applyWrites skips -1 where the kernel has no memsw).
  if (leaf.version === 1 && memory?.limit === -1 && memory.swap === undefined) memory.swap = -1;
  if (memory?.swap !== undefined && memory.limit === undefined) {
    const file = leaf.version === 2 ? 'memory.max' : 'memory.limit_in_bytes';
    const current = await readLimit(fs, join(leaf.dir, file));
    if (current !== undefined) memory.limit = current;
  }
  const cpu = out.cpu;
  if (
    leaf.version === 2 &&
    cpu !== undefined &&
    (cpu.quota === undefined) !== (cpu.period === undefined)
  ) {
    const [quota, period] = ((await readText(fs, join(leaf.dir, 'cpu.max'))) ?? '').split(' ');
    if (cpu.quota === undefined)
      cpu.quota = quota === undefined || quota === 'max' ? -1 : Number(quota);
    if (cpu.period === undefined && period !== undefined) cpu.period = Number(period);
  }
  return out;
}

// The kernel keeps memory.limit_in_bytes <= memory.memsw.limit_in_bytes at every step
// (cgroup-v1/memory.rst): raising the limit above the current memsw must raise memsw first.
async function v1Writes(fs: CgroupFs, leaf: Leaf, resources: LinuxResources) {
  const writes = v1LimitWrites(resources, leaf.controllers);
  const limit = resources.memory?.limit;
  const memswAt = writes.findIndex((w) => w.file === 'memory.memsw.limit_in_bytes');
  if (limit === undefined || memswAt < 0) return writes;
  const memsw = await readLimit(fs, join(leaf.dir, 'memory.memsw.limit_in_bytes'));
  const raisesAboveMemsw = memsw !== undefined && memsw !== -1 && (limit === -1 || limit > memsw);
  if (!raisesAboveMemsw) return writes;
  const [memswWrite] = writes.splice(memswAt, 1) as [LimitWrite];
  return [memswWrite, ...writes];
}

async function checkUsage(fs: CgroupFs, leaf: Leaf, limit: number | undefined) {
  if (limit === undefined || limit < 0 || !leaf.controllers.includes('memory')) return;
  const file = leaf.version === 2 ? 'memory.current' : 'memory.usage_in_bytes';
  const usage = await readLimit(fs, join(leaf.dir, file));
  if (usage !== undefined && usage > limit) {
    throw new IzaError(
      CgroupErrorCode.InvalidLimit,
      `memory limit ${limit} is below the current usage ${usage} of ${leaf.dir}`,
      { hint: 'raise the limit, or update without memory.checkBeforeUpdate' },
    );
  }
}

/**
 * Changes the limits of an existing container cgroup (runc `update`), given its leaf
 * directories: each is placed by the layout (v2 below the cgroup2 mount, v1 by the controllers
 * of its hierarchy) and gets the writes `resources` asks of its controllers, with the same
 * files and values as at create. A field left out keeps its value; where a file combines two
 * (v2 cpu.max, swap) the other half is read back. A limit whose controller the container has
 * no leaf for is ERR_IZA_CGROUPS_CONTROLLER_UNAVAILABLE.
 */
export async function updateCgroup(
  dirs: readonly string[],
  resources: LinuxResources,
  options: UpdateCgroupOptions,
): Promise<void> {
  const fs = options.fs ?? nodeCgroupFs;
  const { layout } = options;
  const leaves = await classify(fs, dirs, layout);

  for (const controller of requiredControllers(resources)) {
    if (leaves.some((l) => l.controllers.includes(controller))) continue;
    const v2 = leaves.find((l) => l.version === 2);
    const onV2 = layout.controllers[controller]?.version === 2;
    if (v2 !== undefined && onV2 && layout.unified !== undefined) {
      await enableOnV2(fs, v2, layout.unified.mountPoint, [controller]);
      continue;
    }
    // LIMITATION: a v1 hierarchy the container was not placed in at create (cpuset without a
    // cpuset limit) is not joined now: that update fails here.
    throw new IzaError(
      CgroupErrorCode.ControllerUnavailable,
      `the container has no ${controller} cgroup to update`,
      {
        hint:
          layout.controllers[controller] === undefined
            ? `this host has no ${controller} controller`
            : `give the container a ${controller} limit when it is created`,
      },
    );
  }

  for (const leaf of leaves) {
    const full = await completed(fs, leaf, resources);
    if (options.checkBeforeUpdate === true) await checkUsage(fs, leaf, resources.memory?.limit);
    const writes =
      leaf.version === 2 ? v2LimitWrites(full, leaf.controllers) : await v1Writes(fs, leaf, full);
    await applyWrites(fs, leaf.dir, writes);
  }
}
