import { cleanupRootfs } from '@iza/overlay';

import { listContainerStates, removeContainerDir } from './container-state.js';
import type { ContainerState } from './container-state.js';
import { isAlive } from './process-identity.js';

/**
 * Removes the cgroups of containers that are not in `liveIds` (only below iza's own `iza`
 * cgroup directories: never a cgroup iza did not create).
 */
export type StaleCgroupSweeper = (liveIds: ReadonlySet<string>) => Promise<void>;

/**
 * Undoes what `iza run` processes that died without cleaning up (kill -9) left behind: their
 * container's processes (killed, though PR_SET_PDEATHSIG has usually done it), mounts, cgroups
 * and state directory. Runs at the start of every command that opens the store; cheap when
 * there is nothing to do (one readdir).
 */
export async function sweepStaleContainers(
  root: string,
  sweepCgroups: StaleCgroupSweeper,
): Promise<ContainerState[]> {
  const states = listContainerStates(root);
  const dead = states.filter((s) => !isAlive(s.owner));
  if (dead.length === 0) return dead;

  for (const state of dead) {
    if (state.init && isAlive(state.init)) {
      try {
        process.kill(state.init.pid, 'SIGKILL');
      } catch {
        // exited in between
      }
    }
    if (state.rootfsDir) await cleanupRootfs(state.rootfsDir);
  }

  if (dead.some((s) => s.cgroupPaths?.length)) {
    const live = new Set(states.filter((s) => isAlive(s.owner)).map((s) => s.id));
    await sweepCgroups(live);
  }
  for (const state of dead) removeContainerDir(root, state.id);
  return dead;
}
