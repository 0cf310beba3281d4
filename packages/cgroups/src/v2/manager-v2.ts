import { join } from 'node:path';
import { IzaError } from '@iza/errors';
import type { CgroupFs } from '../cgroup-fs.js';
import { hasCode } from '../cgroup-fs.js';
import type { CgroupPart } from '../cgroup-part.js';
import { applyWrites, makeChain, readProcs, wrapWrite } from '../cgroup-part.js';
import { CgroupErrorCode } from '../errors.js';
import type { UnifiedMount } from '../layout.js';
import type { LinuxResources } from '../resources.js';
import { v2LimitWrites } from './limits-v2.js';

/** What the v2 side needs to create one container's cgroup. */
export interface V2CreateInput {
  fs: CgroupFs;
  unified: UnifiedMount;
  name: string;
  resources: LinuxResources;
  /** Controllers that must be enabled for the leaf (limits placed on v2). */
  controllers: string[];
  parent?: string;
  /** iza's own pid: the only process it will ever move (into `iza/supervisor`). */
  selfPid: number;
}

async function enabledIn(fs: CgroupFs, dir: string): Promise<string[]> {
  const text = await fs.read(join(dir, 'cgroup.subtree_control')).catch(() => '');
  return text.split(/\s+/).filter((c) => c !== '');
}

/** Writes `+c` for each missing controller into `dir/cgroup.subtree_control`. */
async function enable(fs: CgroupFs, dir: string, controllers: string[]): Promise<void> {
  const enabled = await enabledIn(fs, dir);
  const missing = controllers.filter((c) => !enabled.includes(c));
  if (missing.length === 0) return;

  await fs.write(join(dir, 'cgroup.subtree_control'), missing.map((c) => `+${c}`).join(' '));
}

function noDelegation(dir: string, controllers: string[], cause?: unknown): IzaError {
  return new IzaError(
    CgroupErrorCode.NoDelegation,
    `cannot enable ${controllers.join(', ')} below ${dir}: it holds other processes`,
    {
      hint: 'run iza in a cgroup of its own, e.g. systemd-run --scope -p Delegate=yes iza ...',
      ...(cause === undefined ? {} : { cause }),
    },
  );
}

/**
 * Enables `controllers` in the subtree of iza's own cgroup. cgroup-v2.rst "no internal
 * processes": a non-root cgroup holding processes cannot pass domain controllers down. When the
 * only process there is iza itself, iza moves its OWN pid into `iza/supervisor` (a leaf it
 * creates) and retries; with any other process present it refuses, never moving a stranger.
 */
// LIMITATION: no systemd driver; on a systemd v2 host iza needs a delegated scope to limit.
async function delegateFromCurrent(input: V2CreateInput, current: string): Promise<string[]> {
  const { fs, controllers, selfPid } = input;
  const created: string[] = [];

  try {
    await enable(fs, current, controllers);
    return created;
  } catch (err) {
    if (!hasCode(err, 'EBUSY')) throw noDelegation(current, controllers, err);
  }

  const procs = await readProcs(fs, current);
  if (procs.some((pid) => pid !== selfPid)) throw noDelegation(current, controllers);

  for (const dir of [join(current, 'iza'), join(current, 'iza', 'supervisor')]) {
    if (await fs.mkdir(dir)) created.push(dir);
  }
  await fs.write(join(current, 'iza', 'supervisor', 'cgroup.procs'), String(selfPid));

  await wrapWrite(`enabling controllers in ${current}`, () => enable(fs, current, controllers));
  return created;
}

/**
 * cgroup v2: the leaf `<iza's cgroup>/iza/<name>` (or `<parent>/<name>`). Controllers are
 * enabled top-down in each ancestor's `cgroup.subtree_control`, never in the leaf (as runc
 * fs2 does); the leaf is the only directory that ever receives the container's processes.
 */
export async function createV2Part(input: V2CreateInput, parts: CgroupPart[]): Promise<void> {
  const { fs, unified, name, resources, controllers, parent } = input;
  const current = join(unified.mountPoint, unified.currentPath);
  let base = current;
  let created: string[] = [];

  if (parent === undefined) {
    if (controllers.length > 0) created = await delegateFromCurrent(input, current);
  } else {
    base = unified.mountPoint;
  }

  const segments = (parent ?? 'iza').split('/').filter((s) => s !== '');
  const enableIn = (dir: string) =>
    wrapWrite(`enabling controllers in ${dir}`, () => enable(fs, dir, controllers));

  // Outermost first, each before its child exists: a controller can only be enabled where the
  // parent already passes it down, and the leaf then starts with every interface file.
  if (parent !== undefined && controllers.length > 0) await enableIn(base);
  let dir = base;
  for (const segment of segments) {
    dir = join(dir, segment);
    const fresh = await wrapWrite(`creating cgroup ${dir}`, () => fs.mkdir(dir));
    if (fresh) created.push(dir);
    if (controllers.length > 0) await enableIn(dir);
  }

  const chain = await makeChain(fs, dir, [name]);
  const part: CgroupPart = {
    version: 2,
    dir: chain.leaf,
    controllers,
    createdAncestors: created.filter((d) => !d.endsWith('/supervisor')),
  };
  parts.push(part);

  await applyWrites(fs, chain.leaf, v2LimitWrites(resources, controllers));
}
