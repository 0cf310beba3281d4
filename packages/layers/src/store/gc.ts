import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

import { IzaError } from '@iza/errors';

import { LayersErrorCode } from '../errors.js';
import { digestHex } from './digest.js';
import type { RemoveResult } from './image-types.js';
import { findIndexed, indexedImages, isDangling } from './image-lookup.js';
import type { IndexedImage } from './image-lookup.js';
import { loadImage } from './images.js';
import type { StoreLocks } from './locks.js';
import { INDEX_DIGEST, readIndex, writeIndex } from './oci-index.js';
import type { OciIndex } from './oci-index.js';
import type { StorePaths } from './store-paths.js';

/** What prune removed. */
export interface PruneResult {
  /** IDs (config digests) of the dangling images removed. */
  images: string[];
  /** Digests of deleted blobs. */
  blobs: string[];
  /** DiffIDs of deleted layer directories. */
  layers: string[];
  /** Stale tmp entries removed. */
  tmpEntries: number;
}

/** Options of prune. */
export interface PruneOptions {
  /**
   * Unreferenced blobs and layers younger than this are kept, because a pull in another process
   * may be between ensureLayer and putImage. Default 10 minutes.
   */
  gracePeriodMs?: number;
}

/**
 * Removes an image. By name: untags it. By ID: every entry of that ID, named or dangling (several
 * names need `force`). Content is freed when no entry is left on its manifest.
 */
export async function removeImage(
  paths: StorePaths,
  locks: StoreLocks,
  ref: string,
  options: { force?: boolean },
): Promise<RemoveResult> {
  const release = await locks.acquire('index');
  try {
    const index = readIndex(paths);
    const all = indexedImages(paths, index);
    const target = findIndexed(all, ref);
    const id = target.image.record.configDigest;

    const byName = target.image.record.name === ref;
    const removed = byName ? [target] : all.filter((x) => x.image.record.configDigest === id);
    const names = removed.flatMap((x) => x.image.record.name ?? []);
    if (!byName && names.length > 1 && options.force !== true) {
      throw new IzaError(
        LayersErrorCode.ImageConflict,
        `image ${ref} is referenced by ${names.length} names: ${names.join(', ')}`,
        { hint: 'remove it by name, or force the removal of every name' },
      );
    }

    index.manifests = index.manifests.filter((e) => !removed.some((x) => x.entry === e));
    writeIndex(paths, index);

    const freed = freeImages(paths, locks, index, removed);
    if (freed.images.length === 0) return { untagged: names, deleted: [] };
    return { untagged: names, deleted: [...freed.images, ...freed.layers] };
  } finally {
    release();
  }
}

/**
 * Removes dangling images (docker's `image prune` default), then unreferenced blobs and layers
 * and stale tmp entries.
 */
export async function prune(
  paths: StorePaths,
  locks: StoreLocks,
  options: PruneOptions = {},
): Promise<PruneResult> {
  const release = await locks.acquire('index');
  try {
    const tmpEntries = recover(paths, locks, true);

    const index = readIndex(paths);
    const dangling = indexedImages(paths, index).filter((x) => isDangling(x.entry));
    index.manifests = index.manifests.filter((e) => !dangling.some((x) => x.entry === e));
    if (dangling.length > 0) writeIndex(paths, index);
    const own = freeImages(paths, locks, index, dangling);

    const rest = collect(paths, locks, index, options.gracePeriodMs ?? 600_000);
    return {
      images: own.images,
      blobs: [...own.blobs, ...rest.blobs],
      layers: [...own.layers, ...rest.layers],
      tmpEntries,
    };
  } finally {
    release();
  }
}

/**
 * Deletes the content of images just dropped from `index` (the index lock held), without the
 * grace period: only their own blobs and layers are considered, since another pull may have
 * committed layers it has not yet named, and those must survive. Returns the IDs of images whose
 * manifest no remaining entry holds.
 */
function freeImages(
  paths: StorePaths,
  locks: StoreLocks,
  index: OciIndex,
  removed: IndexedImage[],
): { images: string[]; blobs: string[]; layers: string[] } {
  const gone = removed.filter((x) => !index.manifests.some((e) => e.digest === x.entry.digest));
  if (gone.length === 0) return { images: [], blobs: [], layers: [] };

  const only = { blobs: new Set<string>(), layers: new Set<string>() };
  for (const { entry, image } of gone) {
    const idx = entry.annotations?.[INDEX_DIGEST];
    const own = [
      entry.digest,
      image.record.configDigest,
      ...image.manifest.layers.map((l) => l.digest),
    ];
    for (const d of idx ? [...own, idx] : own) only.blobs.add(digestHex(d));
    for (const d of image.record.layers) only.layers.add(digestHex(d));
  }
  const freed = collect(paths, locks, index, 0, only);
  const images = [...new Set(gone.map((x) => x.image.record.configDigest))];
  return { images, ...freed };
}

/**
 * Deletes tmp entries left by dead processes: staging layers whose lock is free, trash, and small
 * file writes of pids that no longer exist. Partial blob downloads are kept for resuming unless
 * `partials` is set. Returns how many entries were removed.
 */
export function recover(paths: StorePaths, locks: StoreLocks, partials = false): number {
  let removed = 0;
  for (const name of readdirSync(paths.tmp)) {
    const [kind, key, extra] = name.split('~');
    let release: (() => void) | null = null;

    if (kind === 'layer' && key) release = locks.tryAcquire(`layer-${key}`);
    else if (kind === 'blob' && key && partials) {
      release = locks.tryAcquire(`blob-${key.replace('.partial', '')}`);
    } else if (kind === 'file' && key && !pidAlive(Number(key))) release = () => undefined;
    else if (kind === 'trash' || kind === 'export' || kind === 'import') {
      release = extra && pidAlive(Number(extra)) ? null : () => undefined;
    }
    if (release === null) continue;

    try {
      rmSync(join(paths.tmp, name), { recursive: true, force: true });
      removed++;
    } finally {
      release();
    }
  }
  return removed;
}

/** Deletes blobs and layers no index entry references; the index lock must be held. */
function collect(
  paths: StorePaths,
  locks: StoreLocks,
  index: OciIndex,
  graceMs: number,
  only?: { blobs: Set<string>; layers: Set<string> },
): { blobs: string[]; layers: string[] } {
  const blobs = new Set<string>();
  const layers = new Set<string>();
  for (const entry of index.manifests) {
    blobs.add(digestHex(entry.digest));
    const idx = entry.annotations?.[INDEX_DIGEST];
    if (idx) blobs.add(digestHex(idx));
    try {
      const img = loadImage(paths, entry);
      blobs.add(digestHex(img.manifest.config.digest));
      for (const l of img.manifest.layers) blobs.add(digestHex(l.digest));
      for (const d of img.config.rootfs.diff_ids) layers.add(digestHex(d));
    } catch {
      // An entry whose documents are unreadable protects nothing beyond its manifest.
    }
  }

  const cutoff = Date.now() - graceMs;
  const young = (p: string) => graceMs > 0 && statSync(p).ctimeMs > cutoff;
  const out = { blobs: [] as string[], layers: [] as string[] };

  for (const hex of readdirSync(paths.blobs)) {
    if (blobs.has(hex) || (only && !only.blobs.has(hex)) || young(paths.blob(hex))) continue;
    const release = locks.tryAcquire(`blob-${hex}`);
    if (!release) continue;
    try {
      rmSync(paths.blob(hex), { force: true });
      out.blobs.push(`sha256:${hex}`);
    } finally {
      release();
    }
  }

  for (const hex of readdirSync(paths.layers)) {
    if (layers.has(hex) || (only && !only.layers.has(hex)) || young(paths.layer(hex))) continue;
    const release = locks.tryAcquire(`layer-${hex}`);
    if (!release) continue;
    try {
      removeLayerDir(paths, hex);
      out.layers.push(`sha256:${hex}`);
    } finally {
      release();
    }
  }
  return out;
}

/** Moves the layer out of sight atomically, then deletes it; a crash leaves only tmp trash. */
function removeLayerDir(paths: StorePaths, hex: string): void {
  if (!existsSync(paths.layer(hex))) return;
  const trash = join(paths.tmp, `trash~${randomBytes(6).toString('hex')}~${process.pid}`);
  renameSync(paths.layer(hex), trash);
  rmSync(trash, { recursive: true, force: true });
}

function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
