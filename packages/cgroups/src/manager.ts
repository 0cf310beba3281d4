import { IzaError } from '@iza/errors';
import type { Cgroup } from './cgroup.js';
import { createCgroupHandle } from './cgroup.js';
import type { CgroupFs } from './cgroup-fs.js';
import { nodeCgroupFs } from './cgroup-fs.js';
import type { CgroupPart } from './cgroup-part.js';
import { CGROUP_NAME, removeAncestors, removeBelowIza, removeLeaf } from './cgroup-part.js';
import { CgroupErrorCode } from './errors.js';
import type { CgroupLayout, ControllerPlacement } from './layout.js';
import type { LinuxResources } from './resources.js';
import { requiredControllers } from './resources.js';
import { createV1Parts } from './v1/manager-v1.js';
import { createV2Delegation, releaseDelegation } from './v2/delegation-v2.js';
import { createV2Part } from './v2/manager-v2.js';

/** Options of {@link CgroupManager.create}. */
export interface CreateCgroupOptions {
  /**
   * docker's `--cgroup-parent`: an absolute path under each hierarchy's mount. Missing
   * directories are created (and removed again by destroy when empty). Default: `iza` below the
   * cgroup iza runs in.
   */
  parent?: string;
  /**
   * Directories between the default `iza` directory and the leaf (`a/b` gives `<iza's
   * cgroup>/iza/a/b/<name>`): an OCI relative `cgroupsPath`. Missing ones are created and
   * removed by destroy when empty. Not with `parent`.
   */
  below?: string;
  /**
   * Also join a v1 freezer hierarchy, so that the container can be paused (OCI `pause`); default
   * true. Each v1 hierarchy joined costs one more cgroup migration (a few ms of RCU wait here):
   * a caller that never pauses leaves it out. v2 has cgroup.freeze in every leaf anyway.
   */
  freezer?: boolean;
}

/** Creates container cgroups on one host layout. */
export interface CgroupManager {
  readonly layout: CgroupLayout;
  /**
   * Creates cgroup `name` and applies `resources`. A limit whose controller is missing or not
   * delegatable fails with ERR_IZA_CGROUPS_CONTROLLER_UNAVAILABLE, never silently.
   */
  create(name: string, resources: LinuxResources, options?: CreateCgroupOptions): Promise<Cgroup>;
}

/** Collaborators of {@link createCgroupManager}. */
export interface CgroupManagerOptions {
  layout: CgroupLayout;
  fs?: CgroupFs;
  /** iza's own pid (default process.pid): the only process iza may move on v2. */
  selfPid?: number;
}

// Used for stats and process tracking when present, without being required by a limit; the
// freezer (unless a caller opts out) so that an OCI runtime can pause the container.
const V1_TRACKING = ['memory', 'cpu', 'cpuacct', 'pids', 'freezer'];

function validateNames(name: string, parent: string | undefined, below: string | undefined) {
  if (!CGROUP_NAME.test(name)) {
    throw new IzaError(CgroupErrorCode.InvalidName, `invalid cgroup name ${JSON.stringify(name)}`);
  }
  if (below !== undefined) {
    if (parent !== undefined || !below.split('/').every((s) => CGROUP_NAME.test(s))) {
      throw new IzaError(
        CgroupErrorCode.InvalidName,
        `cgroup subpath must be plain names joined by / and comes without a parent: ${below}`,
      );
    }
  }
  if (parent === undefined) return;

  const segments = parent.split('/').slice(1);
  if (!parent.startsWith('/') || segments.some((s) => s === '.' || s === '..')) {
    throw new IzaError(
      CgroupErrorCode.InvalidName,
      `cgroup parent must be an absolute path without . or ..: ${parent}`,
    );
  }
}

function placementsFor(layout: CgroupLayout, resources: LinuxResources, freezer: boolean) {
  const v1 = new Map<string, ControllerPlacement>();
  const v2: string[] = [];

  for (const controller of requiredControllers(resources)) {
    const placement = layout.controllers[controller];
    if (placement === undefined || !placement.delegatable) {
      const why = placement === undefined ? 'is not available' : 'is not delegated to iza';
      throw new IzaError(
        CgroupErrorCode.ControllerUnavailable,
        `cgroup controller ${controller} ${why} on this host`,
        { hint: `drop the ${controller} limit or run iza where that controller is delegated` },
      );
    }
    if (placement.version === 1) v1.set(controller, placement);
    else v2.push(controller);
  }

  for (const controller of V1_TRACKING) {
    if (controller === 'freezer' && !freezer) continue;
    const placement = layout.controllers[controller];
    if (placement?.version === 1 && placement.delegatable) v1.set(controller, placement);
  }

  return { v1, v2 };
}

/**
 * The dispatcher: for each controller a limit needs, the v1 or v2 implementation, per the
 * detected layout (a hybrid host has memory on v1 and a v2 leaf for tracking, for example).
 * A failed create removes whatever it had made.
 */
export function createCgroupManager(options: CgroupManagerOptions): CgroupManager {
  const { layout } = options;
  const fs = options.fs ?? nodeCgroupFs;
  const selfPid = options.selfPid ?? process.pid;
  // Shared by every create of this manager: the last container out undoes it.
  const delegation = createV2Delegation();
  const release = () => releaseDelegation(fs, delegation, selfPid);

  return {
    layout,

    async create(name, resources, createOptions = {}) {
      const { parent, below } = createOptions;
      validateNames(name, parent, below);
      const where = parent !== undefined ? { parent } : below !== undefined ? { below } : {};
      const { v1, v2 } = placementsFor(layout, resources, createOptions.freezer ?? true);
      const parts: CgroupPart[] = [];

      try {
        const unified = layout.unified;
        if (unified !== undefined && (unified.writable || v2.length > 0)) {
          const input = { fs, unified, name, resources, controllers: v2, selfPid, delegation };
          await createV2Part({ ...input, ...where }, parts);
        }
        if (v1.size > 0) {
          const input = { fs, name, resources, placements: v1 };
          await createV1Parts({ ...input, ...where }, parts);
        }
      } catch (err) {
        for (const part of parts) {
          await removeLeaf(fs, part.dir, 0).catch(() => undefined);
        }
        for (const part of parts) await removeBelowIza(fs, part).catch(() => undefined);
        await release().catch(() => undefined);
        for (const part of parts) {
          await removeAncestors(fs, part.createdAncestors).catch(() => undefined);
        }
        throw err;
      }

      if (parts.length === 0) {
        throw new IzaError(
          CgroupErrorCode.ControllerUnavailable,
          'no writable cgroup hierarchy to track the container in',
        );
      }
      return createCgroupHandle(fs, name, parts, release);
    },
  };
}
