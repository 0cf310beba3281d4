import { closeSync, constants as fsConstants, openSync } from 'node:fs';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { IzaError } from '@iza/errors';
import { mount, umount2, constants } from '@iza/ns-native';
import {
  MOUNT_DATA_LIMIT,
  OVERLAY_MAX_STACK,
  buildOverlayData,
  isPlainOverlayPath,
} from './overlay-data.js';
import { OverlayErrorCode } from './errors.js';

/** Where the overlay driver put things inside the container directory. */
export interface OverlayMountResult {
  /** The merged (or read-only) root. */
  path: string;
  /** True when something is mounted at `path`. */
  mounted: boolean;
}

function openDirFd(path: string): number {
  return openSync(path, fsConstants.O_RDONLY | fsConstants.O_DIRECTORY);
}

/**
 * Mounts `data` with every lower named either by its path or, when the paths are too long for
 * one page or need escaping, by `/proc/self/fd/N` of a directory fd held only for the call.
 * The kernel resolves the fd link while parsing the options, so the fds can close right after.
 */
function mountWithLowers(
  lowers: string[],
  target: string,
  flags: number,
  dirs: { upper?: string; work?: string },
  options: string[],
): void {
  const plain = buildOverlayData({ lowers, ...dirs, options });
  if (plain.length <= MOUNT_DATA_LIMIT && lowers.every(isPlainOverlayPath)) {
    mount('overlay', target, 'overlay', flags, plain);
    return;
  }

  const fds: number[] = [];
  try {
    for (const lower of lowers) fds.push(openDirFd(lower));
    const short = buildOverlayData({
      lowers: fds.map((fd) => `/proc/self/fd/${fd}`),
      ...dirs,
      options,
    });

    if (short.length > MOUNT_DATA_LIMIT) {
      throw new IzaError(
        OverlayErrorCode.TooManyLayers,
        `overlay mount data for ${lowers.length} layers exceeds one page`,
        { hint: 'use the copy driver for images with this many layers' },
      );
    }

    mount('overlay', target, 'overlay', flags, short);
  } finally {
    for (const fd of fds) closeSync(fd);
  }
}

/**
 * The overlay driver: `containerDir/{upper,work,merged}` over `layers` (bottom → top). With
 * `readonly`, no upper: an overlay of the lowers alone (the kernel needs two or more), a
 * read-only bind of a single layer, or a bare empty directory for zero layers.
 */
export async function mountOverlay(
  layers: string[],
  containerDir: string,
  readonly: boolean,
  options: string[],
): Promise<OverlayMountResult> {
  const merged = join(containerDir, 'merged');
  // Synchronous, as every step here: a thread-pool round trip costs more than the mkdir.
  mkdirSync(merged, { recursive: true });

  if (layers.length > OVERLAY_MAX_STACK) {
    throw new IzaError(
      OverlayErrorCode.TooManyLayers,
      `${layers.length} layers exceed overlayfs's limit of ${OVERLAY_MAX_STACK}`,
    );
  }

  if (layers.length === 0) return { path: merged, mounted: false };

  // LIMITATION: no `userxattr` option, so overlay works in the initial user namespace only.
  const c = constants();
  try {
    if (readonly && layers.length === 1) {
      const only = layers[0] as string;
      mount(only, merged, null, c.MS_BIND, null);
      try {
        // A bind mount ignores MS_RDONLY on creation; read-only takes a remount (mount(2)).
        mount(null, merged, null, c.MS_BIND | c.MS_REMOUNT | c.MS_RDONLY, null);
      } catch (err) {
        umount2(merged, c.MNT_DETACH);
        throw err;
      }
      return { path: merged, mounted: true };
    }

    if (readonly) {
      mountWithLowers(layers, merged, c.MS_RDONLY, {}, options);
      return { path: merged, mounted: true };
    }

    const upper = join(containerDir, 'upper');
    const work = join(containerDir, 'work');
    mkdirSync(upper, { recursive: true });
    mkdirSync(work, { recursive: true });
    mountWithLowers(layers, merged, 0, { upper, work }, options);
    return { path: merged, mounted: true };
  } catch (err) {
    if (err instanceof IzaError) throw err;
    throw new IzaError(OverlayErrorCode.MountFailed, `mounting overlay at ${merged}`, {
      cause: err,
      hint: 'check that the layer directories exist and the kernel supports overlayfs',
    });
  }
}
