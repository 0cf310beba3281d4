import { EndpointAuth } from './auth.js';
import type { Credentials } from './credentials.js';
import { NetworkError, type Exchange, type HttpContext } from './http-exchange.js';
import { readCapped, responseError, type RequestSubject } from './response-errors.js';
import type { RetryPolicy } from './retry.js';
import { backoffDelay, sleep } from './retry.js';
import { sendWithRetry, unreachable } from './send-with-retry.js';
import { readSmallBody } from './small-body.js';

/** One base URL serving the distribution API: the registry itself or one of its mirrors. */
export interface EndpointOptions {
  /** Base URL without `/v2`, e.g. `https://registry-1.docker.io` or `http://127.0.0.1:5000`. */
  base: string;
  /** True when this is a mirror (failures fall through to the next endpoint). */
  mirror: boolean;
  ctx: HttpContext;
  retry: RetryPolicy;
  credentials: () => Promise<Credentials | undefined>;
}

/** What one registry API call asks for. */
export interface EndpointRequest {
  method: 'GET' | 'HEAD';
  /** Path below `/v2/`, e.g. `library/alpine/manifests/latest`. */
  path: string;
  /** Repository, for the token scope and for messages. */
  repository: string;
  headers?: Record<string, string>;
  subject: Omit<RequestSubject, 'registry' | 'repository' | 'authenticated'>;
  signal?: AbortSignal | undefined;
  /** Statuses handed back instead of thrown (404 for a HEAD that only asks "is it there?"). */
  acceptStatus?: number[];
}

/**
 * Talks to one endpoint: pings `/v2/` once to learn its auth challenge, authorises each request
 * for its repository scope, answers one 401 by re-authenticating (a new scope, a fresh token),
 * reports rate-limit headers, and turns failures into IzaErrors.
 */
export class RegistryEndpoint {
  readonly base: string;
  readonly host: string;
  readonly mirror: boolean;
  readonly auth: EndpointAuth;
  readonly #o: EndpointOptions;
  #ping: Promise<void> | undefined;

  constructor(options: EndpointOptions) {
    this.#o = options;
    this.base = options.base.replace(/\/+$/, '');
    this.host = new URL(this.base).host;
    this.mirror = options.mirror;
    this.auth = new EndpointAuth({
      ctx: options.ctx,
      retry: options.retry,
      registry: this.host,
      credentials: options.credentials,
      insecure: this.base.startsWith('http:'),
    });
  }

  /** `GET /v2/` once per endpoint: learns the challenge; a failed ping is tried again next time. */
  ping(signal?: AbortSignal): Promise<void> {
    this.#ping ??= this.doPing(signal).catch((err: unknown) => {
      this.#ping = undefined;
      throw err;
    });
    return this.#ping;
  }

  private async doPing(signal?: AbortSignal): Promise<void> {
    const ex = await sendWithRetry(
      { url: `${this.base}/v2/`, method: 'GET', headers: {}, signal },
      this.#o.ctx,
      this.#o.retry,
    );
    if (ex.status === 401) this.auth.learn(ex.header('www-authenticate'));
    await readCapped(ex, 4096);
  }

  /** Sends an authorised request and returns a 2xx (or accepted) response; throws otherwise. */
  async request(req: EndpointRequest): Promise<Exchange> {
    await this.ping(req.signal);
    let scopes = [`repository:${req.repository}:pull`];
    let reauthenticated = false;

    for (;;) {
      const authorization = await this.auth.authorization(scopes, req.signal);
      const headers = {
        ...req.headers,
        ...(authorization ? { Authorization: authorization } : {}),
      };
      const url = `${this.base}/v2/${req.path}`;
      const ex = await sendWithRetry(
        {
          url,
          method: req.method,
          headers,
          signal: req.signal,
          ...(req.subject.blob !== undefined && req.method === 'GET' ? { streaming: true } : {}),
        },
        this.#o.ctx,
        this.#o.retry,
      );
      this.reportRateLimit(ex);

      if (ex.status === 401 && !reauthenticated) {
        const next = this.auth.retryScopes(ex.header('www-authenticate'), scopes, authorization);
        if (next !== undefined) {
          ex.discard();
          scopes = next;
          reauthenticated = true;
          continue;
        }
      }
      if ((ex.status >= 200 && ex.status < 300) || req.acceptStatus?.includes(ex.status)) return ex;

      const authenticated = (await this.#o.credentials()) !== undefined;
      const subject = {
        ...req.subject,
        registry: this.host,
        repository: req.repository,
        authenticated,
      };
      throw await responseError(ex, subject, this.#o.ctx.redactor);
    }
  }

  /**
   * Like {@link request}, then reads the whole (small, capped) body; a connection dropped while
   * reading is retried like one dropped before the headers.
   */
  async requestBytes(
    req: EndpointRequest,
    what: string,
  ): Promise<{ bytes: Buffer; header: (name: string) => string | undefined }> {
    const { ctx, retry } = this.#o;
    for (let attempt = 1; ; attempt++) {
      const ex = await this.request(req);
      try {
        return { bytes: await readSmallBody(ex, what), header: (name) => ex.header(name) };
      } catch (err) {
        if (!(err instanceof NetworkError) || !err.retryable || req.signal?.aborted) throw err;
        if (attempt >= retry.attempts) throw unreachable(err, ex.url);
        const delayMs = backoffDelay(retry, attempt);
        ctx.emit({
          type: 'retry',
          url: ctx.redactor.url(ex.url),
          attempt,
          delayMs,
          reason: err.reason,
        });
        await sleep(delayMs, req.signal);
      }
    }
  }

  private reportRateLimit(ex: Exchange): void {
    const limit = ex.header('ratelimit-limit');
    const remaining = ex.header('ratelimit-remaining');
    if (limit === undefined && remaining === undefined) return;
    const source = ex.header('docker-ratelimit-source');
    this.#o.ctx.emit({
      type: 'rate-limit',
      registry: this.host,
      ...(limit === undefined ? {} : { limit }),
      ...(remaining === undefined ? {} : { remaining }),
      ...(source === undefined ? {} : { source }),
    });
  }
}
