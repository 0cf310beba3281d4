import { join } from 'node:path';
import type { CgroupFs } from '../cgroup-fs.js';
import type { CgroupPart } from '../cgroup-part.js';
import { applyWrites, makeChain, wrapWrite } from '../cgroup-part.js';
import type { ControllerPlacement } from '../layout.js';
import type { LinuxResources } from '../resources.js';
import { v1LimitWrites } from './limits-v1.js';

/** What the v1 side needs to create one container's cgroups. */
export interface V1CreateInput {
  fs: CgroupFs;
  name: string;
  resources: LinuxResources;
  /** Controllers to create the cgroup in, with where each lives (all v1, delegatable). */
  placements: Map<string, ControllerPlacement>;
  parent?: string;
  /** Directories between `iza` and the leaf (CreateCgroupOptions.below). */
  below?: string;
}

// cgroup-v1/cpusets.rst: a new cpuset is empty and takes no task until cpus and mems are set.
async function inheritCpuset(fs: CgroupFs, dirs: string[]): Promise<void> {
  for (const dir of dirs) {
    for (const file of ['cpuset.cpus', 'cpuset.mems']) {
      const own = (await fs.read(join(dir, file))).trim();
      if (own !== '') continue;

      const fromParent = (await fs.read(join(dir, '..', file))).trim();
      await wrapWrite(`copying ${file} into ${dir}`, () => fs.write(join(dir, file), fromParent));
    }
  }
}

/**
 * cgroup v1: one directory per hierarchy at `<mount>/<iza's cgroup>/iza/[<below>/]<name>` (or
 * `<mount>/<parent>/<name>`), below the cgroup iza runs in, so a host supervisor's cgroup is
 * only ever extended, never changed. Co-mounted controllers (`cpu,cpuacct`) share a directory.
 */
export async function createV1Parts(input: V1CreateInput, parts: CgroupPart[]): Promise<void> {
  const { fs, name, resources, parent, below } = input;
  const byMount = new Map<string, { placement: ControllerPlacement; controllers: string[] }>();

  for (const [controller, placement] of input.placements) {
    const entry = byMount.get(placement.mountPoint) ?? { placement, controllers: [] };
    entry.controllers.push(controller);
    byMount.set(placement.mountPoint, entry);
  }

  // Parts are pushed as they are made, so the caller can undo a half-finished create.
  for (const { placement, controllers } of byMount.values()) {
    const base =
      parent === undefined
        ? join(placement.mountPoint, placement.currentPath)
        : placement.mountPoint;
    const segments = (parent ?? join('iza', below ?? '')).split('/').filter((s) => s !== '');
    const { leaf, created } = await makeChain(fs, base, [...segments, name]);
    const part: CgroupPart = {
      version: 1 as const,
      dir: leaf,
      controllers,
      createdAncestors: created.slice(0, -1),
    };
    if (parent === undefined) part.izaDir = join(base, 'iza');
    parts.push(part);

    if (controllers.includes('cpuset')) await inheritCpuset(fs, created);
    await applyWrites(fs, leaf, v1LimitWrites(resources, controllers));
  }
}
