import { join } from 'node:path';
import type { CgroupFs } from '../cgroup-fs.js';
import type { CgroupPart } from '../cgroup-part.js';
import { applyWrites, makeChain, wrapWrite } from '../cgroup-part.js';
import type { UnifiedMount } from '../layout.js';
import type { LinuxResources } from '../resources.js';
import type { V2Delegation } from './delegation-v2.js';
import { delegateFromCurrent } from './delegation-v2.js';
import { v2LimitWrites } from './limits-v2.js';
import { enableControllers } from './subtree-control.js';

/** What the v2 side needs to create one container's cgroup. */
export interface V2CreateInput {
  fs: CgroupFs;
  unified: UnifiedMount;
  name: string;
  resources: LinuxResources;
  /** Controllers that must be enabled for the leaf (limits placed on v2). */
  controllers: string[];
  parent?: string;
  /** Directories between `iza` and the leaf (CreateCgroupOptions.below). */
  below?: string;
  /** iza's own pid: the only process it will ever move (into `iza/supervisor`). */
  selfPid: number;
  /** What this iza changed in its own cgroup, shared by its creates, undone by the last out. */
  delegation: V2Delegation;
}

/**
 * cgroup v2: the leaf `<iza's cgroup>/iza/[<below>/]<name>` (or `<parent>/<name>`). Controllers are
 * enabled top-down in each ancestor's `cgroup.subtree_control`, never in the leaf (as runc
 * fs2 does); the leaf is the only directory that ever receives the container's processes.
 */
export async function createV2Part(input: V2CreateInput, parts: CgroupPart[]): Promise<void> {
  const { fs, unified, name, resources, controllers, parent, below, delegation } = input;
  const current = join(unified.mountPoint, unified.currentPath);
  const delegating = parent === undefined && controllers.length > 0;
  let base = current;
  let created: string[] = [];

  if (delegating) {
    created = await delegateFromCurrent(input, current, delegation);
  } else if (parent !== undefined) {
    base = unified.mountPoint;
  }

  const segments = (parent ?? join('iza', below ?? '')).split('/').filter((s) => s !== '');

  // Outermost first, each before its child exists: a controller can only be enabled where the
  // parent already passes it down, and the leaf then starts with every interface file.
  if (parent !== undefined && controllers.length > 0) {
    await enableControllers(fs, base, controllers);
  }
  let dir = base;
  for (const segment of segments) {
    dir = join(dir, segment);
    const fresh = await wrapWrite(`creating cgroup ${dir}`, () => fs.mkdir(dir));
    if (fresh) created.push(dir);
    if (controllers.length === 0) continue;

    const enabled = await enableControllers(fs, dir, controllers);
    if (delegating) for (const c of enabled) delegation.enabledInIza.add(c);
  }

  const chain = await makeChain(fs, dir, [name]);
  const part: CgroupPart = {
    version: 2,
    dir: chain.leaf,
    controllers,
    createdAncestors: created.filter((d) => !d.endsWith('/supervisor')),
  };
  if (parent === undefined) part.izaDir = join(base, 'iza');
  parts.push(part);

  await applyWrites(fs, chain.leaf, v2LimitWrites(resources, controllers));
}
