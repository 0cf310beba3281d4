import { mkdirSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { IzaError } from '@iza/errors';
import { cleanupRootfs } from './cleanup.js';
import { copyLayers } from './copy-driver.js';
import { OverlayErrorCode } from './errors.js';
import { isPlainOverlayPath } from './overlay-data.js';
import { mountOverlayAdaptive } from './overlay-attempt.js';
import { visibleLayers } from './visible-layers.js';

/** How the rootfs is built: OverlayFS, a flattened copy, or overlay when the kernel allows. */
export type RootfsDriver = 'overlay' | 'copy' | 'auto';

/** The warning `auto` reports when it falls back to copying (the CLI prints it verbatim). */
export const COPY_FALLBACK_WARNING = 'OverlayFS not available, using copy fallback';

/** Options of {@link mountRootfs}. */
export interface MountRootfsOptions {
  /** Unpacked layer directories in OverlayFS format, bottom → top, absolute paths. */
  layers: string[];
  /**
   * A directory owned by this container (created if missing). Everything the rootfs needs lives
   * in it, and release() removes it entirely: never pass a directory holding anything else.
   */
  containerDir: string;
  driver: RootfsDriver;
  /** A read-only view with no upper layer (`iza image mount`). Default false. */
  readonly?: boolean;
  /** Called with a one-line warning, e.g. {@link COPY_FALLBACK_WARNING}. */
  onWarning?: (message: string) => void;
}

/** A mounted (or copied) root filesystem. */
export interface Rootfs {
  /** The root directory to pivot into. */
  path: string;
  /** The driver actually used (`auto` resolved). */
  driver: 'overlay' | 'copy';
  /** Unmounts and removes the container directory. Safe to call more than once. */
  release(): Promise<void>;
}

function validate(options: MountRootfsOptions): void {
  const bad = (message: string) => new IzaError(OverlayErrorCode.InvalidOptions, message);

  if (!['overlay', 'copy', 'auto'].includes(options.driver)) {
    throw bad(`unknown rootfs driver ${JSON.stringify(options.driver)}`);
  }
  for (const layer of options.layers) {
    if (!isAbsolute(layer)) throw bad(`layer path must be absolute: ${layer}`);
  }
  // upperdir/workdir go into the mount data verbatim; `,` or `:` would split them.
  if (!isPlainOverlayPath(resolve(options.containerDir))) {
    throw bad(`container directory must not contain ',', ':' or '\\': ${options.containerDir}`);
  }
}

function makeRootfs(path: string, driver: 'overlay' | 'copy', containerDir: string): Rootfs {
  let released: Promise<void> | undefined;
  return {
    path,
    driver,
    release() {
      released ??= cleanupRootfs(containerDir);
      return released;
    },
  };
}

/**
 * Builds a container root filesystem from image layers in `containerDir`:
 * - `overlay`: `upper`, `work` and `merged` (the root) over the layers; writes land in `upper`.
 * - `copy`: the layers flattened into `rootfs`, the same tree the overlay would show.
 * - `auto`: overlay when the kernel mounts it, else copy with a warning through `onWarning`.
 * Zero layers give an empty directory. On failure nothing is left mounted and the directory is
 * removed.
 */
export async function mountRootfs(options: MountRootfsOptions): Promise<Rootfs> {
  validate(options);
  const layers = visibleLayers(options.layers);
  const containerDir = resolve(options.containerDir);
  const readonly = options.readonly ?? false;
  mkdirSync(containerDir, { recursive: true, mode: 0o700 });

  try {
    if (options.driver !== 'copy') {
      const attempt = await mountOverlayAdaptive(layers, containerDir, readonly);
      if (attempt.ok) return makeRootfs(attempt.result.path, 'overlay', containerDir);

      if (options.driver === 'overlay') {
        throw new IzaError(
          OverlayErrorCode.MountFailed,
          `overlayfs is not usable: ${attempt.reason}`,
          {
            hint: 'use the copy driver, or load the overlay module (modprobe overlay)',
          },
        );
      }
      options.onWarning?.(COPY_FALLBACK_WARNING);
    }

    // LIMITATION: a copied rootfs stays writable even with `readonly`; only overlay enforces it.
    const rootfs = join(containerDir, 'rootfs');
    await copyLayers(layers, rootfs);
    return makeRootfs(rootfs, 'copy', containerDir);
  } catch (err) {
    await cleanupRootfs(containerDir).catch(() => undefined);
    throw err;
  }
}
