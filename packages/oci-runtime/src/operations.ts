import { setTimeout as sleep } from 'node:timers/promises';

import { IzaError } from '@iza/errors';
import { startContainerByFifo } from '@iza/ns-native';

import {
  cgroupPids,
  removeCgroupDirs,
  removeEmptyAncestors,
  signalCgroup,
} from './container-cgroup.js';
import type { CreatedContainer } from './create.js';
import { OciErrorCode } from './errors.js';
import { requestThaw } from './freezer.js';
import { runHooksWarning } from './hooks.js';
import { isInitAlive } from './proc-stat.js';
import { parseSignal } from './signals.js';
import { containerPaths, DEFAULT_ROOT, loadState, removeContainerDir } from './state-store.js';
import type { StoredState } from './state-store.js';
import { containerStatus, publicState, type OciState } from './status.js';

/** Which container: the state root (default `/run/iza-runtime`) and the id. */
export interface ContainerRef {
  root?: string;
  id: string;
}

/** Called with one line for each non-fatal problem (a failed poststart or poststop hook). */
export type WarningSink = (message: string) => void;

/**
 * A caller that created the container in this process and stays with it (runc's `run`, `iza
 * run`) passes what create returned: start then goes through the init's handle, so a program
 * that cannot be executed rejects start (a ContainerStartError of stage `exec`) instead of being
 * an exit status of 127 found later; delete destroys the cgroups through their handle, which
 * also undoes what @iza/cgroups changed around them.
 */
export interface InProcess {
  created?: CreatedContainer;
}

/** The stored state of container `id`; ERR_IZA_OCI_NOT_FOUND without one. */
export function must(root: string, id: string): StoredState {
  const state = loadState(root, id);
  if (state === undefined) {
    throw new IzaError(
      OciErrorCode.NotFound,
      `container ${id} has no state (its create did not finish)`,
      {
        hint: `remove it: iza-runtime delete ${id}`,
      },
    );
  }
  return state;
}

function badState(id: string, status: string, action: string): IzaError {
  return new IzaError(OciErrorCode.BadState, `cannot ${action} container ${id}: it is ${status}`);
}

/** The OCI `state`: runtime-spec's state JSON plus runc's rootfs, created and owner. */
export function containerState(ref: ContainerRef): OciState {
  const root = ref.root ?? DEFAULT_ROOT;
  const stored = must(root, ref.id);
  return publicState(stored, containerStatus(root, stored));
}

/**
 * The OCI `start`: valid only when created. Releases the init through the exec fifo (it then
 * execs the user program) and runs the poststart hooks, whose failures are only warnings.
 */
export async function startContainer(
  ref: ContainerRef & InProcess & { onWarning?: WarningSink },
): Promise<void> {
  const root = ref.root ?? DEFAULT_ROOT;
  const stored = must(root, ref.id);
  const status = containerStatus(root, stored);
  if (status !== 'created') throw badState(ref.id, status, 'start');

  if (ref.created !== undefined) await ref.created.process.start();
  else await startContainerByFifo(containerPaths(root, ref.id).fifo);
  const json = JSON.stringify(publicState(stored, 'running'));
  await runHooksWarning(stored.poststart, json, 'poststart', ref.onWarning);
}

/**
 * The OCI `kill`: valid when created or running. With `all`, or SIGKILL to a container without
 * its own pid namespace, every process of its cgroup is signalled (runc). `all` also hides the
 * "not running" error, as runc 1.2 does.
 */
export function killContainer(
  ref: ContainerRef & { signal?: string | number; all?: boolean },
): void {
  const root = ref.root ?? DEFAULT_ROOT;
  const stored = must(root, ref.id);
  const signal = parseSignal(ref.signal ?? 'SIGTERM');
  const status = containerStatus(root, stored);
  if (status === 'stopped') {
    if (ref.all === true) return;
    throw badState(ref.id, status, 'kill');
  }

  if (ref.all === true || (signal === 9 && !stored.ownPidNamespace)) {
    signalCgroup(stored.cgroupPaths, signal);
  }
  process.kill(stored.pid, signal);
  if (signal === 9 && status === 'paused') requestThaw(stored.cgroupPaths);
}

async function waitGone(stored: StoredState, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (
    isInitAlive(stored.pid, stored.initStartTime) ||
    cgroupPids(stored.cgroupPaths).length > 0
  ) {
    if (Date.now() > deadline) {
      throw new IzaError(
        OciErrorCode.BadState,
        `container ${stored.id} processes did not exit after SIGKILL`,
      );
    }
    await sleep(5);
  }
}

/**
 * The OCI `delete`: stopped → destroyed; created → killed, then destroyed; running → an error
 * unless `force`. A directory without state.json (a create that died) is just removed. Runs the
 * poststop hooks last; their failures are warnings.
 */
export async function deleteContainer(
  ref: ContainerRef & InProcess & { force?: boolean; onWarning?: WarningSink; timeoutMs?: number },
): Promise<void> {
  const root = ref.root ?? DEFAULT_ROOT;
  const created = ref.created;
  let stored: StoredState | undefined;
  try {
    stored = loadState(root, ref.id);
  } catch (err) {
    // runc: `delete --force` of a container that does not exist succeeds.
    if (ref.force === true && (err as { code?: unknown }).code === OciErrorCode.NotFound) return;
    throw err;
  }
  if (stored === undefined) {
    removeContainerDir(root, ref.id);
    return;
  }

  const status = containerStatus(root, stored);
  if ((status === 'running' || status === 'paused') && ref.force !== true) {
    throw new IzaError(
      OciErrorCode.BadState,
      `cannot delete container ${ref.id}: it is ${status}`,
      {
        hint: 'stop it first, or use --force',
      },
    );
  }

  const timeoutMs = ref.timeoutMs ?? 10_000;
  if (status !== 'stopped') {
    try {
      process.kill(stored.pid, 'SIGKILL');
    } catch {
      // Already gone: the cgroup sweep below still runs.
    }
  }
  // Without a pid namespace, processes of a stopped container may remain (runc kills them too).
  signalCgroup(stored.cgroupPaths, 9);
  // Frozen tasks die only once thawed: those of a paused container, or of a stopped one whose
  // other processes (no pid namespace) were left paused.
  requestThaw(stored.cgroupPaths);
  // The init is this process's child: reaped here, or it would stay a zombie.
  if (created !== undefined) await created.process.wait();
  await waitGone(stored, timeoutMs);
  if (created !== undefined) await created.cgroup.destroy(timeoutMs);
  await removeCgroupDirs(stored.cgroupPaths, timeoutMs);
  removeEmptyAncestors(stored.cgroupAncestors ?? []);
  removeContainerDir(root, ref.id);

  const json = JSON.stringify(publicState(stored, 'stopped'));
  await runHooksWarning(stored.poststop, json, 'poststop', ref.onWarning);
}
