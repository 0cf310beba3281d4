/** What iza passes to a {@link RegistryFetch}: a subset of WHATWG `RequestInit`. */
export interface RegistryFetchInit {
  method: string;
  headers: Record<string, string>;
  /** Always `manual`: iza follows redirects itself to keep Authorization on the registry host. */
  redirect: 'manual';
  signal: AbortSignal;
}

/** What iza reads from a response: a subset of WHATWG `Response`. */
export interface RegistryFetchResponse {
  readonly status: number;
  readonly headers: { get(name: string): string | null };
  readonly body: AsyncIterable<Uint8Array> | null;
}

/**
 * The HTTP function the client uses. Defaults to minipass-fetch; Node's global `fetch` also fits.
 * It must not follow redirects itself (`redirect: 'manual'`) and must not decompress bodies.
 */
export type RegistryFetch = (
  url: string,
  init: RegistryFetchInit,
) => Promise<RegistryFetchResponse>;

/** minipass-fetch, imported on first use so that importing this package stays cheap. */
export const defaultFetch: RegistryFetch = async (url, init) => {
  const { default: fetch } = await import('minipass-fetch');
  const res = await fetch(url, { ...init, compress: false });
  // Aborting a request emits 'error' on the body; without a listener Minipass would throw.
  res.body.on('error', () => undefined);
  return res;
};
