export { parseReference, makeReference } from './reference.js';
export type { ImageReference } from './reference.js';
export {
  parsePlatform,
  hostPlatform,
  normalizePlatform,
  formatPlatform,
  platformMatches,
  platformPreferences,
} from './platform.js';
export { selectManifest, availablePlatforms } from './select-manifest.js';
export { createRegistryClient } from './client.js';
export type { RegistryClient, RegistryClientOptions, ResolveOptions } from './client.js';
export type { ResolvedImage } from './resolve-image.js';
export type { BlobOptions } from './blob-stream.js';
export type { RegistryEvent, RegistryEventSink } from './events.js';
export type { RegistryFetch, RegistryFetchInit, RegistryFetchResponse } from './fetch-types.js';
export type { RetryPolicy } from './retry.js';
export { parseMirrorSpec, isInsecureRegistry, DOCKER_HUB_API } from './endpoint-plan.js';
export { parseWwwAuthenticate } from './www-authenticate.js';
export type { AuthChallenge } from './www-authenticate.js';
export {
  createDockerConfigCredentialStore,
  defaultDockerConfigPath,
} from './docker-config-store.js';
export type { DockerConfigStoreOptions } from './docker-config-store.js';
export { dockerConfigKey, normalizeRegistryHost } from './credentials.js';
export type { CredentialStore, Credentials } from './credentials.js';
export type { CredentialHelperRunner } from './credential-helper.js';
export { MediaType, MANIFEST_ACCEPT } from './media-types.js';
export { isValidDigest } from './digest.js';
export { RegistryErrorCode } from './errors.js';
export type { Descriptor, Platform, ImageManifest, ImageIndex, ImageConfig } from './types.js';
