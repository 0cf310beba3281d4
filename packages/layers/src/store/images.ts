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
  if (opts.indexBytes && indexDigest) {
    checkIndexLists(opts.indexBytes, manifestDigest);
    writeBlob(paths, indexDigest, opts.indexBytes);
  }

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
    index.manifests = retag(index.manifests, opts.name, manifestDigest);
    index.manifests.push(entry);
    writeIndex(paths, index);

    return makeRecord(paths, entry, manifest, config).record;
  } finally {
    release();
  }
}

/**
 * index.json entries once `name` moves to `manifestDigest`: the image that had the name stays,
 * unnamed (dangling, as docker keeps it), unless another entry still holds its manifest; a
 * dangling entry of `manifestDigest` goes, since the manifest is named again.
 */
function retag(entries: IndexEntry[], name: string, manifestDigest: string): IndexEntry[] {
  const out: IndexEntry[] = [];
  for (const e of entries) {
    const named = entryName(e);
    if (named === undefined && e.digest === manifestDigest) continue;
    if (named !== name) {
      out.push(e);
      continue;
    }
    const keptElsewhere = entries.some(
      (o) => o !== e && o.digest === e.digest && entryName(o) !== name,
    );
    if (e.digest !== manifestDigest && !keptElsewhere) out.push(unnamed(e));
  }
  return out;
}

// LIMITATION: the former name is dropped, so a dangling image shows no repository (`<none>`).
function unnamed(e: IndexEntry): IndexEntry {
  const annotations = { ...e.annotations };
  delete annotations[REF_NAME];
  return { ...e, annotations };
}

/** The index the manifest was chosen from must list it; anything else is not its repo digest. */
function checkIndexLists(indexBytes: Uint8Array, manifestDigest: string): void {
  const index = parseJson<{ manifests?: { digest?: unknown }[] }>(indexBytes, 'image index');
  const listed =
    Array.isArray(index.manifests) && index.manifests.some((m) => m?.digest === manifestDigest);
  if (!listed) throw badImage(`the image index does not list manifest ${manifestDigest}`);
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
    const which = entryName(entry) ?? manifest.config.digest;
    if (!layer) throw badImage(`layer ${diffId} of ${which} is missing`);
    return layer;
  });

  const record: ImageRecord = {
    name: entryName(entry),
    manifestDigest: entry.digest,
    indexDigest: entry.annotations?.[INDEX_DIGEST],
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
