import { IzaError } from '@iza/errors';

/** Every error code this package throws on purpose (see README, "Errors"). */
export const LayersErrorCode = {
  UnsafeEntry: 'ERR_IZA_LAYERS_UNSAFE_ENTRY',
  BadTar: 'ERR_IZA_LAYERS_BAD_TAR',
  ExtractFailed: 'ERR_IZA_LAYERS_EXTRACT_FAILED',
  BadCompression: 'ERR_IZA_LAYERS_BAD_COMPRESSION',
  DiffIdMismatch: 'ERR_IZA_LAYERS_DIFFID_MISMATCH',
  DigestMismatch: 'ERR_IZA_LAYERS_DIGEST_MISMATCH',
  ImageNotFound: 'ERR_IZA_LAYERS_IMAGE_NOT_FOUND',
  AmbiguousId: 'ERR_IZA_LAYERS_AMBIGUOUS_ID',
  ImageConflict: 'ERR_IZA_LAYERS_IMAGE_CONFLICT',
  NoSpace: 'ERR_IZA_LAYERS_NO_SPACE',
  UnsupportedMediaType: 'ERR_IZA_LAYERS_UNSUPPORTED_MEDIA_TYPE',
  BadDigest: 'ERR_IZA_LAYERS_BAD_DIGEST',
  BadImage: 'ERR_IZA_LAYERS_BAD_IMAGE',
  BadArchive: 'ERR_IZA_LAYERS_BAD_ARCHIVE',
  BadOutputPath: 'ERR_IZA_LAYERS_BAD_OUTPUT_PATH',
} as const;

/** An entry that would write outside the destination or through a link. */
export function unsafeEntry(name: string, why: string): IzaError {
  return new IzaError(
    LayersErrorCode.UnsafeEntry,
    `unsafe layer entry '${printable(name)}': ${why}`,
    {
      hint: 'the image is malformed or hostile; do not use it',
      details: { entry: name },
    },
  );
}

/** A tar stream that does not parse, or parses two ways (a parser differential). */
export function badTar(why: string, entry?: string): IzaError {
  const where = entry === undefined ? '' : ` at entry '${printable(entry)}'`;
  return new IzaError(LayersErrorCode.BadTar, `invalid layer tar${where}: ${why}`, {
    hint: 'the layer blob is corrupt or hostile; pull the image again',
    ...(entry === undefined ? {} : { details: { entry } }),
  });
}

/** ENOSPC while writing: the hint points at the disk, the caller has removed partial output. */
export function noSpace(what: string, cause: unknown): IzaError {
  return new IzaError(LayersErrorCode.NoSpace, `no space left on device while ${what}`, {
    hint: 'free disk space (iza image prune, iza rmi) and retry',
    cause,
  });
}

/** Renders control characters visibly so a hostile name cannot forge log lines. */
export function printable(s: string): string {
  let out = '';
  for (const ch of s) {
    const code = ch.charCodeAt(0);
    out += code < 0x20 || code === 0x7f ? `\\x${code.toString(16).padStart(2, '0')}` : ch;
  }
  return out;
}
