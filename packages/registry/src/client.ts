import type { Readable } from 'node:stream';

import { isIzaError } from '@iza/errors';

import { openBlobStream, type BlobOptions } from './blob-stream.js';
import type { CredentialStore, Credentials } from './credentials.js';
import { normalizeRegistryHost } from './credentials.js';
import { RegistryEndpoint } from './endpoint.js';
import { planEndpoints } from './endpoint-plan.js';
import { RegistryErrorCode, registryError } from './errors.js';
import type { RegistryEvent } from './events.js';
import { defaultFetch, type RegistryFetch } from './fetch-types.js';
import type { HttpContext } from './http-exchange.js';
import { loginOn } from './login.js';
import { checkDescriptor, parseManifest } from './manifest.js';
import { MANIFEST_ACCEPT } from './media-types.js';
import { hostPlatform } from './platform.js';
import { Redactor } from './redact.js';
import { parseReference, type ImageReference } from './reference.js';
import { resolveOn, type ResolvedImage } from './resolve-image.js';
import { DEFAULT_RETRY, type RetryPolicy } from './retry.js';
import { digestOf, isValidDigest } from './digest.js';
import type { Descriptor, Platform } from './types.js';

/** Options of {@link createRegistryClient}. */
export interface RegistryClientOptions {
  /** HTTP implementation; defaults to minipass-fetch (loaded on first request). */
  fetch?: RegistryFetch;
  /** Where credentials come from; anonymous everywhere without one. */
  credentials?: CredentialStore;
  /** Registry domain → mirror base URLs tried before it, e.g. `{ 'docker.io': ['http://127.0.0.1:5000'] }`. */
  mirrors?: Record<string, string[]>;
  /**
   * Registries spoken to over plain HTTP, as `host[:port]`, `host` or an IPv4 CIDR. Loopback
   * registries always are. Plain HTTP exposes credentials and tokens to the network.
   */
  insecureRegistries?: string[];
  /** User-Agent header. Default `iza/0.1`. */
  userAgent?: string;
  /** Backoff for 408, 429, 5xx and dropped connections. Defaults: 4 attempts, 200 ms, 10 s cap. */
  retry?: Partial<RetryPolicy>;
  /** Limit on waiting for response headers, and for each body chunk. Default 30 000 ms. */
  timeoutMs?: number;
  /** Receives typed progress and diagnostics; must not throw. */
  onEvent?: (event: RegistryEvent) => void;
  /** The platform pulled when the caller names none. Default {@link hostPlatform}. */
  defaultPlatform?: Platform;
}

/** Options of {@link RegistryClient.resolve}. */
export interface ResolveOptions {
  /** The platform to select from an index; the host's when absent. */
  platform?: Platform;
  signal?: AbortSignal;
}

/** A registry client; see {@link createRegistryClient}. */
export interface RegistryClient {
  /** Resolves a reference to one platform's manifest and config, both verified. */
  resolve(ref: ImageReference | string, options?: ResolveOptions): Promise<ResolvedImage>;
  /** A verified stream of a blob's bytes (layers); see {@link BlobOptions} for resuming. */
  fetchBlob(
    ref: ImageReference | string,
    descriptor: Descriptor,
    options?: BlobOptions,
  ): Promise<Readable>;
  /** Digest, media type and size of a manifest with a HEAD (free on Docker Hub); undefined when absent. */
  headManifest(
    ref: ImageReference | string,
    options?: { signal?: AbortSignal },
  ): Promise<{ digest: string; mediaType: string; size: number } | undefined>;
  /** Checks credentials against the registry (`GET /v2/` through its auth flow), then stores them. */
  login(
    registry: string,
    credentials: Credentials,
    options?: { signal?: AbortSignal },
  ): Promise<void>;
}

/**
 * Creates a client for Docker and OCI registries: token and basic auth, mirrors, retries,
 * redirects without leaking Authorization, verified manifests, configs and blobs. Silent: it
 * reports through `onEvent` only.
 */
export function createRegistryClient(options: RegistryClientOptions = {}): RegistryClient {
  const emit = (event: RegistryEvent): void => {
    try {
      options.onEvent?.(event);
    } catch {
      // A broken listener must not break a pull.
    }
  };
  const ctx: HttpContext = {
    fetch: options.fetch ?? defaultFetch,
    userAgent: options.userAgent ?? 'iza/0.1',
    timeoutMs: options.timeoutMs ?? 30_000,
    redactor: new Redactor(),
    emit,
  };
  const retry: RetryPolicy = { ...DEFAULT_RETRY, ...options.retry };
  const mirrors = options.mirrors ?? {};
  const insecure = options.insecureRegistries ?? [];
  const endpoints = new Map<string, RegistryEndpoint>();

  const endpointsFor = (domain: string): RegistryEndpoint[] =>
    planEndpoints(domain, mirrors, insecure).map((plan) => {
      const key = `${plan.base} ${plan.credentialKey}`;
      let endpoint = endpoints.get(key);
      if (endpoint === undefined) {
        const store = options.credentials;
        endpoint = new RegistryEndpoint({
          base: plan.base,
          mirror: plan.mirror,
          ctx,
          retry,
          credentials: async () => store?.get(plan.credentialKey),
        });
        endpoints.set(key, endpoint);
      }
      return endpoint;
    });

  /** Runs `work` on each endpoint in turn; a failing mirror falls through with an event. */
  async function onEndpoints<T>(
    domain: string,
    signal: AbortSignal | undefined,
    work: (e: RegistryEndpoint) => Promise<T>,
  ): Promise<T> {
    const list = endpointsFor(domain);
    for (const endpoint of list) {
      try {
        return await work(endpoint);
      } catch (err) {
        if (!endpoint.mirror || signal?.aborted || !isIzaError(err)) throw err;
        emit({
          type: 'mirror-fallback',
          registry: domain,
          mirror: endpoint.base,
          reason: ctx.redactor.text(err.message),
        });
      }
    }
    throw new Error('unreachable: the registry itself is always the last endpoint');
  }

  const toRef = (ref: ImageReference | string): ImageReference =>
    typeof ref === 'string' ? parseReference(ref) : ref;

  return {
    async resolve(input, opts = {}) {
      const ref = toRef(input);
      const wanted = opts.platform ?? options.defaultPlatform ?? hostPlatform();
      return onEndpoints(ref.domain, opts.signal, (endpoint) =>
        resolveOn(endpoint, ref, wanted, opts.platform !== undefined, emit, opts.signal),
      );
    },

    async fetchBlob(input, descriptor, opts = {}) {
      const ref = toRef(input);
      checkDescriptor(descriptor, 'blob descriptor');
      return onEndpoints(ref.domain, opts.signal, (endpoint) =>
        openBlobStream(endpoint, ref.path, descriptor, opts, emit),
      );
    },

    async headManifest(input, opts = {}) {
      const ref = toRef(input);
      const target = ref.digest ?? ref.tag ?? 'latest';
      return onEndpoints(ref.domain, opts.signal, async (endpoint) => {
        const request = {
          path: `${ref.path}/manifests/${target}`,
          repository: ref.path,
          headers: { Accept: MANIFEST_ACCEPT },
          subject: { reference: target },
          signal: opts.signal,
          acceptStatus: [404],
        };
        const head = await endpoint.request({ ...request, method: 'HEAD' });
        head.discard();
        if (head.status === 404) return undefined;
        const header = head.header('docker-content-digest');
        const digest = header !== undefined && isValidDigest(header) ? header : ref.digest;
        const size = Number(head.header('content-length'));
        const mediaType = (head.header('content-type') ?? '').split(';')[0]?.trim() ?? '';
        if (digest !== undefined && Number.isSafeInteger(size) && mediaType !== '')
          return { digest, mediaType, size };

        // Without Docker-Content-Digest only the bytes tell the digest (distribution-spec).
        const name = `manifest for ${ref.toString()}`;
        const get = { ...request, acceptStatus: [] };
        const got = await endpoint.requestBytes({ ...get, method: 'GET' }, name);
        const parsed = parseManifest(got.bytes, got.header('content-type'), ref.toString());
        const bytes = got.bytes;
        return {
          digest: digestOf(bytes, ref.digest ?? 'sha256:'),
          mediaType: parsed.mediaType,
          size: bytes.length,
        };
      });
    },

    async login(registry, creds, opts = {}) {
      const domain = normalizeRegistryHost(registry);
      if (domain === '' || creds.username === '' || creds.password === '') {
        throw registryError(
          RegistryErrorCode.InvalidArgument,
          'login needs a registry, a username and a password',
          {
            hint: 'iza login [REGISTRY] -u USER --password-stdin',
          },
        );
      }
      const plan = planEndpoints(domain, {}, insecure).at(-1);
      if (plan === undefined) throw new Error('unreachable: a registry always has an endpoint');
      const endpoint = new RegistryEndpoint({
        base: plan.base,
        mirror: false,
        ctx,
        retry,
        credentials: async () => creds,
      });
      await loginOn(endpoint, domain, creds, ctx, retry, opts.signal);
      await options.credentials?.set(domain, creds);
    },
  };
}
