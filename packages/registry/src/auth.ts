import type { IzaError } from '@iza/errors';

import type { Credentials } from './credentials.js';
import { RegistryErrorCode, registryError } from './errors.js';
import type { HttpContext } from './http-exchange.js';
import { readCapped, responseError } from './response-errors.js';
import type { RetryPolicy } from './retry.js';
import { sendWithRetry } from './send-with-retry.js';
import { parseWwwAuthenticate, pickChallenge, type AuthChallenge } from './www-authenticate.js';

interface CachedToken {
  token: string;
  expiresAt: number;
}

/** Everything an {@link EndpointAuth} needs besides the endpoint. */
export interface EndpointAuthOptions {
  ctx: HttpContext;
  retry: RetryPolicy;
  /** `host[:port]` shown in messages and events. */
  registry: string;
  /** Looks up the credentials for this endpoint (undefined: anonymous). */
  credentials: () => Promise<Credentials | undefined>;
  /** When true the endpoint speaks plain HTTP, so a plain-HTTP token realm is acceptable. */
  insecure: boolean;
  now?: () => number;
}

// distribution's client raises expires_in under 60 s to 60 s (SPECS §1.2, token.md).
const MIN_TOKEN_SECONDS = 60;
const TOKEN_BODY_CAP = 1024 * 1024;

/**
 * The auth state of one registry endpoint: the challenge learnt from `GET /v2/` (or a 401), and
 * bearer tokens cached per scope set until they expire.
 */
export class EndpointAuth {
  challenge: AuthChallenge | undefined;
  readonly #tokens = new Map<string, CachedToken>();
  /** Tokens handed out from the cache at least once: the server may have expired them since. */
  readonly #reused = new Set<string>();
  readonly #o: EndpointAuthOptions;
  readonly #now: () => number;

  constructor(options: EndpointAuthOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
  }

  /** Reads the challenge from the `WWW-Authenticate` header of a 401. */
  learn(header: string | undefined): void {
    const picked = header === undefined ? undefined : pickChallenge(parseWwwAuthenticate(header));
    if (picked !== undefined) this.challenge = picked;
  }

  /** The Authorization header for a request needing `scopes`, or undefined for anonymous. */
  async authorization(scopes: string[], signal?: AbortSignal): Promise<string | undefined> {
    const challenge = this.challenge;
    if (challenge === undefined) return undefined;
    const creds = await this.#o.credentials();
    if (challenge.scheme === 'basic') {
      if (creds === undefined) return undefined;
      return basicHeader(creds, this.#o.ctx);
    }
    const key = [...new Set(scopes)].sort().join(' ');
    const cached = this.#tokens.get(key);
    if (cached !== undefined && cached.expiresAt > this.#now()) {
      this.#reused.add(cached.token);
      return `Bearer ${cached.token}`;
    }
    const token = await this.fetchToken(challenge, scopes, creds, signal);
    return `Bearer ${token}`;
  }

  /**
   * Handles a 401 to a request sent with `sent` as its Authorization: learns the new challenge
   * and returns the scopes to ask for next (the ones the challenge names that are missing put
   * first, as go-containerregistry does), or undefined when asking again cannot help.
   */
  // LIMITATION: the extra scopes are not remembered for the repository, so a registry demanding
  // them costs one more token exchange on each later request.
  retryScopes(
    header: string | undefined,
    scopes: string[],
    sent: string | undefined,
  ): string[] | undefined {
    const before = this.challenge;
    this.learn(header);
    const after = this.challenge;
    if (after === undefined) return undefined;
    if (after.scheme === 'basic') return before?.scheme === 'basic' ? undefined : scopes;
    const named = (after.params['scope'] ?? '').split(' ').filter((s) => s !== '');
    const missing = named.filter((s) => !scopes.includes(s));
    const key = [...new Set(scopes)].sort().join(' ');
    // A cached token may have expired or been revoked on the server before our clock says so
    // (a long pull, clock skew): one fresh exchange. A token fetched for this very request and
    // refused means no access, which asking again cannot change.
    const stale = sent?.startsWith('Bearer ') === true && this.#reused.delete(sent.slice(7));
    const hadToken = this.forget(key);
    if (missing.length > 0) return [...missing, ...scopes];
    return before?.scheme === 'bearer' && hadToken && !stale ? undefined : scopes;
  }

  /**
   * Exchanges credentials (or nothing) for a bearer token at the challenge's realm (SPECS §1.2):
   * `GET realm?service=…&scope=…`, HTTP Basic and `account=` only when there are credentials.
   */
  async fetchToken(
    challenge: AuthChallenge,
    scopes: string[],
    creds: Credentials | undefined,
    signal?: AbortSignal,
  ): Promise<string> {
    const { ctx, registry } = this.#o;
    const url = this.realmUrl(challenge, creds !== undefined);
    const service = challenge.params['service'];
    if (service !== undefined) url.searchParams.set('service', service);
    for (const scope of scopes) url.searchParams.append('scope', scope);
    if (creds !== undefined) url.searchParams.set('account', creds.username);

    const headers: Record<string, string> = { Accept: 'application/json' };
    if (creds !== undefined) headers['Authorization'] = basicHeader(creds, ctx);
    ctx.emit({ type: 'auth', registry, scheme: 'bearer', scopes, anonymous: creds === undefined });

    const ex = await sendWithRetry(
      { url: url.href, method: 'GET', headers, signal },
      ctx,
      this.#o.retry,
    );
    if (ex.status !== 200) throw await this.tokenError(ex, creds !== undefined, scopes);
    const { bytes, truncated } = await readCapped(ex, TOKEN_BODY_CAP);
    const parsed = truncated ? undefined : parseTokenBody(bytes);
    if (parsed === undefined) {
      throw registryError(
        RegistryErrorCode.Protocol,
        `token server for ${registry} sent no usable token`,
        {
          hint: 'the auth server answered with something other than a token; check the registry',
        },
      );
    }

    ctx.redactor.add(parsed.token);
    const key = [...new Set(scopes)].sort().join(' ');
    const lifetime = Math.max(parsed.expiresIn, MIN_TOKEN_SECONDS) * 1000;
    // Expire a little early so a token does not die between the check and the request.
    this.forget(key);
    this.#tokens.set(key, { token: parsed.token, expiresAt: this.#now() + lifetime - 5000 });
    return parsed.token;
  }

  /** Drops the cached token of a scope set; true when there was one. */
  private forget(key: string): boolean {
    const cached = this.#tokens.get(key);
    if (cached === undefined) return false;
    this.#reused.delete(cached.token);
    return this.#tokens.delete(key);
  }

  private realmUrl(challenge: AuthChallenge, withCreds: boolean): URL {
    const realm = challenge.params['realm'];
    let url: URL | undefined;
    try {
      url = realm === undefined ? undefined : new URL(realm);
    } catch {
      url = undefined;
    }
    if (url === undefined || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
      throw registryError(
        RegistryErrorCode.Protocol,
        `${this.#o.registry} sent a bearer challenge without a valid realm`,
        {
          hint: 'the registry auth configuration is broken; report it to its operator',
        },
      );
    }
    if (withCreds && url.protocol === 'http:' && !this.#o.insecure) {
      throw registryError(
        RegistryErrorCode.Protocol,
        `refusing to send credentials for ${this.#o.registry} over plain http to ${url.host}`,
        {
          hint: 'the token realm must be https; mark the registry insecure only if you trust the network',
        },
      );
    }
    return url;
  }

  private async tokenError(
    ex: Parameters<typeof responseError>[0],
    authenticated: boolean,
    scopes: string[],
  ): Promise<IzaError> {
    const repository = scopes[0]?.split(':').slice(1, -1).join(':') ?? '';
    if (ex.status === 401 && authenticated) {
      ex.discard();
      return registryError(
        RegistryErrorCode.Unauthorized,
        `${this.#o.registry} rejected the username or password`,
        {
          hint: `run \`iza login ${this.#o.registry}\` again with valid credentials`,
        },
      );
    }
    const subject = { registry: this.#o.registry, repository, authenticated };
    return responseError(ex, subject, this.#o.ctx.redactor);
  }
}

function basicHeader(creds: Credentials, ctx: HttpContext): string {
  const value = Buffer.from(`${creds.username}:${creds.password}`).toString('base64');
  ctx.redactor.add(creds.password);
  ctx.redactor.add(value);
  return `Basic ${value}`;
}

/** `token`/`access_token` and `expires_in` (default 60) from a token response body. */
export function parseTokenBody(body: Buffer): { token: string; expiresIn: number } | undefined {
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (typeof json !== 'object' || json === null) return undefined;
  const access = json['access_token'];
  const plain = json['token'];
  // The reference client prefers access_token when it is non-empty (SPECS §1.2).
  const token = typeof access === 'string' && access !== '' ? access : plain;
  if (typeof token !== 'string' || token === '' || /[^!-~]/.test(token)) return undefined;
  const expires = json['expires_in'];
  const expiresIn =
    typeof expires === 'number' && Number.isFinite(expires) && expires > 0 ? expires : 60;
  return { token, expiresIn };
}
