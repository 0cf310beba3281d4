import { lstatSync, mkdirSync } from 'node:fs';
import { join, posix } from 'node:path';

import { IzaError } from '@iza/errors';

/** `-w` as docker takes it: an absolute path (ERR_IZA_RUN_WORKDIR otherwise). */
export function checkWorkdir(workdir: string | undefined): void {
  if (workdir === undefined || workdir === '' || posix.isAbsolute(workdir)) return;
  throw new IzaError(
    'ERR_IZA_RUN_WORKDIR',
    `the working directory '${workdir}' is invalid, it needs to be an absolute path`,
  );
}

/**
 * Creates the container's working directory when the image lacks it, as docker does for `-w` and
 * WORKDIR. Only real directories are walked: at the first component that is a symlink (which must
 * be resolved inside the container, never on the host) nothing more is created, and the
 * container's own chdir decides.
 */
export function ensureWorkdir(rootfs: string, cwd: string): void {
  const parts = posix.normalize(cwd).split('/').filter(Boolean);
  let path = rootfs;
  for (const part of parts) {
    if (part === '..') return;
    path = join(path, part);
    let st;
    try {
      st = lstatSync(path);
    } catch {
      try {
        mkdirSync(path, { mode: 0o755 });
      } catch (err) {
        throw new IzaError('ERR_IZA_RUN_WORKDIR', `cannot create the working directory ${cwd}`, {
          cause: err,
        });
      }
      continue;
    }
    if (!st.isDirectory()) return;
  }
}
