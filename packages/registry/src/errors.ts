import { IzaError } from '@iza/errors';

/** Every error code this package throws on purpose. Codes are API: see the README. */
export const RegistryErrorCode = {
  InvalidReference: 'ERR_IZA_REGISTRY_INVALID_REFERENCE',
  InvalidPlatform: 'ERR_IZA_REGISTRY_INVALID_PLATFORM',
  InvalidArgument: 'ERR_IZA_REGISTRY_INVALID_ARGUMENT',
  NoMatchingPlatform: 'ERR_IZA_REGISTRY_NO_MATCHING_PLATFORM',
  NotFound: 'ERR_IZA_REGISTRY_NOT_FOUND',
  Unauthorized: 'ERR_IZA_REGISTRY_UNAUTHORIZED',
  Denied: 'ERR_IZA_REGISTRY_DENIED',
  Unreachable: 'ERR_IZA_REGISTRY_UNREACHABLE',
  RateLimited: 'ERR_IZA_REGISTRY_RATE_LIMITED',
  ServerError: 'ERR_IZA_REGISTRY_SERVER_ERROR',
  UnsupportedManifest: 'ERR_IZA_REGISTRY_UNSUPPORTED_MANIFEST',
  DigestMismatch: 'ERR_IZA_REGISTRY_DIGEST_MISMATCH',
  Protocol: 'ERR_IZA_REGISTRY_PROTOCOL',
  Credentials: 'ERR_IZA_REGISTRY_CREDENTIALS',
} as const;

/** One of the codes in {@link RegistryErrorCode}. */
export type RegistryErrorCode = (typeof RegistryErrorCode)[keyof typeof RegistryErrorCode];

/** Builds an IzaError with one of this package's codes. */
export function registryError(
  code: RegistryErrorCode,
  message: string,
  options: { hint?: string; cause?: unknown; details?: Record<string, unknown> } = {},
): IzaError {
  return new IzaError(code, message, options);
}
