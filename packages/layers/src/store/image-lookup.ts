import { IzaError } from '@iza/errors';

import { LayersErrorCode } from '../errors.js';
import type { ImageRecord, StoredImage } from './image-types.js';
import { imageNotFound, loadImage } from './images.js';
import { entryName, readIndex } from './oci-index.js';
import type { IndexEntry, OciIndex } from './oci-index.js';
import type { StorePaths } from './store-paths.js';

/** An index.json entry with its loaded image. */
export interface IndexedImage {
  entry: IndexEntry;
  image: StoredImage;
}

/**
 * Every image of index.json, named and dangling, in index order. Pass the index read under the
 * `index` lock when the result decides what to write back.
 */
export function indexedImages(paths: StorePaths, index: OciIndex = readIndex(paths)) {
  return index.manifests.map((entry): IndexedImage => ({ entry, image: loadImage(paths, entry) }));
}

/**
 * Finds an image by its full name, or by a prefix (≥ 4 hex digits, optionally `sha256:`) of its
 * ID. Dangling images are found by ID only. A prefix matching two different IDs is
 * ERR_IZA_LAYERS_AMBIGUOUS_ID; when one ID has several entries, a named one is preferred.
 */
export function findIndexed(all: IndexedImage[], ref: string): IndexedImage {
  const byName = all.find((x) => x.image.record.name === ref);
  if (byName) return byName;

  const m = /^(?:sha256:)?([0-9a-f]{4,64})$/.exec(ref);
  const prefix = m?.[1];
  if (prefix !== undefined) {
    const hits = all.filter((x) => idHex(x.image.record).startsWith(prefix));
    const ids = new Set(hits.map((x) => x.image.record.configDigest));
    if (ids.size > 1) {
      throw new IzaError(LayersErrorCode.AmbiguousId, `image ID prefix '${ref}' is ambiguous`, {
        hint: 'give more digits of the image ID',
        details: { matches: [...ids] },
      });
    }
    const hit = hits.find((x) => x.image.record.name !== undefined) ?? hits[0];
    if (hit) return hit;
  }

  throw imageNotFound(ref);
}

/** Every image in index.json: named ones and dangling ones (`name: undefined`). */
export function listImages(paths: StorePaths): ImageRecord[] {
  return indexedImages(paths).map((x) => x.image.record);
}

/** See {@link findIndexed}. */
export function findImage(paths: StorePaths, ref: string): ImageRecord {
  return findIndexed(indexedImages(paths), ref).image.record;
}

/** The image with its manifest, config and layer directories (bottom to top). */
export function getImage(paths: StorePaths, ref: string): StoredImage {
  return findIndexed(indexedImages(paths), ref).image;
}

/** True for an entry that no name points to any more (docker's `<none>:<none>`). */
export function isDangling(entry: IndexEntry): boolean {
  return entryName(entry) === undefined;
}

function idHex(record: ImageRecord): string {
  return record.configDigest.slice('sha256:'.length);
}
