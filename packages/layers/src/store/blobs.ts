import { existsSync, readFileSync } from 'node:fs';

import { IzaError } from '@iza/errors';
import { isSystemError } from '@iza/ns-native';

import { LayersErrorCode, noSpace } from '../errors.js';
import { writeFileAtomic } from './atomic-fs.js';
import { digestHex, digestMismatch, sha256Digest } from './digest.js';
import type { StorePaths } from './store-paths.js';

/** Largest blob readBlob returns; manifests and configs are far smaller (distribution: 4 MiB). */
const MAX_SMALL_BLOB = 64 * 1024 * 1024;

export function hasBlob(paths: StorePaths, digest: string): boolean {
  return existsSync(paths.blob(digestHex(digest)));
}

export function readBlob(paths: StorePaths, digest: string): Buffer {
  const hex = digestHex(digest);
  let bytes: Buffer;
  try {
    bytes = readFileSync(paths.blob(hex));
  } catch (err) {
    if (!isSystemError(err, 'ENOENT')) throw err;
    throw new IzaError(LayersErrorCode.BadImage, `blob ${digest} is not in the store`, {
      hint: 'pull the image again',
    });
  }
  if (bytes.length > MAX_SMALL_BLOB) throw new Error(`blob ${digest} too large to read whole`);
  return bytes;
}

/** Stores a small blob after checking its digest; an existing blob is left alone. */
export function writeBlob(paths: StorePaths, digest: string, bytes: Uint8Array): void {
  const hex = digestHex(digest);
  const actual = sha256Digest(bytes);
  if (actual !== digest) throw digestMismatch('blob', digest, actual);
  if (existsSync(paths.blob(hex))) return;

  try {
    writeFileAtomic(paths.tmp, paths.blob(hex), bytes, paths.blobs);
  } catch (err) {
    if (isSystemError(err, 'ENOSPC', 'EDQUOT')) throw noSpace(`writing blob ${digest}`, err);
    throw err;
  }
}
