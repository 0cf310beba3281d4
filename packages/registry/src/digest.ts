import { createHash, type Hash } from 'node:crypto';

import { RegistryErrorCode, registryError } from './errors.js';

// go-digest's registered algorithms and their anchored encodings (lowercase hex only).
const HEX_LENGTH: Record<string, number> = { sha256: 64, sha384: 96, sha512: 128 };

/** True when `digest` is `algorithm:hex` with a known algorithm and the right hex length. */
export function isValidDigest(digest: string): boolean {
  const colon = digest.indexOf(':');
  if (colon < 0) return false;
  const length = HEX_LENGTH[digest.slice(0, colon)];
  const hex = digest.slice(colon + 1);
  return length !== undefined && hex.length === length && /^[a-f0-9]+$/.test(hex);
}

/**
 * Throws `ERR_IZA_REGISTRY_PROTOCOL` unless `digest` is valid. Digests from a registry end up in
 * URLs and file names, so a hostile one (`sha256:../../x`) must stop here.
 */
export function assertDigest(digest: unknown, what: string): asserts digest is string {
  if (typeof digest === 'string' && isValidDigest(digest)) return;
  throw registryError(RegistryErrorCode.Protocol, `${what} has an invalid digest`, {
    hint: 'the registry sent a malformed manifest; report it to the registry operator',
    details: { digest: String(digest).slice(0, 200) },
  });
}

/** A hash for the algorithm of a valid digest. */
export function hasherFor(digest: string): Hash {
  return createHash(digest.slice(0, digest.indexOf(':')));
}

/** `algorithm:hex` of the bytes, with the algorithm of `like` (sha256 by default). */
export function digestOf(bytes: Uint8Array, like = 'sha256:'): string {
  const algorithm = like.slice(0, like.indexOf(':'));
  return `${algorithm}:${createHash(algorithm).update(bytes).digest('hex')}`;
}
