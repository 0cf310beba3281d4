import type { IzaError } from '@iza/errors';

import { RegistryErrorCode, registryError } from './errors.js';
import type { Exchange } from './http-exchange.js';
import { cleanRemoteText, type Redactor } from './redact.js';
import { parseRetryAfter } from './retry.js';

/** One entry of a distribution error body (`distribution-spec:spec.md`, error codes). */
export interface DistributionError {
  code: string;
  message: string;
}

/** Most an error body may be read: a hostile registry must not make iza buffer megabytes. */
export const ERROR_BODY_CAP = 64 * 1024;

/** Reads at most `cap` bytes of a body, then drops the rest of the response. */
export async function readCapped(
  ex: Exchange,
  cap: number,
): Promise<{ bytes: Buffer; truncated: boolean }> {
  const parts: Buffer[] = [];
  let size = 0;
  let truncated = false;
  try {
    for await (const chunk of ex.chunks()) {
      parts.push(chunk);
      size += chunk.length;
      if (size > cap) {
        truncated = true;
        break;
      }
    }
  } catch {
    // A body that breaks off is only context for an error already decided by the status.
    truncated = true;
  } finally {
    ex.discard();
  }
  return { bytes: Buffer.concat(parts).subarray(0, cap), truncated };
}

/** The `errors` array of a distribution error body; empty when the body is something else. */
export function parseDistributionErrors(body: Buffer): DistributionError[] {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    return [];
  }
  const errors = (json as { errors?: unknown } | null)?.errors;
  if (!Array.isArray(errors)) return [];
  return errors
    .filter((e): e is Record<string, unknown> => typeof e === 'object' && e !== null)
    .map((e) => ({
      code: typeof e['code'] === 'string' ? e['code'] : '',
      message: typeof e['message'] === 'string' ? e['message'] : '',
    }));
}

/** What the failing request was about, for messages docker users recognise. */
export interface RequestSubject {
  /** `host[:port]` of the registry (or mirror) asked. */
  registry: string;
  /** The repository path, e.g. `library/alpine`. */
  repository: string;
  /** The tag or digest asked for, for manifests. */
  reference?: string;
  /** The blob digest, for blobs. */
  blob?: string;
  /** True when the request carried credentials or a token obtained with credentials. */
  authenticated: boolean;
}

/**
 * Maps a non-success response to an IzaError with a hint, reading at most 64 KiB of its body.
 * The registry's own words are kept (cleaned and redacted) after ours.
 */
export async function responseError(
  ex: Exchange,
  subject: RequestSubject,
  redactor: Redactor,
): Promise<IzaError> {
  const { bytes } = await readCapped(ex, ERROR_BODY_CAP);
  const errors = parseDistributionErrors(bytes);
  const codes = new Set(errors.map((e) => e.code.toUpperCase()));
  const remote = errors.map((e) => cleanRemoteText(e.message)).filter((m) => m !== '');
  const said = redactor.text(remote.length > 0 ? `: ${remote.join('; ')}` : '');
  const details = { status: ex.status, codes: [...codes], url: redactor.url(ex.url) };
  const { registry, repository } = subject;
  const what = subject.blob ?? subject.reference;

  if (
    ex.status === 404 ||
    codes.has('NAME_UNKNOWN') ||
    codes.has('MANIFEST_UNKNOWN') ||
    codes.has('BLOB_UNKNOWN')
  ) {
    const message =
      subject.blob !== undefined
        ? `blob ${subject.blob} not found in repository ${repository} on ${registry}`
        : `repository ${repository} not found or tag ${what ?? 'latest'} does not exist on ${registry}`;
    return registryError(RegistryErrorCode.NotFound, message, {
      hint: 'check the name and tag; a private repository also needs `iza login`',
      details,
    });
  }
  if (ex.status === 429 || codes.has('TOOMANYREQUESTS'))
    return rateLimited(ex, registry, said, details);
  if (ex.status === 401 || codes.has('UNAUTHORIZED')) {
    const message = subject.authenticated
      ? `authentication to ${registry} failed for ${repository}${said}`
      : `pull access denied for ${repository} on ${registry}: the repository does not exist or needs a login${said}`;
    return registryError(RegistryErrorCode.Unauthorized, message, {
      hint: `run \`iza login ${registry}\` with an account that can pull ${repository}`,
      details,
    });
  }
  if (ex.status === 403 || codes.has('DENIED')) {
    return registryError(
      RegistryErrorCode.Denied,
      `access to ${repository} on ${registry} denied${said}`,
      {
        hint: 'the account lacks permission for this repository; check it or log in as another user',
        details,
      },
    );
  }
  if (ex.status >= 500) {
    return registryError(
      RegistryErrorCode.ServerError,
      `${registry} answered ${ex.status}${said}`,
      {
        hint: 'the registry has a problem; try again later',
        details,
      },
    );
  }
  return registryError(
    RegistryErrorCode.Protocol,
    `${registry} answered ${ex.status} unexpectedly${said}`,
    {
      hint: 'the registry does not speak the distribution API as expected; check the registry address',
      details,
    },
  );
}

function rateLimited(
  ex: Exchange,
  registry: string,
  said: string,
  details: Record<string, unknown>,
): IzaError {
  const retryAfterMs = parseRetryAfter(ex.header('retry-after'));
  const limit = ex.header('ratelimit-limit');
  const remaining = ex.header('ratelimit-remaining');
  const facts = [
    retryAfterMs === undefined ? undefined : `retry after ${Math.ceil(retryAfterMs / 1000)} s`,
    limit === undefined ? undefined : `limit ${limit}`,
    remaining === undefined ? undefined : `remaining ${remaining}`,
  ].filter((f) => f !== undefined);
  const tail = facts.length > 0 ? ` (${facts.join(', ')})` : '';
  return registryError(
    RegistryErrorCode.RateLimited,
    `${registry} rate limit reached${tail}${said}`,
    {
      hint: 'wait and retry, log in to raise the limit, or configure a registry mirror',
      details: { ...details, retryAfterMs, limit, remaining },
    },
  );
}
