import { existsSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';

import { writeFileAtomic } from './atomic-fs.js';
import { hasBlob, readBlob, writeBlob } from './blobs.js';
import { digestHex } from './digest.js';
import { ensureLayer } from './ensure-layer.js';
import type { EnsureLayerOptions, LayerRecord } from './ensure-layer.js';
import { prune, recover, removeImage } from './gc.js';
import type { PruneOptions, PruneResult } from './gc.js';
import type { ImageRecord, PutImageOptions, RemoveResult, StoredImage } from './image-types.js';
import { findImage, getImage, listImages } from './image-lookup.js';
import { putImage } from './images.js';
import { StoreLocks } from './locks.js';
import { writeIndex } from './oci-index.js';
import { StorePaths } from './store-paths.js';
import { exportArchive, importArchive } from './archive.js';
import type { ExportOptions, ImportOptions } from './archive.js';

/** Options of {@link openImageStore}. */
export interface ImageStoreOptions {
  /** The store's root directory; created when missing. */
  root: string;
}

/**
 * A content-addressed image store: an OCI image layout plus one unpacked directory per layer
 * (layout in the README). Safe for concurrent use by several processes; a crash at any moment
 * leaves it consistent.
 */
export interface ImageStore {
  readonly root: string;
  hasBlob(digest: string): boolean;
  /** Where the blob is (or would be) stored. */
  blobPath(digest: string): string;
  /** A small blob (manifest, config) read whole; ERR_IZA_LAYERS_BAD_IMAGE when absent. */
  readBlob(digest: string): Buffer;
  /** Stores a manifest/config after verifying its digest. */
  writeBlob(digest: string, bytes: Uint8Array): void;
  /**
   * Makes sure the layer `diffId` is unpacked. Returns at once when it is; otherwise waits for
   * any other process unpacking it, or streams the blob once (from the stored blob, or from
   * `openBlob`) into both the blob store and a staging directory, checks digest, size and DiffID,
   * and commits atomically. On failure nothing is kept except a resumable partial download.
   */
  ensureLayer(options: EnsureLayerOptions): Promise<LayerRecord>;
  /** Commits an image whose layers are all ensured; replaces an older image of the same name. */
  putImage(options: PutImageOptions): Promise<ImageRecord>;
  /** Every image, in index order; dangling images (lost their name) have `name: undefined`. */
  listImages(): ImageRecord[];
  /** By full name or image ID prefix (≥ 4 hex; dangling images by ID only); see README. */
  findImage(nameOrIdPrefix: string): ImageRecord;
  getImage(nameOrIdPrefix: string): StoredImage;
  /**
   * By name: untags it, deleting content when no entry is left on the manifest. By ID: removes
   * every entry of the image, dangling ones included; several names need `force`.
   */
  removeImage(nameOrId: string, options?: { force?: boolean }): Promise<RemoveResult>;
  /** Removes dangling images, then unreferenced blobs and layers, then stale tmp entries. */
  prune(options?: PruneOptions): Promise<PruneResult>;
  /** Removes tmp entries of dead processes; called by openImageStore. Returns how many. */
  recover(): number;
  /**
   * Writes an archive of the images (names or IDs) to `outPath`: an OCI layout tar that also
   * holds docker's `manifest.json`, so both `oci-archive:` and `docker-archive:` readers load it.
   */
  exportArchive(names: string[], outPath: string, options?: ExportOptions): Promise<void>;
  /** Loads every named image of an OCI archive; returns their names. */
  importArchive(path: string, options?: ImportOptions): Promise<string[]>;
}

const OCI_LAYOUT = '{"imageLayoutVersion":"1.0.0"}\n';

/** Opens (creating when needed) the store at `root` and cleans up after dead processes. */
export async function openImageStore(options: ImageStoreOptions): Promise<ImageStore> {
  const paths = new StorePaths(resolve(options.root));
  for (const dir of [paths.blobs, paths.layers, paths.tmp, paths.locks]) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }
  const locks = new StoreLocks(paths.locks);

  const release = await locks.acquire('index');
  try {
    const layoutFile = `${paths.oci}/oci-layout`;
    if (!existsSync(layoutFile))
      writeFileAtomic(paths.tmp, layoutFile, Buffer.from(OCI_LAYOUT), paths.oci);
    if (!existsSync(paths.index))
      writeIndex(paths, { schemaVersion: 2, mediaType: INDEX_TYPE, manifests: [] });
    recover(paths, locks);
  } finally {
    release();
  }

  return {
    root: paths.root,
    hasBlob: (d) => hasBlob(paths, d),
    blobPath: (d) => paths.blob(digestHex(d)),
    readBlob: (d) => readBlob(paths, d),
    writeBlob: (d, b) => writeBlob(paths, d, b),
    ensureLayer: (o) => ensureLayer(paths, locks, o),
    putImage: (o) => putImage(paths, locks, o),
    listImages: () => listImages(paths),
    findImage: (r) => findImage(paths, r),
    getImage: (r) => getImage(paths, r),
    removeImage: (r, o = {}) => removeImage(paths, locks, r, o),
    prune: (o) => prune(paths, locks, o),
    recover: () => recover(paths, locks),
    exportArchive: (n, out, o) => exportArchive(paths, locks, n, out, o),
    importArchive: (p, o) => importArchive(paths, locks, p, o),
  };
}

const INDEX_TYPE = 'application/vnd.oci.image.index.v1+json';
