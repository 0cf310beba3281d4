import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { IzaError } from '@iza/errors';

import { identityOf, isAlive } from './process-identity.js';
import type { ProcessIdentity } from './process-identity.js';

/**
 * What a running `iza run` records under `<root>/containers/<id>/state.json`, so that the next
 * iza command can undo it if this one is killed (kill -9 leaves no chance to clean up).
 */
export interface ContainerState {
  id: string;
  name: string;
  image: string;
  created: string;
  /** The iza process that owns the container. */
  owner: ProcessIdentity;
  /** The container's init, once it exists. */
  init?: ProcessIdentity;
  /** Directory holding the rootfs (mount point and overlay upper/work, or the copy). */
  rootfsDir?: string;
  /** cgroup directories created for the container, leaf first. */
  cgroupPaths?: string[];
}

export function containersDir(root: string): string {
  return join(root, 'containers');
}

/** A new 64-hex container id (docker's format; the first 12 are the short id). */
export function newContainerId(): string {
  return randomBytes(32).toString('hex');
}

/** Creates the container's directory and first state record; fails if the name is taken. */
export function createContainerState(
  root: string,
  fields: { id: string; name: string; image: string },
): { dir: string; state: ContainerState } {
  const dir = join(containersDir(root), fields.id);
  const owner = identityOf(process.pid);
  if (!owner) throw new IzaError('ERR_IZA_RUN_STATE', 'cannot read /proc/self/stat');

  const taken = listContainerStates(root).find((s) => s.name === fields.name && isAlive(s.owner));
  if (taken) {
    throw new IzaError(
      'ERR_IZA_RUN_NAME_IN_USE',
      `the container name "${fields.name}" is already in use by container ${taken.id.slice(0, 12)}`,
      { hint: 'choose another --name, or wait for that container to exit' },
    );
  }

  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const state: ContainerState = { ...fields, created: new Date().toISOString(), owner };
  saveContainerState(dir, state);
  return { dir, state };
}

/** Writes state.json atomically (a reader never sees half a record). */
export function saveContainerState(dir: string, state: ContainerState): void {
  const tmp = join(dir, 'state.json.tmp');
  writeFileSync(tmp, JSON.stringify(state));
  renameSync(tmp, join(dir, 'state.json'));
}

export function listContainerStates(root: string): ContainerState[] {
  let ids: string[];
  try {
    ids = readdirSync(containersDir(root));
  } catch {
    return [];
  }
  const states: ContainerState[] = [];
  for (const id of ids) {
    try {
      states.push(JSON.parse(readFileSync(join(containersDir(root), id, 'state.json'), 'utf8')));
    } catch {
      // A directory without a readable state is a run killed before its first write; the stale
      // sweep removes it once it is old enough not to belong to a run still starting.
    }
  }
  return states;
}

/** Removes the container's directory (after its mounts and cgroups are gone). */
export function removeContainerDir(root: string, id: string): void {
  rmSync(join(containersDir(root), id), { recursive: true, force: true });
}
