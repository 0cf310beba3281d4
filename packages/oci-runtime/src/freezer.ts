import { closeSync, constants, existsSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { IzaError } from '@iza/errors';

import { OciErrorCode } from './errors.js';

/** Where a container's processes are frozen: a v1 freezer leaf, or the v2 leaf. */
interface Freezer {
  version: 1 | 2;
  dir: string;
}

/**
 * The freezer of a container's cgroup leaves: the v1 freezer hierarchy's leaf where the host
 * has one (a hybrid host has both; runc also takes v1 there), else the v2 leaf's cgroup.freeze
 * (Linux 5.2). Undefined when neither exists.
 */
export function findFreezer(paths: readonly string[]): Freezer | undefined {
  const v1 = paths.find((dir) => existsSync(join(dir, 'freezer.state')));
  if (v1 !== undefined) return { version: 1, dir: v1 };
  const v2 = paths.find((dir) => existsSync(join(dir, 'cgroup.freeze')));
  return v2 === undefined ? undefined : { version: 2, dir: v2 };
}

function read(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

// cgroup-v1/freezer-subsystem.rst: THAWED, FREEZING (not every task stopped yet), FROZEN.
// cgroup-v2.rst: cgroup.freeze is what was asked; cgroup.events `frozen` what holds.
function settled(freezer: Freezer, frozen: boolean): boolean {
  if (freezer.version === 1) {
    return read(join(freezer.dir, 'freezer.state')).trim() === (frozen ? 'FROZEN' : 'THAWED');
  }
  const events = read(join(freezer.dir, 'cgroup.events'));
  return new RegExp(`^frozen ${frozen ? 1 : 0}$`, 'm').test(events);
}

/** True when the container's cgroup is frozen, or asked to be (runc's `paused`). */
export function isFrozen(paths: readonly string[]): boolean {
  const freezer = findFreezer(paths);
  if (freezer === undefined) return false;
  if (freezer.version === 2) return read(join(freezer.dir, 'cgroup.freeze')).trim() === '1';
  // FREEZING too: a freeze under way is a pause asked for. A file that cannot be read says
  // nothing either way: not paused.
  const state = read(join(freezer.dir, 'freezer.state')).trim();
  return state === 'FROZEN' || state === 'FREEZING';
}

function request(freezer: Freezer, frozen: boolean): void {
  const [file, value] =
    freezer.version === 1
      ? ['freezer.state', frozen ? 'FROZEN' : 'THAWED']
      : ['cgroup.freeze', frozen ? '1' : '0'];
  // O_WRONLY without O_CREAT: cgroupfs files are never created.
  const fd = openSync(join(freezer.dir, file), constants.O_WRONLY);
  try {
    writeSync(fd, value);
  } finally {
    closeSync(fd);
  }
}

/**
 * Asks the kernel to thaw the container without waiting: what a SIGKILL to a paused container
 * needs, whose frozen v1 tasks cannot die until thawed (runc thaws after signalling too).
 */
export function requestThaw(paths: readonly string[]): void {
  const freezer = findFreezer(paths);
  if (freezer !== undefined) request(freezer, false);
}

/**
 * Freezes (or thaws) every process of the container and waits until the kernel says it holds:
 * a task in the middle of a syscall may take a moment to stop. A freeze that does not settle
 * within `timeoutMs` is undone and fails with ERR_IZA_OCI_CGROUP.
 */
export async function setFrozen(
  paths: readonly string[],
  frozen: boolean,
  timeoutMs = 10_000,
): Promise<void> {
  const freezer = findFreezer(paths);
  if (freezer === undefined) {
    throw new IzaError(OciErrorCode.Cgroup, 'the container has no freezer cgroup', {
      hint: 'pause needs a cgroup v1 freezer hierarchy or cgroup v2 (Linux 5.2+)',
    });
  }

  const deadline = Date.now() + timeoutMs;
  for (let delay = 1; ; delay = Math.min(delay * 2, 50)) {
    // v1: writing FROZEN again makes the kernel retry the tasks that were busy.
    request(freezer, frozen);
    if (settled(freezer, frozen)) return;
    if (Date.now() > deadline) break;
    await sleep(delay);
  }
  if (frozen) request(freezer, false);
  throw new IzaError(
    OciErrorCode.Cgroup,
    `${frozen ? 'freezing' : 'thawing'} ${freezer.dir} did not settle in ${timeoutMs} ms`,
  );
}
