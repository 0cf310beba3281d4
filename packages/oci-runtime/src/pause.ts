import { IzaError } from '@iza/errors';

import { OciErrorCode } from './errors.js';
import { setFrozen } from './freezer.js';
import { must, type ContainerRef } from './operations.js';
import { DEFAULT_ROOT } from './state-store.js';
import { containerStatus } from './status.js';

/**
 * runc's `pause`: freezes every process of a created or running container (cgroup v1 freezer,
 * or v2 cgroup.freeze); `state` then says `paused`. ERR_IZA_OCI_BAD_STATE otherwise.
 */
export async function pauseContainer(ref: ContainerRef): Promise<void> {
  const root = ref.root ?? DEFAULT_ROOT;
  const stored = must(root, ref.id);
  const status = containerStatus(root, stored);
  if (status !== 'running' && status !== 'created') {
    throw new IzaError(OciErrorCode.BadState, `cannot pause container ${ref.id}: it is ${status}`);
  }
  await setFrozen(stored.cgroupPaths, true);
}

/** runc's `resume`: thaws a paused container. ERR_IZA_OCI_BAD_STATE when it is not paused. */
export async function resumeContainer(ref: ContainerRef): Promise<void> {
  const root = ref.root ?? DEFAULT_ROOT;
  const stored = must(root, ref.id);
  const status = containerStatus(root, stored);
  if (status !== 'paused') {
    throw new IzaError(
      OciErrorCode.BadState,
      `cannot resume container ${ref.id}: it is ${status}`,
      {
        hint: 'only a paused container can be resumed',
      },
    );
  }
  await setFrozen(stored.cgroupPaths, false);
}
