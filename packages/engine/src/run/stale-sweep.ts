import { deleteContainer } from '@iza/oci-runtime';
import { cleanupRootfs } from '@iza/overlay';

import { listContainerStates, removeContainerDir } from './container-state.js';
import type { ContainerState } from './container-state.js';
import { runtimeRoot } from './oci-spec.js';
import { isAlive } from './process-identity.js';

/**
 * Removes the cgroups named by `deadIds` (only below iza's own `iza` cgroup directories: never a
 * cgroup iza did not create).
 */
export type StaleCgroupSweeper = (deadIds: ReadonlySet<string>) => Promise<void>;

/**
 * Undoes what `iza run` processes that died without cleaning up (kill -9) left behind: their
 * container's processes (killed, though PR_SET_PDEATHSIG has usually done it), its runtime state
 * and the cgroups recorded there, mounts, its other cgroups below iza's own and the state
 * directory. Runs at the start of every command that opens the store; cheap when there is
 * nothing to do (one readdir).
 */
export async function sweepStaleContainers(
  root: string,
  sweepCgroups: StaleCgroupSweeper,
): Promise<ContainerState[]> {
  const states = listContainerStates(root);
  const dead = states.filter((s) => !isAlive(s.owner));
  if (dead.length === 0) return dead;

  const undone: ContainerState[] = [];
  for (const state of dead) {
    if (state.init && isAlive(state.init)) {
      try {
        process.kill(state.init.pid, 'SIGKILL');
      } catch {
        // exited in between
      }
    }
    try {
      // What create recorded (cgroups under --cgroup-parent included); nothing once it is gone.
      await deleteContainer({
        root: runtimeRoot(root),
        id: state.id,
        force: true,
        timeoutMs: 2000,
      });
    } catch {
      // Still busy (a process in the cgroup that would not die yet): the next command retries.
      continue;
    }
    if (state.rootfsDir) await cleanupRootfs(state.rootfsDir);
    undone.push(state);
  }

  // Only this root's dead runs: the `iza` cgroup directories are shared by every root on the
  // host, and a cgroup another root is creating a container in is empty for a moment.
  await sweepCgroups(new Set(dead.map((s) => s.id)));
  for (const state of undone) removeContainerDir(root, state.id);
  return undone;
}
