import type { Credentials } from './credentials.js';
import type { RegistryEndpoint } from './endpoint.js';
import { RegistryErrorCode, registryError } from './errors.js';
import type { HttpContext } from './http-exchange.js';
import { readCapped, responseError } from './response-errors.js';
import type { RetryPolicy } from './retry.js';
import { sendWithRetry } from './send-with-retry.js';

/**
 * Verifies credentials the way `docker login` does: ping `/v2/`; for a Bearer challenge ask the
 * realm for a token with them, for Basic repeat `GET /v2/` with them. A registry that asks for
 * no auth at all accepts any credentials.
 */
export async function loginOn(
  endpoint: RegistryEndpoint,
  domain: string,
  creds: Credentials,
  ctx: HttpContext,
  retry: RetryPolicy,
  signal: AbortSignal | undefined,
): Promise<void> {
  await endpoint.ping(signal);
  const challenge = endpoint.auth.challenge;
  if (challenge === undefined) return;

  if (challenge.scheme === 'bearer') {
    await endpoint.auth.fetchToken(challenge, [], creds, signal);
    return;
  }

  const authorization = await endpoint.auth.authorization([], signal);
  ctx.emit({
    type: 'auth',
    registry: endpoint.host,
    scheme: 'basic',
    scopes: [],
    anonymous: false,
  });
  const ex = await sendWithRetry(
    {
      url: `${endpoint.base}/v2/`,
      method: 'GET',
      headers: authorization ? { Authorization: authorization } : {},
      signal,
    },
    ctx,
    retry,
  );
  if (ex.status >= 200 && ex.status < 300) {
    await readCapped(ex, 4096);
    return;
  }
  if (ex.status === 401) {
    ex.discard();
    throw registryError(
      RegistryErrorCode.Unauthorized,
      `${domain} rejected the username or password`,
      {
        hint: `run \`iza login ${domain}\` again with valid credentials`,
      },
    );
  }
  throw await responseError(
    ex,
    { registry: endpoint.host, repository: '', authenticated: true },
    ctx.redactor,
  );
}
