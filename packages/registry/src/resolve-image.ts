import { digestOf } from './digest.js';
import type { RegistryEndpoint } from './endpoint.js';
import { RegistryErrorCode, registryError } from './errors.js';
import type { RegistryEventSink } from './events.js';
import {
  checkDescriptor,
  parseManifest,
  verifyManifestBytes,
  type ParsedManifest,
} from './manifest.js';
import { MANIFEST_ACCEPT } from './media-types.js';
import { formatPlatform, normalizePlatform, platformMatches } from './platform.js';
import type { ImageReference } from './reference.js';
import { selectManifest } from './select-manifest.js';
import type { Descriptor, ImageConfig, ImageManifest, Platform } from './types.js';

/** An image resolved to one platform, with its manifest and config verified. */
export interface ResolvedImage {
  reference: ImageReference;
  /** Digest of the index or manifest list, when the reference pointed at one. */
  indexDigest?: string;
  /** The bytes of that index, exactly as received (their sha256 is `indexDigest`). */
  indexBytes?: Buffer;
  manifestDigest: string;
  manifest: ImageManifest;
  manifestBytes: Buffer;
  manifestMediaType: string;
  config: ImageConfig;
  configBytes: Buffer;
  configDigest: string;
  layers: Descriptor[];
  /** The platform of the image: from the index entry, else from the config. */
  platform: Platform;
}

interface Fetched {
  bytes: Buffer;
  digest: string;
  parsed: ParsedManifest;
}

async function fetchManifest(
  endpoint: RegistryEndpoint,
  ref: ImageReference,
  target: string,
  expected: Descriptor | undefined,
  signal: AbortSignal | undefined,
): Promise<Fetched> {
  const name = target.includes(':') ? `${ref.repository}@${target}` : `${ref.repository}:${target}`;
  const { bytes, header } = await endpoint.requestBytes(
    {
      method: 'GET',
      path: `${ref.path}/manifests/${target}`,
      repository: ref.path,
      headers: { Accept: MANIFEST_ACCEPT },
      subject: { reference: target },
      signal,
    },
    `manifest for ${name}`,
  );
  const byDigest = target.includes(':') ? target : undefined;
  const digest = verifyManifestBytes(bytes, name, {
    digest: byDigest,
    headerDigest: header('docker-content-digest'),
    size: expected?.size,
  });
  const parsed = parseManifest(bytes, header('content-type'), name, expected?.mediaType);
  return { bytes, digest, parsed };
}

/**
 * Resolves `ref` on one endpoint: manifest (or index, then the platform's manifest), then the
 * config blob, every byte verified. `explicit` says the caller chose the platform: a single
 * manifest for another platform then fails instead of only being reported.
 */
export async function resolveOn(
  endpoint: RegistryEndpoint,
  ref: ImageReference,
  wanted: Platform,
  explicit: boolean,
  emit: RegistryEventSink,
  signal: AbortSignal | undefined,
): Promise<ResolvedImage> {
  let fetched = await fetchManifest(
    endpoint,
    ref,
    ref.digest ?? ref.tag ?? 'latest',
    undefined,
    signal,
  );
  let indexDigest: string | undefined;
  let indexBytes: Buffer | undefined;
  let entry: Descriptor | undefined;

  // Nested indexes are legal but rare; two levels bound the work a hostile registry can cause.
  for (let depth = 0; fetched.parsed.kind === 'index'; depth++) {
    if (depth >= 2) {
      throw registryError(
        RegistryErrorCode.UnsupportedManifest,
        `${ref.toString()} nests indexes too deeply`,
        {
          hint: 'pull the platform manifest by digest instead',
        },
      );
    }
    indexDigest ??= fetched.digest;
    indexBytes ??= fetched.bytes;
    entry = checkDescriptor(
      selectManifest(fetched.parsed.index, wanted, ref.toString()),
      `index entry of ${ref.toString()}`,
    );
    fetched = await fetchManifest(endpoint, ref, entry.digest, entry, signal);
  }
  const { manifest, mediaType } = fetched.parsed;

  const configDesc = manifest.config;
  const { bytes: configBytes } = await endpoint.requestBytes(
    {
      method: 'GET',
      path: `${ref.path}/blobs/${configDesc.digest}`,
      repository: ref.path,
      subject: { blob: configDesc.digest },
      signal,
    },
    `config ${configDesc.digest}`,
  );
  const configDigest = digestOf(configBytes, configDesc.digest);
  if (configDigest !== configDesc.digest || configBytes.length !== configDesc.size) {
    throw registryError(
      RegistryErrorCode.DigestMismatch,
      `config blob mismatch: expected ${configDesc.digest}, got ${configDigest}`,
      {
        hint: 'the registry or a proxy served other content; pull again',
        details: { expected: configDesc.digest, actual: configDigest, size: configBytes.length },
      },
    );
  }
  const config = parseConfig(configBytes, configDesc.digest);

  const fromConfig = normalizePlatform(
    {
      os: config.os ?? '',
      architecture: config.architecture ?? '',
      ...(config.variant ? { variant: config.variant } : {}),
    },
    wanted.os,
  );
  const platform = entry?.platform !== undefined ? normalizePlatform(entry.platform) : fromConfig;
  // An index entry without `platform` was chosen for want of a labelled match: its config
  // must match, or the index has nothing for this platform (containerd images.Manifest).
  const unlabelled = indexDigest !== undefined && entry?.platform === undefined;
  if ((indexDigest === undefined || unlabelled) && !platformMatches(wanted, fromConfig)) {
    if (explicit || unlabelled) {
      throw registryError(
        RegistryErrorCode.NoMatchingPlatform,
        `${ref.toString()} is for ${formatPlatform(fromConfig)}, not ${formatPlatform(wanted)}`,
        {
          hint: 'pass --platform matching the image or pull another tag',
          details: { platform: formatPlatform(wanted), available: [formatPlatform(fromConfig)] },
        },
      );
    }
    emit({
      type: 'platform-mismatch',
      reference: ref.toString(),
      wanted: formatPlatform(wanted),
      actual: formatPlatform(fromConfig),
    });
  }

  return {
    reference: ref,
    ...(indexDigest === undefined ? {} : { indexDigest }),
    ...(indexBytes === undefined ? {} : { indexBytes }),
    manifestDigest: fetched.digest,
    manifest,
    manifestBytes: fetched.bytes,
    manifestMediaType: mediaType,
    config,
    configBytes,
    configDigest,
    layers: manifest.layers,
    platform,
  };
}

function parseConfig(bytes: Buffer, digest: string): ImageConfig {
  try {
    const json = JSON.parse(bytes.toString('utf8')) as unknown;
    if (typeof json === 'object' && json !== null && !Array.isArray(json))
      return json as ImageConfig;
  } catch {
    // Reported below with the same message as a non-object.
  }
  throw registryError(RegistryErrorCode.Protocol, `config ${digest} is not a JSON object`, {
    hint: 'the image is broken; rebuild and push it again',
  });
}
