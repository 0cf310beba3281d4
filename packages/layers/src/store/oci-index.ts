import { readFileSync } from 'node:fs';

import { writeFileAtomic } from './atomic-fs.js';
import type { StorePaths } from './store-paths.js';

/** The annotation holding an image's name (OCI image-spec annotations.md). */
export const REF_NAME = 'org.opencontainers.image.ref.name';
/** When iza stored the image (RFC 3339). */
export const PULLED_AT = 'io.iza.pulled';
/** Digest of the image index (manifest list) the manifest was chosen from, if any. */
export const INDEX_DIGEST = 'io.iza.index-digest';

/** One `manifests[]` entry of index.json. */
export interface IndexEntry {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
}

/** The OCI layout's index.json (image-spec image-layout.md). */
export interface OciIndex {
  schemaVersion: 2;
  mediaType?: string;
  manifests: IndexEntry[];
}

/** Reads index.json; call with the `index` lock held when the result will be written back. */
export function readIndex(paths: StorePaths): OciIndex {
  const parsed = JSON.parse(readFileSync(paths.index, 'utf8')) as OciIndex;
  if (!Array.isArray(parsed.manifests)) parsed.manifests = [];
  return parsed;
}

/** Replaces index.json atomically; the `index` lock must be held. */
export function writeIndex(paths: StorePaths, index: OciIndex): void {
  const bytes = Buffer.from(`${JSON.stringify(index, null, 2)}\n`);
  writeFileAtomic(paths.tmp, paths.index, bytes, paths.oci);
}

/** The name an entry carries, or undefined for an unnamed entry. */
export function entryName(e: IndexEntry): string | undefined {
  return e.annotations?.[REF_NAME];
}
