import { RegistryErrorCode, registryError } from './errors.js';
import {
  exchange,
  NetworkError,
  type Exchange,
  type HttpContext,
  type HttpRequest,
} from './http-exchange.js';
import {
  backoffDelay,
  isRetryableStatus,
  parseRetryAfter,
  sleep,
  type RetryPolicy,
} from './retry.js';

/**
 * Sends `req`, retrying 408/429/5xx answers and dropped connections with backoff and jitter,
 * honouring Retry-After up to the policy's cap. Returns the last response whatever its status
 * (the caller maps it to an error); throws `ERR_IZA_REGISTRY_UNREACHABLE` when the network
 * fails for good. Refused connections and unknown hosts are not retried: they do not heal in
 * seconds, and a mirror that is down must fall through quickly.
 */
export async function sendWithRetry(
  req: HttpRequest,
  ctx: HttpContext,
  policy: RetryPolicy,
): Promise<Exchange> {
  for (let attempt = 1; ; attempt++) {
    const last = attempt >= policy.attempts;
    let ex: Exchange;
    try {
      ex = await exchange(req, ctx);
    } catch (err) {
      if (!(err instanceof NetworkError)) throw err;
      if (!err.retryable || last) throw unreachable(err, req.url);
      await pause(ctx, policy, req, attempt, err.reason, undefined);
      continue;
    }

    if (!isRetryableStatus(ex.status) || last) return ex;
    const retryAfterMs = parseRetryAfter(ex.header('retry-after'));
    ex.discard();
    await pause(ctx, policy, req, attempt, `http ${ex.status}`, retryAfterMs);
  }
}

async function pause(
  ctx: HttpContext,
  policy: RetryPolicy,
  req: HttpRequest,
  attempt: number,
  reason: string,
  retryAfterMs: number | undefined,
): Promise<void> {
  const delayMs = backoffDelay(policy, attempt, retryAfterMs);
  ctx.emit({
    type: 'retry',
    url: ctx.redactor.url(req.url),
    attempt,
    delayMs,
    reason,
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  });
  await sleep(delayMs, req.signal);
}

/** The error for a registry that cannot be reached at all. */
export function unreachable(err: NetworkError, url: string): Error {
  const host = new URL(url).host;
  return registryError(RegistryErrorCode.Unreachable, err.message, {
    hint: `check that ${host} is up and the address is right (network, DNS, proxy, firewall)`,
    cause: err.cause ?? err,
    details: { host, reason: err.reason },
  });
}
