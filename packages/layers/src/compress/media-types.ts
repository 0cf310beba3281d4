import { IzaError } from '@iza/errors';

import { LayersErrorCode } from '../errors.js';

/** How a layer blob is compressed. */
export type Compression = 'gzip' | 'zstd' | 'none';

const LAYER_TYPES: Record<string, Compression> = {
  'application/vnd.oci.image.layer.v1.tar': 'none',
  'application/vnd.oci.image.layer.v1.tar+gzip': 'gzip',
  'application/vnd.oci.image.layer.v1.tar+zstd': 'zstd',
  'application/vnd.oci.image.layer.nondistributable.v1.tar': 'none',
  'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip': 'gzip',
  'application/vnd.oci.image.layer.nondistributable.v1.tar+zstd': 'zstd',
  'application/vnd.docker.image.rootfs.diff.tar': 'none',
  'application/vnd.docker.image.rootfs.diff.tar.gzip': 'gzip',
  'application/vnd.docker.image.rootfs.diff.tar.zstd': 'zstd',
  'application/vnd.docker.image.rootfs.foreign.diff.tar': 'none',
  'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip': 'gzip',
};

/** The layer media types this package unpacks (SPECS §2.1), with their compression. */
export const LAYER_MEDIA_TYPES: ReadonlyMap<string, Compression> = new Map(
  Object.entries(LAYER_TYPES),
);

/** The compression of a layer media type; throws ERR_IZA_LAYERS_UNSUPPORTED_MEDIA_TYPE. */
export function layerCompression(mediaType: string): Compression {
  const c = LAYER_TYPES[mediaType];
  if (c === undefined) {
    throw new IzaError(
      LayersErrorCode.UnsupportedMediaType,
      `unsupported layer media type '${mediaType}'`,
      { hint: 'iza unpacks OCI and Docker tar layers (uncompressed, gzip, zstd)' },
    );
  }
  return c;
}

/**
 * Uncompressed types that must hold a plain tar. Every other layer type is decompressed by what
 * its bytes are, as containerd does (core/images/mediatypes.go DiffCompression): builders have
 * pushed gzip and zstd under each other's names, and Docker's `diff.tar` types may carry
 * compressed bytes. The DiffID check still covers what comes out.
 */
const STRICTLY_PLAIN = new Set([
  'application/vnd.oci.image.layer.v1.tar',
  'application/vnd.oci.image.layer.nondistributable.v1.tar',
]);

/**
 * How to decompress a blob of `mediaType` whose first bytes are `found`; undefined when the
 * bytes contradict a type that allows no guess.
 */
export function blobCompression(mediaType: string, found: Compression): Compression | undefined {
  if (STRICTLY_PLAIN.has(mediaType)) return found === 'none' ? 'none' : undefined;
  return found;
}

/** Compression recognised from the first bytes of a blob (RFC 1952, RFC 8878 magic numbers). */
export function sniffCompression(head: Uint8Array): Compression {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) return 'zstd';
  // A zstd stream may open with a skippable frame, magic 0x184D2A50-5F little-endian (RFC 8878
  // §3.1.2); containerd's detector accepts it too.
  if ((head[0] ?? 0) >> 4 === 0x5 && head[1] === 0x2a && head[2] === 0x4d && head[3] === 0x18) {
    return 'zstd';
  }
  return 'none';
}
