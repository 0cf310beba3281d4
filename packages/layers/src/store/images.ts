import { IzaError } from '@iza/errors';

import { LayersErrorCode } from '../errors.js';
import { hasBlob, readBlob, writeBlob } from './blobs.js';
import { digestHex, digestMismatch, sha256Digest } from './digest.js';
import { readLayer } from './ensure-layer.js';
import type {
  ImageConfig,
  ImageManifest,
  ImageRecord,
  PutImageOptions,
  StoredImage,
} from './image-types.js';
import type { StoreLocks } from './locks.js';
import {
  INDEX_DIGEST,
  PULLED_AT,
  REF_NAME,
  entryName,
  readIndex,
  writeIndex,
} from './oci-index.js';
import type { IndexEntry } from './oci-index.js';
import type { StorePaths } from './store-paths.js';

/** Parses and checks a manifest/config pair; throws ERR_IZA_LAYERS_BAD_IMAGE. */
export function parseImage(
  manifestBytes: Uint8Array,
  configBytes: Uint8Array,
): { manifest: ImageManifest; config: ImageConfig } {
  const manifest = parseJson<ImageManifest>(manifestBytes, 'manifest');
  if (typeof manifest.config?.digest !== 'string' || !Array.isArray(manifest.layers)) {
    throw badImage('manifest has no config or layers');
  }
  const configDigest = sha256Digest(configBytes);
  if (configDigest !== manifest.config.digest) {
    throw digestMismatch('config', manifest.config.digest, configDigest);
  }

  const config = parseJson<ImageConfig>(configBytes, 'config');
  const diffIds = config.rootfs?.diff_ids;
  if (!Array.isArray(diffIds) || diffIds.length !== manifest.layers.length) {
    throw badImage('config rootfs.diff_ids does not match the manifest layers');
  }
  return { manifest, config };
}

/** Commits an image: blobs first, then its index.json entry under the index lock. */
export async function putImage(
  paths: StorePaths,
  locks: StoreLocks,
  opts: PutImageOptions,
): Promise<ImageRecord> {
  const { manifest, config } = parseImage(opts.manifestBytes, opts.configBytes);
  const manifestDigest = sha256Digest(opts.manifestBytes);

  writeBlob(paths, manifest.config.digest, opts.configBytes);
  writeBlob(paths, manifestDigest, opts.manifestBytes);
  const indexDigest = opts.indexBytes ? sha256Digest(opts.indexBytes) : undefined;
  if (opts.indexBytes && indexDigest) writeBlob(paths, indexDigest, opts.indexBytes);

  const release = await locks.acquire('index');
  try {
    // Checked under the lock: removeImage and prune delete layers only while holding it.
    manifest.layers.forEach((layer, i) => {
      const diffId = config.rootfs.diff_ids[i] as string;
      if (!hasBlob(paths, layer.digest) || readLayer(paths, digestHex(diffId)) === undefined) {
        throw badImage(`layer ${layer.digest} is not stored; ensureLayer must finish first`);
      }
    });

    const pulled = new Date().toISOString();
    const entry: IndexEntry = {
      mediaType: opts.manifestMediaType,
      digest: manifestDigest,
      size: opts.manifestBytes.length,
      annotations: {
        [REF_NAME]: opts.name,
        [PULLED_AT]: pulled,
        ...(indexDigest ? { [INDEX_DIGEST]: indexDigest } : {}),
      },
    };
    const index = readIndex(paths);
    index.manifests = index.manifests.filter((e) => entryName(e) !== opts.name);
    index.manifests.push(entry);
    writeIndex(paths, index);

    return makeRecord(paths, entry, manifest, config).record;
  } finally {
    release();
  }
}

/** Every named image in index.json, in index order. */
export function listImages(paths: StorePaths): ImageRecord[] {
  return readIndex(paths)
    .manifests.filter((e) => entryName(e) !== undefined)
    .map((e) => loadImage(paths, e).record);
}

/**
 * Finds an image by its full name, or by a prefix (≥ 4 hex digits, optionally `sha256:`) of its
 * ID. A prefix matching two different IDs is ERR_IZA_LAYERS_AMBIGUOUS_ID. Familiar names
 * (`alpine`) must be normalised by the caller.
 */
export function findImage(paths: StorePaths, ref: string): ImageRecord {
  const all = listImages(paths);
  const byName = all.find((r) => r.name === ref);
  if (byName) return byName;

  const m = /^(?:sha256:)?([0-9a-f]{4,64})$/.exec(ref);
  const prefix = m?.[1];
  if (prefix !== undefined) {
    const hits = all.filter((r) => r.configDigest.slice('sha256:'.length).startsWith(prefix));
    const ids = new Set(hits.map((r) => r.configDigest));
    if (ids.size > 1) {
      throw new IzaError(LayersErrorCode.AmbiguousId, `image ID prefix '${ref}' is ambiguous`, {
        hint: 'give more digits of the image ID',
        details: { matches: [...ids] },
      });
    }
    if (hits[0]) return hits[0];
  }

  throw imageNotFound(ref);
}

/** The image with its manifest, config and layer directories (bottom to top). */
export function getImage(paths: StorePaths, ref: string): StoredImage {
  const record = findImage(paths, ref);
  const entry = readIndex(paths).manifests.find((e) => entryName(e) === record.name);
  if (!entry) throw imageNotFound(ref);
  return loadImage(paths, entry);
}

/** Reads an index entry's documents; every layer must be unpacked. */
export function loadImage(paths: StorePaths, entry: IndexEntry): StoredImage {
  const manifestBytes = readBlob(paths, entry.digest);
  const manifest = parseJson<ImageManifest>(manifestBytes, 'manifest');
  const config = parseJson<ImageConfig>(readBlob(paths, manifest.config.digest), 'config');
  return makeRecord(paths, entry, manifest, config);
}

function makeRecord(
  paths: StorePaths,
  entry: IndexEntry,
  manifest: ImageManifest,
  config: ImageConfig,
): StoredImage {
  const layers = config.rootfs.diff_ids.map((diffId) => {
    const layer = readLayer(paths, digestHex(diffId));
    if (!layer) throw badImage(`layer ${diffId} of ${entryName(entry)} is missing`);
    return layer;
  });

  const record: ImageRecord = {
    name: entryName(entry) ?? entry.digest,
    manifestDigest: entry.digest,
    configDigest: manifest.config.digest,
    created: typeof config.created === 'string' ? config.created : undefined,
    pulled: entry.annotations?.[PULLED_AT] ?? '',
    size: layers.reduce((n, l) => n + l.size, 0),
    layers: config.rootfs.diff_ids,
  };
  return { record, manifest, config, layerDirs: layers.map((l) => l.path) };
}

export function imageNotFound(ref: string): IzaError {
  return new IzaError(LayersErrorCode.ImageNotFound, `image '${ref}' not found`, {
    hint: `pull it first (iza pull ${ref})`,
  });
}

function badImage(why: string): IzaError {
  return new IzaError(LayersErrorCode.BadImage, `invalid image: ${why}`, {
    hint: 'the registry served an inconsistent image',
  });
}

function parseJson<T>(bytes: Uint8Array, what: string): T {
  try {
    return JSON.parse(Buffer.from(bytes).toString('utf8')) as T;
  } catch (err) {
    throw new IzaError(LayersErrorCode.BadImage, `invalid image: ${what} is not JSON`, {
      cause: err,
    });
  }
}
