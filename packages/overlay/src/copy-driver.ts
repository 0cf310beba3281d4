import type { Stats } from 'node:fs';
import { lstat, mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { IzaError } from '@iza/errors';
import { lgetxattr } from '@iza/ns-native';
import { applyAttributes, createEntry, isWhiteout } from './copy-entry.js';
import type { HardlinkMap } from './copy-entry.js';
import { OverlayErrorCode } from './errors.js';

const OPAQUE_XATTR = 'trusted.overlay.opaque';

async function lstatOrNull(path: string): Promise<Stats | null> {
  try {
    return await lstat(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

function isOpaque(dir: string): boolean {
  return lgetxattr(dir, OPAQUE_XATTR)?.toString() === 'y';
}

async function emptyDir(dir: string): Promise<void> {
  for (const name of await readdir(dir)) await rm(join(dir, name), { recursive: true });
}

/**
 * Makes `dst` a real directory for the layer directory `src`. Every directory on the way down
 * goes through here, which is what keeps the copy inside the rootfs: a symlink left by a lower
 * layer is replaced, never followed.
 */
async function prepareDir(src: string, dst: string): Promise<void> {
  const existing = await lstatOrNull(dst);

  if (existing !== null && existing.isDirectory()) {
    // overlayfs.rst: an opaque upper directory hides everything below it.
    if (isOpaque(src)) await emptyDir(dst);
    return;
  }

  if (existing !== null) await rm(dst, { recursive: true });
  await mkdir(dst, { mode: 0o700 });
}

async function applyDir(srcDir: string, dstDir: string, links: HardlinkMap): Promise<void> {
  const names = (await readdir(srcDir)).sort();

  for (const name of names) {
    const src = join(srcDir, name);
    const dst = join(dstDir, name);
    const st = await lstat(src);

    if (isWhiteout(st)) {
      await rm(dst, { recursive: true, force: true });
      continue;
    }

    if (st.isDirectory()) {
      await prepareDir(src, dst);
      await applyDir(src, dst, links);
      // After the children: creating them changed the directory's mtime.
      await applyAttributes(src, dst, st);
      continue;
    }

    await rm(dst, { recursive: true, force: true });
    if (await createEntry(src, dst, st, links)) await applyAttributes(src, dst, st);
  }
}

/**
 * The copy driver: flattens `layers` (bottom → top, OverlayFS format) into `rootfs`, giving the
 * tree an overlay mount of the same layers would show. Whiteouts (char 0/0) delete, opaque
 * directories hide lower contents; owners, modes, setuid bits, xattrs (except overlay's own),
 * hardlinks within a layer, symlinks (verbatim), devices, FIFOs and mtimes are kept.
 */
export async function copyLayers(layers: string[], rootfs: string): Promise<void> {
  await mkdir(rootfs, { recursive: true, mode: 0o755 });

  for (const layer of layers) {
    try {
      const rootSt = await lstat(layer);
      if (!rootSt.isDirectory()) throw new Error(`layer is not a directory: ${layer}`);

      await applyDir(layer, rootfs, new Map());
      await applyAttributes(layer, rootfs, rootSt);
    } catch (err) {
      throw new IzaError(OverlayErrorCode.CopyFailed, `copying layer ${layer}`, { cause: err });
    }
  }
}
