import { RegistryErrorCode, registryError } from './errors.js';
import { isIndexType, isManifestType } from './media-types.js';
import { formatPlatform, normalizePlatform, platformPreferences } from './platform.js';
import type { Descriptor, ImageIndex, Platform } from './types.js';

/** BuildKit's marker on attestation entries (`moby/buildkit:docs/attestations/attestation-storage.md`). */
const REFERENCE_TYPE = 'vnd.docker.reference.type';

/** True for an entry that may be an image: a manifest or index type, not an attestation. */
function isCandidate(entry: Descriptor): boolean {
  if (entry.annotations?.[REFERENCE_TYPE] === 'attestation-manifest') return false;
  return isManifestType(entry.mediaType) || isIndexType(entry.mediaType);
}

/** True for an index entry that is an image for some platform (not an attestation, not unknown). */
function isImageEntry(entry: Descriptor): entry is Descriptor & { platform: Platform } {
  if (!isCandidate(entry)) return false;
  const p = entry.platform;
  if (p === undefined || typeof p.os !== 'string' || typeof p.architecture !== 'string')
    return false;
  return !(p.os === 'unknown' && p.architecture === 'unknown');
}

/** The platforms an index offers, as `os/arch[/variant]`, attestations left out. */
export function availablePlatforms(index: ImageIndex): string[] {
  return index.manifests
    .filter(isImageEntry)
    .map((e) => formatPlatform(normalizePlatform(e.platform)));
}

/**
 * Picks the entry of `index` for `platform` (SPECS §1.6): exact matches first, then what the
 * platform also runs in order of preference, the first entry winning at each level, then the
 * first entry without a `platform` (the caller checks its config or searches it when it is an
 * index). Attestation entries and unknown media types are skipped. Throws
 * `ERR_IZA_REGISTRY_NO_MATCHING_PLATFORM` listing what is available.
 */
export function selectManifest(
  index: ImageIndex,
  platform: Platform,
  name = 'the image',
): Descriptor {
  const wanted = normalizePlatform(platform);
  const entries = index.manifests.filter(isImageEntry).map((entry) => {
    const p = normalizePlatform(entry.platform, wanted.os);
    return { entry, os: p.os, key: p.variant ? `${p.architecture}/${p.variant}` : p.architecture };
  });

  for (const key of platformPreferences(wanted)) {
    const hit = entries.find((e) => e.os === wanted.os && e.key === key);
    if (hit !== undefined) return hit.entry;
  }

  // An entry without `platform` comes after every matching one, as in containerd's
  // images.Manifest: a nested index is searched, a manifest is judged by its config.
  const unlabelled = index.manifests.find((e) => e.platform === undefined && isCandidate(e));
  if (unlabelled !== undefined) return unlabelled;

  const available = availablePlatforms(index);
  throw registryError(
    RegistryErrorCode.NoMatchingPlatform,
    `no manifest for platform ${formatPlatform(wanted)} in ${name}; available: ${
      available.length === 0 ? 'none' : available.join(', ')
    }`,
    {
      hint: 'pass --platform with one of the available platforms',
      details: { platform: formatPlatform(wanted), available },
    },
  );
}
