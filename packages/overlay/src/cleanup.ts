import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { IzaError } from '@iza/errors';
import { constants, isSystemError, umount2 } from '@iza/ns-native';
import { OverlayErrorCode } from './errors.js';
import { mountsUnderSync } from './mountinfo.js';

function unmount(target: string): void {
  try {
    umount2(target, 0);
  } catch (err) {
    // A process still using the tree: detach it now, the kernel frees it when the last user goes.
    if (isSystemError(err, 'EBUSY')) {
      umount2(target, constants().MNT_DETACH);
      return;
    }
    // Already gone (raced with another cleanup): that is the state we want.
    if (isSystemError(err, 'EINVAL', 'ENOENT')) return;
    throw err;
  }
}

/**
 * Unmounts everything mounted at or below `containerDir` (deepest first, per
 * /proc/self/mountinfo; EBUSY falls back to MNT_DETACH), then removes the directory. For the
 * leftovers of a killed run as much as for a normal release; a missing directory is fine.
 */
export async function cleanupRootfs(containerDir: string): Promise<void> {
  const dir = resolve(containerDir);

  try {
    for (const target of mountsUnderSync(dir)) unmount(target);
    // rm(1)-like recursion that never follows symlinks (lstat-based, Node fs.rm).
    rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  } catch (err) {
    throw new IzaError(OverlayErrorCode.ReleaseFailed, `removing container directory ${dir}`, {
      cause: err,
    });
  }
}
