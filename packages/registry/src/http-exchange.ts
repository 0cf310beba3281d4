import { RegistryErrorCode, registryError } from './errors.js';
import type { RegistryFetch } from './fetch-types.js';
import type { RegistryEventSink } from './events.js';
import type { Redactor } from './redact.js';

/** One HTTP request as the registry layer builds it. */
export interface HttpRequest {
  url: string;
  method: 'GET' | 'HEAD';
  headers: Record<string, string>;
  signal?: AbortSignal | undefined;
  /** The body may be large (a blob) and is read as a stream, at the reader's pace. */
  streaming?: boolean;
}

/** A response whose body is read chunk by chunk with an idle timeout, or discarded. */
export interface Exchange {
  /** The URL that answered, after redirects. */
  readonly url: string;
  readonly status: number;
  header(name: string): string | undefined;
  /** Body chunks; the idle timeout restarts on every chunk. Read it once. */
  chunks(): AsyncGenerator<Buffer>;
  /** Aborts the request; call it when the body is not wanted. Safe to call twice. */
  discard(): void;
}

/** A failure below HTTP (refused, reset, timed out): the retry layer decides what to do. */
export class NetworkError extends Error {
  constructor(
    message: string,
    readonly reason: string,
    readonly retryable: boolean,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** Settings shared by every exchange of one client. */
export interface HttpContext {
  fetch: RegistryFetch;
  userAgent: string;
  timeoutMs: number;
  redactor: Redactor;
  emit: RegistryEventSink;
}

const RETRYABLE_CODES = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ECONNABORTED', 'EAI_AGAIN']);
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 5;

function systemCode(err: unknown): string | undefined {
  for (let e: unknown = err, i = 0; e instanceof Error && i < 8; i++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^E[A-Z_]+$/.test(code) && code !== 'EBADSIZE') return code;
    e = e.cause;
  }
  return undefined;
}

/** Turns whatever the fetch implementation threw into a {@link NetworkError}, redacted. */
export function toNetworkError(err: unknown, url: string, ctx: HttpContext): NetworkError {
  if (err instanceof NetworkError) return err;
  const host = new URL(url).host;
  const code = systemCode(err);
  const text = err instanceof Error ? err.message : String(err);
  const hangUp = /socket hang up|aborted|premature close|terminated/i.test(text);
  const reason = code ?? (hangUp ? 'socket hang up' : 'network error');
  const cause = Object.assign(new Error(ctx.redactor.text(text)), code ? { code } : {});
  return new NetworkError(
    `cannot reach ${host}: ${reason}`,
    reason,
    hangUp || (code !== undefined && RETRYABLE_CODES.has(code)),
    { cause },
  );
}

/**
 * Sends one request with a time limit on the response headers, following redirects itself so
 * that Authorization is only ever sent to the host it was meant for (distribution-spec: clients
 * MUST NOT forward it across hosts; SPECS §1.7).
 */
export async function exchange(req: HttpRequest, ctx: HttpContext): Promise<Exchange> {
  let url = req.url;
  let headers: Record<string, string> = { ...req.headers, 'User-Agent': ctx.userAgent };
  const origin = new URL(req.url).origin;

  for (let hop = 0; ; hop++) {
    const ex = await sendOnce({ ...req, url, headers }, ctx);
    const location = REDIRECTS.has(ex.status) ? ex.header('location') : undefined;
    if (location === undefined) return ex;
    ex.discard();

    const next = new URL(location, url);
    if (hop >= MAX_REDIRECTS || (next.protocol !== 'https:' && next.protocol !== 'http:')) {
      throw registryError(
        RegistryErrorCode.Protocol,
        `bad redirect from ${ctx.redactor.url(url)}`,
        {
          hint: 'the registry redirects too often or to a non-HTTP URL; report it to its operator',
        },
      );
    }
    const dropAuth = next.origin !== origin && headers['Authorization'] !== undefined;
    if (next.origin !== origin) {
      headers = Object.fromEntries(Object.entries(headers).filter(([k]) => k !== 'Authorization'));
    }
    ctx.emit({
      type: 'redirect',
      from: ctx.redactor.url(url),
      to: ctx.redactor.url(next),
      status: ex.status,
      authorizationDropped: dropAuth,
    });
    url = next.href;
  }
}

async function sendOnce(req: HttpRequest, ctx: HttpContext): Promise<Exchange> {
  const controller = new AbortController();
  const onAbort = (): void => controller.abort(req.signal?.reason);
  req.signal?.throwIfAborted();
  req.signal?.addEventListener('abort', onAbort, { once: true });
  let timedOut = false;
  let timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, ctx.timeoutMs);
  const done = (): void => {
    clearTimeout(timer);
    req.signal?.removeEventListener('abort', onAbort);
  };
  const fail = (err: unknown): Error => {
    done();
    if (req.signal?.aborted)
      return req.signal.reason instanceof Error ? req.signal.reason : abortError();
    if (timedOut) {
      const host = new URL(req.url).host;
      return new NetworkError(
        `cannot reach ${host}: timed out after ${ctx.timeoutMs} ms`,
        'timeout',
        true,
      );
    }
    return toNetworkError(err, req.url, ctx);
  };

  let res;
  try {
    res = await ctx.fetch(req.url, {
      method: req.method,
      headers: req.headers,
      redirect: 'manual',
      signal: controller.signal,
      ...(req.streaming ? { streaming: true as const } : {}),
    });
  } catch (err) {
    throw fail(err);
  }
  clearTimeout(timer);

  let consumed = false;
  return {
    url: req.url,
    status: res.status,
    header: (name) => res.headers.get(name) ?? undefined,
    discard: () => {
      done();
      if (!controller.signal.aborted) controller.abort();
    },
    chunks: async function* () {
      if (consumed) throw new Error('response body read twice');
      consumed = true;
      if (res.body === null) return done();
      try {
        timer = setTimeout(() => {
          timedOut = true;
          controller.abort();
        }, ctx.timeoutMs);
        for await (const chunk of res.body) {
          timer.refresh();
          // A view, not a copy: a blob is hundreds of MB.
          yield Buffer.isBuffer(chunk)
            ? chunk
            : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
        }
        done();
      } catch (err) {
        throw fail(err);
      } finally {
        done();
        if (!controller.signal.aborted) controller.abort();
      }
    },
  };
}

function abortError(): Error {
  return Object.assign(new Error('the operation was aborted'), {
    name: 'AbortError',
    code: 'ABORT_ERR',
  });
}
