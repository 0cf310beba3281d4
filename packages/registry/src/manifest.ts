import { assertDigest, digestOf, isValidDigest } from './digest.js';
import { RegistryErrorCode, registryError } from './errors.js';
import { isIndexType, isManifestType, isSchema1Type, MediaType } from './media-types.js';
import type { Descriptor, ImageIndex, ImageManifest } from './types.js';

/** Most a manifest or config may weigh: they are buffered, blobs never are. */
export const MANIFEST_CAP = 4 * 1024 * 1024;

/** A manifest or index as received, verified and parsed. */
export type ParsedManifest =
  | { kind: 'manifest'; mediaType: string; manifest: ImageManifest }
  | { kind: 'index'; mediaType: string; index: ImageIndex };

const SCHEMA1_HINT =
  'the image uses Docker schema 1, which docker no longer pulls; push it again with a current docker, buildah or skopeo';

/**
 * Checks the bytes of a manifest against what the client knew beforehand (SPECS §1.5): the
 * digest it was pulled by, the registry's Docker-Content-Digest, the size of the descriptor
 * that pointed at it. Returns the digest of the bytes.
 */
export function verifyManifestBytes(
  bytes: Buffer,
  name: string,
  expect: {
    digest?: string | undefined;
    headerDigest?: string | undefined;
    size?: number | undefined;
  },
): string {
  if (expect.size !== undefined && bytes.length !== expect.size) {
    throw registryError(
      RegistryErrorCode.DigestMismatch,
      `manifest for ${name} is ${bytes.length} bytes, expected ${expect.size}`,
      {
        hint: 'the registry or a proxy served other content; pull again or check the registry',
        details: { expectedSize: expect.size, actualSize: bytes.length },
      },
    );
  }
  const expected =
    expect.digest ??
    (expect.headerDigest && isValidDigest(expect.headerDigest) ? expect.headerDigest : undefined);
  const actual = digestOf(bytes, expected ?? 'sha256:');
  if (expected !== undefined && actual !== expected) {
    throw registryError(
      RegistryErrorCode.DigestMismatch,
      `manifest for ${name} has digest ${actual}, expected ${expected}`,
      {
        hint: 'the registry or a proxy served other content; pull again or check the registry',
        details: { expected, actual },
      },
    );
  }
  if (
    expect.digest !== undefined &&
    expect.headerDigest !== undefined &&
    isValidDigest(expect.headerDigest)
  ) {
    const byHeader = digestOf(bytes, expect.headerDigest);
    if (byHeader !== expect.headerDigest) {
      throw registryError(
        RegistryErrorCode.DigestMismatch,
        `manifest for ${name} does not match its Docker-Content-Digest ${expect.headerDigest}`,
        {
          hint: 'the registry served inconsistent content; pull again or check the registry',
          details: { expected: expect.headerDigest, actual: byHeader },
        },
      );
    }
  }
  return actual;
}

/**
 * Parses manifest bytes and decides their type (SPECS §1.5): schema1 refused; Content-Type
 * without params; a body `mediaType` contradicting a specific Content-Type rejected; a media
 * type expected from a descriptor wins; a body without `mediaType` typed by its shape.
 */
export function parseManifest(
  bytes: Buffer,
  contentType: string | undefined,
  name: string,
  expectedType?: string,
): ParsedManifest {
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
  } catch (err) {
    throw registryError(RegistryErrorCode.Protocol, `manifest for ${name} is not valid JSON`, {
      hint: 'check the registry',
      cause: err,
    });
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw registryError(RegistryErrorCode.Protocol, `manifest for ${name} is not a JSON object`, {
      hint: 'check the registry',
    });
  }

  const ct = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  const declared = typeof body['mediaType'] === 'string' ? body['mediaType'] : undefined;
  if (
    body['schemaVersion'] === 1 ||
    'fsLayers' in body ||
    isSchema1Type(ct) ||
    isSchema1Type(declared ?? '')
  ) {
    throw registryError(
      RegistryErrorCode.UnsupportedManifest,
      `${name} is a Docker schema 1 manifest, which is not supported`,
      { hint: SCHEMA1_HINT },
    );
  }

  const specific = isManifestType(ct) || isIndexType(ct);
  if (declared !== undefined && specific && declared !== ct && expectedType === undefined) {
    throw registryError(
      RegistryErrorCode.Protocol,
      `manifest for ${name} says ${declared} but was served as ${ct}`,
      {
        hint: 'the registry stores inconsistent metadata; report it to its operator',
      },
    );
  }

  const shape = Array.isArray(body['manifests'])
    ? MediaType.OciIndex
    : 'config' in body && 'layers' in body
      ? MediaType.OciManifest
      : undefined;
  const mediaType = expectedType ?? declared ?? (specific ? ct : shape) ?? (ct || 'unknown');
  if (isIndexType(mediaType)) return { kind: 'index', mediaType, index: toIndex(body, name) };
  if (isManifestType(mediaType))
    return { kind: 'manifest', mediaType, manifest: toManifest(body, name) };
  throw registryError(
    RegistryErrorCode.UnsupportedManifest,
    `${name} has unsupported manifest type ${mediaType.slice(0, 100)}`,
    {
      hint: 'this is not a container image (an artifact, chart or signature?); check the reference',
    },
  );
}

/** Checks one descriptor from a manifest: media type, a valid digest, a sane size. */
export function checkDescriptor(value: unknown, what: string): Descriptor {
  const d = value as Partial<Descriptor> | null;
  if (typeof d !== 'object' || d === null || typeof d.mediaType !== 'string') {
    throw registryError(RegistryErrorCode.Protocol, `${what} is not a descriptor`, {
      hint: 'check the registry',
    });
  }
  assertDigest(d.digest, what);
  if (typeof d.size !== 'number' || !Number.isSafeInteger(d.size) || d.size < 0) {
    throw registryError(RegistryErrorCode.Protocol, `${what} has an invalid size`, {
      hint: 'check the registry',
    });
  }
  return d as Descriptor;
}

function toManifest(body: Record<string, unknown>, name: string): ImageManifest {
  checkDescriptor(body['config'], `config of ${name}`);
  const layers = body['layers'];
  if (!Array.isArray(layers)) {
    throw registryError(RegistryErrorCode.Protocol, `manifest for ${name} has no layers array`, {
      hint: 'check the registry',
    });
  }
  layers.forEach((layer, i) => checkDescriptor(layer, `layer ${i} of ${name}`));
  return body as unknown as ImageManifest;
}

function toIndex(body: Record<string, unknown>, name: string): ImageIndex {
  const manifests = body['manifests'];
  if (!Array.isArray(manifests)) {
    throw registryError(RegistryErrorCode.Protocol, `index for ${name} has no manifests array`, {
      hint: 'check the registry',
    });
  }
  // Unknown or malformed entries are skipped later, never fatal (image-spec:image-index.md).
  const entries = manifests.filter(
    (m): m is Descriptor => typeof m === 'object' && m !== null && typeof m.mediaType === 'string',
  );
  return { ...(body as unknown as ImageIndex), manifests: entries };
}
