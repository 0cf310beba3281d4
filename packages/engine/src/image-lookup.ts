import { isIzaError } from '@iza/errors';
import type { ImageRecord, ImageStore } from '@iza/layers';
import { parseReference } from '@iza/registry';

/**
 * The local image `ref` names, as docker resolves it: a reference in any docker form
 * (`alpine` = docker.io/library/alpine:latest), else an image ID prefix, else (for
 * `repo@sha256:…`) the image of that repository the digest was pulled as, by tag or by index:
 * docker keeps a pull's digest as a reference of the image, so `run repo@DIGEST` finds an image
 * pulled as `repo:tag`. Undefined when absent.
 */
export function lookupImage(store: ImageStore, ref: string): ImageRecord | undefined {
  for (const candidate of new Set([canonicalName(ref), ref])) {
    try {
      return store.findImage(candidate);
    } catch (err) {
      if (!isIzaError(err, 'ERR_IZA_LAYERS_IMAGE_NOT_FOUND')) throw err;
    }
  }
  return byDigest(store, ref);
}

function byDigest(store: ImageStore, ref: string): ImageRecord | undefined {
  let wanted: { repository: string; digest: string } | undefined;
  try {
    const parsed = parseReference(ref);
    if (parsed.digest) wanted = { repository: parsed.repository, digest: parsed.digest };
  } catch {
    return undefined;
  }
  if (wanted === undefined) return undefined;

  const { repository, digest } = wanted;
  return store.listImages().find((r) => {
    if (r.name === undefined || !(r.manifestDigest === digest || r.indexDigest === digest)) {
      return false;
    }
    return parseReference(r.name).repository === repository;
  });
}

/** How the store finds `record` again: its name, or its ID when it is dangling. */
export function storeKey(record: ImageRecord): string {
  return record.name ?? record.configDigest;
}

/** The store's name for `ref`: its canonical form when it parses, else `ref` (an ID prefix). */
export function canonicalName(ref: string): string {
  try {
    return parseReference(ref).toString();
  } catch {
    return ref;
  }
}
