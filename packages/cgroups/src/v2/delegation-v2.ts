import { join } from 'node:path';
import { IzaError } from '@iza/errors';
import type { CgroupFs } from '../cgroup-fs.js';
import { hasCode } from '../cgroup-fs.js';
import { readProcs } from '../cgroup-part.js';
import { CgroupErrorCode } from '../errors.js';
import {
  delegationHint,
  disableControllers,
  enabledIn,
  enableControllers,
} from './subtree-control.js';

/**
 * What one iza process changed to pass controllers down from its own v2 cgroup, so that the
 * last container out undoes exactly that and nothing it found.
 */
export interface V2Delegation {
  /** iza's own cgroup (absolute path), once a create delegated from it. */
  current: string | undefined;
  /** iza moved its own pid into `<current>/iza/supervisor`. */
  movedSelf: boolean;
  /** Controllers iza enabled in `<current>/cgroup.subtree_control`. */
  enabledInCurrent: Set<string>;
  /** Controllers iza enabled in `<current>/iza/cgroup.subtree_control`. */
  enabledInIza: Set<string>;
}

/** An empty record: nothing delegated yet. */
export function createV2Delegation(): V2Delegation {
  return {
    current: undefined,
    movedSelf: false,
    enabledInCurrent: new Set(),
    enabledInIza: new Set(),
  };
}

function resetDelegation(record: V2Delegation): void {
  Object.assign(record, createV2Delegation());
}

function noDelegation(dir: string, controllers: string[]): IzaError {
  return new IzaError(
    CgroupErrorCode.NoDelegation,
    `cannot enable ${controllers.join(', ')} below ${dir}: it holds other processes`,
    { hint: delegationHint() },
  );
}

/** mkdir `<current>/iza/supervisor` and moves iza's OWN pid there; returns the dirs it made. */
async function moveSelfToSupervisor(fs: CgroupFs, current: string, selfPid: number) {
  const created: string[] = [];
  const supervisor = join(current, 'iza', 'supervisor');
  // Nothing moved: the directories made for the move go again, innermost first.
  const undo = async () => {
    for (const dir of [...created].reverse()) await fs.rmdir(dir).catch(() => undefined);
  };

  for (const dir of [join(current, 'iza'), supervisor]) {
    try {
      if (await fs.mkdir(dir)) created.push(dir);
    } catch (err) {
      await undo();
      throw new IzaError(CgroupErrorCode.WriteFailed, `creating cgroup ${dir}`, {
        cause: err,
        hint: delegationHint(err),
      });
    }
  }

  try {
    await fs.write(join(supervisor, 'cgroup.procs'), String(selfPid));
  } catch (err) {
    await undo();
    const message = `cannot move iza (pid ${selfPid}) into ${supervisor}`;
    throw new IzaError(CgroupErrorCode.NoDelegation, message, {
      cause: err,
      hint: delegationHint(err),
    });
  }
  return created;
}

/**
 * Enables `controllers` in iza's own cgroup `current` for the `iza` directory below it,
 * recording what it changed in `record`. cgroup-v2.rst "no internal processes": a non-root
 * cgroup holding processes cannot pass domain controllers down, and one holding processes
 * with threaded controllers (cpu, cpuset, pids) enabled becomes a thread root whose children
 * can host nothing. So when iza is the only process there, it first moves its OWN pid into
 * `iza/supervisor` (a leaf it creates); with any other process present it refuses, never
 * moving a stranger. The (real) root cgroup may hold processes beside enabled controllers.
 * Returns the directories it created.
 */
// LIMITATION: no systemd driver; on a systemd v2 host iza needs a delegated scope to limit.
export async function delegateFromCurrent(
  input: { fs: CgroupFs; controllers: string[]; selfPid: number },
  current: string,
  record: V2Delegation,
): Promise<string[]> {
  const { fs, controllers, selfPid } = input;
  record.current = current;

  const enabled = await enabledIn(fs, current);
  if (controllers.every((c) => enabled.includes(c))) return [];

  // cgroup-v2.rst: only non-root cgroups have cgroup.type; a cgroup namespace's root is one.
  const isRoot = !(await fs.exists(join(current, 'cgroup.type')));
  let created: string[] = [];
  if (!isRoot) {
    const procs = await readProcs(fs, current).catch((err: unknown) => {
      throw new IzaError(CgroupErrorCode.NoDelegation, `reading ${current}/cgroup.procs`, {
        cause: err,
        hint: delegationHint(err),
      });
    });
    if (procs.some((pid) => pid !== selfPid)) throw noDelegation(current, controllers);

    if (procs.includes(selfPid)) {
      created = await moveSelfToSupervisor(fs, current, selfPid);
      record.movedSelf = true;
    }
  }

  for (const c of await enableControllers(fs, current, controllers)) record.enabledInCurrent.add(c);
  return created;
}

/**
 * Undoes what `record` says iza did, once no container is left below `<current>/iza` and
 * iza is alone in `supervisor`, in the order the kernel requires: disable below before above
 * (a controller a child still passes down cannot be taken from it), move iza back (a cgroup
 * that passes controllers down takes no processes), then rmdir the emptied directories.
 * Anything another iza still uses, or that iza did not enable, is left alone.
 */
// LIMITATION: the record is per process: an iza killed with SIGKILL, or a create and destroy in
// different processes, leave `iza/supervisor` and the controllers iza enabled.
export async function releaseDelegation(
  fs: CgroupFs,
  record: V2Delegation,
  selfPid: number,
): Promise<void> {
  const { current, movedSelf } = record;
  if (current === undefined) return;
  const iza = join(current, 'iza');
  const supervisor = join(iza, 'supervisor');

  const children = await fs.subdirs(iza).catch((err: unknown) => {
    if (hasCode(err, 'ENOENT')) return undefined;
    throw err;
  });
  if (children === undefined) return resetDelegation(record);

  const ours = movedSelf ? ['supervisor'] : [];
  if (children.length !== ours.length || children.some((c) => !ours.includes(c))) return;
  if (movedSelf && (await readProcs(fs, supervisor)).join(' ') !== String(selfPid)) return;

  const siblings = (await fs.subdirs(current)).filter((d) => d !== 'iza');
  const foreign = (await enabledIn(fs, current)).filter((c) => !record.enabledInCurrent.has(c));
  // Back in `current` iza would sit beside whatever still passes controllers down there.
  if (movedSelf && (siblings.length > 0 || foreign.length > 0)) return;

  try {
    await disableControllers(fs, iza, record.enabledInIza);
    // Disabling takes the controller from every child: only when `iza` is the only one.
    if (siblings.length === 0) await disableControllers(fs, current, record.enabledInCurrent);
    if (movedSelf) {
      await fs.write(join(current, 'cgroup.procs'), String(selfPid));
      await fs.rmdir(supervisor);
    }
    await fs.rmdir(iza);
  } catch (err) {
    // Another iza came or went in between: what is left is its to undo.
    if (hasCode(err, 'EBUSY', 'ENOTEMPTY', 'ENOENT')) return;
    throw new IzaError(CgroupErrorCode.DestroyFailed, `undoing the delegation below ${current}`, {
      cause: err,
      hint: `once no iza runs below ${current}, remove ${iza} and its children with rmdir`,
    });
  }
  resetDelegation(record);
}
