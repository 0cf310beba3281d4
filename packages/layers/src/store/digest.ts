import { createHash } from 'node:crypto';

import { IzaError } from '@iza/errors';

import { LayersErrorCode } from '../errors.js';

const SHA256 = /^sha256:([0-9a-f]{64})$/;

/** The hex part of a `sha256:<64 hex>` digest; anything else is ERR_IZA_LAYERS_BAD_DIGEST. */
export function digestHex(digest: string): string {
  const m = SHA256.exec(digest);
  if (m === null || m[1] === undefined) {
    throw new IzaError(LayersErrorCode.BadDigest, `unsupported or malformed digest '${digest}'`, {
      hint: 'iza stores sha256 digests only (sha256:<64 hex digits>)',
    });
  }
  return m[1];
}

/** `sha256:<hex>` of `bytes`. */
export function sha256Digest(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** Throws ERR_IZA_LAYERS_DIGEST_MISMATCH naming both digests. */
export function digestMismatch(what: string, expected: string, actual: string): IzaError {
  return new IzaError(
    LayersErrorCode.DigestMismatch,
    `${what} digest mismatch: expected ${expected}, got ${actual}`,
    {
      hint: 'the registry or the network corrupted the data; pull again',
      details: { expected, actual },
    },
  );
}
