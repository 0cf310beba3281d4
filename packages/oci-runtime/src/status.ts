import { existsSync } from 'node:fs';

import { isFrozen } from './freezer.js';
import { isInitAlive } from './proc-stat.js';
import { containerPaths, type StoredState } from './state-store.js';

/**
 * The OCI statuses (runtime-spec runtime.md "State") and runc's `paused`; `creating` is never
 * observable here.
 */
export type ContainerStatus = 'created' | 'running' | 'stopped' | 'paused';

/**
 * runc's rule: no live init means stopped; a frozen cgroup means paused; a live init with the
 * exec fifo still there is created (start removes it); otherwise running. A zombie init counts
 * as exited.
 */
export function containerStatus(root: string, state: StoredState): ContainerStatus {
  if (!isInitAlive(state.pid, state.initStartTime)) return 'stopped';
  if (isFrozen(state.cgroupPaths)) return 'paused';
  return existsSync(containerPaths(root, state.id).fifo) ? 'created' : 'running';
}

/** The state JSON of runtime-spec runtime.md, with runc's rootfs, created and owner. */
export interface OciState {
  ociVersion: string;
  id: string;
  status: ContainerStatus | 'creating';
  /** The init's pid; 0 once stopped (as runc prints it). */
  pid: number;
  bundle: string;
  rootfs: string;
  created: string;
  owner: string;
  annotations: Record<string, string>;
}

/** The public state of `stored` given its `status`. */
export function publicState(stored: StoredState, status: OciState['status']): OciState {
  return {
    ociVersion: stored.ociVersion,
    id: stored.id,
    status,
    pid: status === 'stopped' ? 0 : stored.pid,
    bundle: stored.bundle,
    rootfs: stored.rootfs,
    created: stored.created,
    owner: stored.owner,
    annotations: stored.annotations,
  };
}
