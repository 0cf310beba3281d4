import { Readable } from 'node:stream';

import { hasherFor } from './digest.js';
import type { RegistryEndpoint } from './endpoint.js';
import { RegistryErrorCode, registryError } from './errors.js';
import type { RegistryEventSink } from './events.js';
import { NetworkError, type Exchange } from './http-exchange.js';
import { unreachable } from './send-with-retry.js';
import type { Descriptor } from './types.js';

/** Options of a blob download. */
export interface BlobOptions {
  signal?: AbortSignal;
  /**
   * Bytes the caller already holds (a partial download): the stream starts there with a Range
   * request and yields only the rest. Needs `prefix`.
   */
  offset?: number;
  /** The `offset` bytes already held, hashed first so the whole blob is still verified. */
  prefix?: AsyncIterable<Uint8Array> | Iterable<Uint8Array>;
  /**
   * Hash the bytes and compare with the descriptor's digest (default true). Turn it off only
   * when the consumer verifies the digest of everything it keeps itself, as an image store that
   * hashes what it writes does: hashing twice costs CPU on every pull. The size is always
   * enforced, and `prefix` is not needed to resume.
   */
  verifyDigest?: boolean;
}

// containerd gives up after 3 resumes that made no progress (SPECS §1.7); the total bound
// stops a server that drops every connection after a few bytes from looping for ever.
const MAX_STALLED_RESUMES = 3;
const MAX_RESUMES = 50;

/**
 * Opens a verified blob stream. The first request is made before this resolves, so a missing
 * blob or an unreachable endpoint rejects here (and a mirror can fall through); later failures
 * arrive as the stream's 'error'. A dropped connection resumes with `Range` from the last byte
 * received; the digest and size are checked as bytes flow and the stream errors at the end with
 * `ERR_IZA_REGISTRY_DIGEST_MISMATCH` if they differ.
 */
export async function openBlobStream(
  endpoint: RegistryEndpoint,
  repository: string,
  descriptor: Descriptor,
  options: BlobOptions,
  emit: RegistryEventSink,
): Promise<Readable> {
  const { digest, size } = descriptor;
  const offset = options.offset ?? 0;
  const verify = options.verifyDigest ?? true;
  const hash = verify ? hasherFor(digest) : undefined;
  if (offset > 0 && hash) await hashPrefix(hash, options.prefix, offset, size);
  if (offset > 0 && !hash && (!Number.isSafeInteger(offset) || offset > size)) {
    throw registryError(
      RegistryErrorCode.InvalidArgument,
      'resuming a blob needs an offset within its size',
    );
  }

  const request = (position: number): Promise<Exchange> =>
    endpoint.request({
      method: 'GET',
      path: `${repository}/blobs/${digest}`,
      repository,
      headers: position > 0 ? { Range: `bytes=${position}-` } : {},
      subject: { blob: digest },
      signal: options.signal,
    });

  // A caller may already hold every byte (a download that finished just before a crash):
  // nothing is left to fetch, and `Range: bytes=<size>-` would be answered 416.
  const complete = offset > 0 && offset === size;
  const first = complete ? undefined : await request(offset);

  async function* flow(): AsyncGenerator<Buffer> {
    let position = offset;
    let ex: Exchange | undefined = first;
    let stalled = 0;
    for (let resumes = 0; !complete; resumes++) {
      const startedAt = position;
      try {
        ex ??= await request(position);
        let skip = bytesToSkip(ex, position, digest);
        for await (const raw of ex.chunks()) {
          const chunk = skip > 0 ? raw.subarray(Math.min(skip, raw.length)) : raw;
          skip -= raw.length - chunk.length;
          if (chunk.length === 0) continue;
          if (position + chunk.length > size) throw tooLarge(digest, size);
          hash?.update(chunk);
          position += chunk.length;
          yield chunk;
        }
        if (position >= size) break;
        throw new NetworkError(`transfer of ${digest} ended early`, 'short body', true);
      } catch (err) {
        ex?.discard();
        ex = undefined;
        if (!(err instanceof NetworkError) || !err.retryable || options.signal?.aborted) throw err;
        stalled = position > startedAt ? 0 : stalled + 1;
        if (stalled >= MAX_STALLED_RESUMES || resumes >= MAX_RESUMES)
          throw unreachable(err, endpoint.base);
        emit({
          type: 'resume',
          digest,
          offset: position,
          attempt: resumes + 1,
          reason: err.reason,
        });
      }
    }

    if (!hash) return;
    const actual = `${digest.slice(0, digest.indexOf(':'))}:${hash.digest('hex')}`;
    if (actual !== digest) {
      throw registryError(
        RegistryErrorCode.DigestMismatch,
        `blob digest mismatch: expected ${digest}, got ${actual}`,
        {
          hint: 'the registry or a proxy served other content; pull again, and report it if it persists',
          details: { expected: digest, actual },
        },
      );
    }
  }

  return Readable.from(flow(), { objectMode: false });
}

/**
 * How many leading bytes of a resumed response to drop (SPECS §1.7): none for a 206 whose
 * Content-Range starts at `position`, all `position` of them for a 200 with the whole blob.
 */
function bytesToSkip(ex: Exchange, position: number, digest: string): number {
  if (position === 0) return 0;
  if (ex.status === 200) return position;
  const range = ex.header('content-range') ?? '';
  if (ex.status === 206 && range.startsWith(`bytes ${position}-`)) return 0;
  ex.discard();
  throw registryError(
    RegistryErrorCode.Protocol,
    `registry answered a resume of ${digest} at ${position} with "${range.slice(0, 60)}"`,
    {
      hint: 'the registry handles Range requests wrongly; pull again from the start',
    },
  );
}

async function hashPrefix(
  hash: ReturnType<typeof hasherFor>,
  prefix: BlobOptions['prefix'],
  offset: number,
  size: number,
): Promise<void> {
  if (prefix === undefined || !Number.isSafeInteger(offset) || offset > size) {
    throw registryError(
      RegistryErrorCode.InvalidArgument,
      'resuming a blob needs an offset within its size and the prefix bytes',
      {
        hint: 'pass the bytes already downloaded as `prefix`, or start from offset 0',
      },
    );
  }
  let seen = 0;
  for await (const chunk of prefix) {
    hash.update(chunk);
    seen += chunk.length;
  }
  if (seen !== offset) {
    throw registryError(
      RegistryErrorCode.InvalidArgument,
      `the prefix holds ${seen} bytes but offset is ${offset}`,
      {
        hint: 'pass exactly the bytes already downloaded',
      },
    );
  }
}

function tooLarge(digest: string, size: number): Error {
  return registryError(
    RegistryErrorCode.DigestMismatch,
    `blob ${digest} is larger than its descriptor size ${size}`,
    {
      hint: 'the registry or a proxy served other content; pull again, and report it if it persists',
      details: { expected: digest, expectedSize: size },
    },
  );
}
