import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { IzaError } from '@iza/errors';

import type { SeccompSpec } from '@iza/ns-native';

import { OciErrorCode } from './errors.js';
import type { OciHook, OciProcess } from './oci-config.js';

/** runc's default --root. */
export const DEFAULT_ROOT = '/run/iza-runtime';

/** What `create` records in `<root>/<id>/state.json` for the later commands. */
export interface StoredState {
  ociVersion: string;
  id: string;
  /** The init's pid in the runtime's pid namespace. */
  pid: number;
  /** /proc/<pid>/stat start time, so a reused pid is never taken for the init. */
  initStartTime: string;
  bundle: string;
  rootfs: string;
  /** RFC 3339. */
  created: string;
  owner: string;
  annotations: Record<string, string>;
  /** Cgroup leaf directories iza created for this container (removed by delete). */
  cgroupPaths: string[];
  /** Directories above those leaves that create made (removed by delete when empty). */
  cgroupAncestors?: string[];
  ownPidNamespace: boolean;
  /** Hooks that run after create, frozen at create (config edits later have no effect). */
  poststart: OciHook[];
  poststop: OciHook[];
  /**
   * config.json's `process` as create read it: `exec` without --process starts from it, and
   * takes from it what a process.json leaves out (runc). Absent in states of older versions.
   */
  process?: OciProcess;
  /** `linux.seccomp`, which applies to exec'd processes as to the init (runc). */
  seccomp?: SeccompSpec;
}

// runc's id rule (libcontainer/factory_linux.go validateID): one path element, no dot names.
const ID = /^[A-Za-z0-9_+.-]{1,1024}$/;

/** Throws ERR_IZA_OCI_INVALID_ID unless `id` is a safe single path element. */
export function checkContainerId(id: string): void {
  if (!ID.test(id) || id === '.' || id === '..') {
    throw new IzaError(OciErrorCode.InvalidId, `invalid container id ${JSON.stringify(id)}`, {
      hint: 'use letters, digits, _ + - and . only',
    });
  }
}

/** Paths of one container's state directory. */
export function containerPaths(root: string, id: string) {
  checkContainerId(id);
  const dir = join(root, id);
  return { dir, state: join(dir, 'state.json'), fifo: join(dir, 'exec.fifo') };
}

/**
 * Where create keeps compiled seccomp programs: `<root>/@seccomp`, a name no container id can
 * take ('@' is not allowed in ids), so it never meets a container's directory.
 */
export function seccompCacheDir(root: string): string {
  return join(root, '@seccomp');
}

/** Creates `<root>/<id>` (0711 as runc); ERR_IZA_OCI_EXISTS when it is already there. */
export function makeContainerDir(root: string, id: string): string {
  const { dir } = containerPaths(root, id);
  mkdirSync(root, { recursive: true, mode: 0o711 });
  try {
    mkdirSync(dir, { mode: 0o711 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new IzaError(OciErrorCode.Exists, `container ${id} already exists`, {
        hint: `delete it first: iza-runtime delete ${id}`,
      });
    }
    throw err;
  }
  return dir;
}

/** Writes state.json atomically (a temp file renamed over it). */
export function saveState(root: string, state: StoredState): void {
  const { state: file } = containerPaths(root, state.id);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(state), { mode: 0o600 });
  renameSync(tmp, file);
}

/**
 * Reads state.json. ERR_IZA_OCI_NOT_FOUND when the container directory does not exist;
 * `undefined` when the directory exists without a state (a create that died half-way).
 */
export function loadState(root: string, id: string): StoredState | undefined {
  const paths = containerPaths(root, id);
  if (!existsSync(paths.dir)) {
    throw new IzaError(OciErrorCode.NotFound, `container ${id} does not exist`, {
      hint: `list containers in ${root}`,
    });
  }
  try {
    return JSON.parse(readFileSync(paths.state, 'utf8')) as StoredState;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Removes the container's state directory (state.json, exec.fifo). */
export function removeContainerDir(root: string, id: string): void {
  rmSync(containerPaths(root, id).dir, { recursive: true, force: true });
}
