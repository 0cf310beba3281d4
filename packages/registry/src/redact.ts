/**
 * Removes secrets from text before it reaches an error message or an event. Registries put
 * tokens in query strings of signed storage URLs and users put passwords in URLs, so every URL
 * is shown without userinfo and without its query.
 */
export class Redactor {
  readonly #secrets = new Set<string>();

  /** Remembers a secret (a password, a token, a Basic header value) to blank out later. */
  add(secret: string | undefined): void {
    if (secret !== undefined && secret.length >= 4) this.#secrets.add(secret);
  }

  /** The text with every remembered secret replaced by `***`. */
  text(input: string): string {
    let out = input;
    for (const secret of this.#secrets) out = out.split(secret).join('***');
    return out.replace(/(https?:\/\/)[^/@\s]*@/g, '$1***@');
  }

  /** A URL for humans: no userinfo, no query (signed URLs carry credentials there). */
  url(input: string | URL): string {
    let url: URL;
    try {
      url = new URL(String(input));
    } catch {
      return this.text(String(input));
    }
    const query = url.search === '' ? '' : '?…';
    return this.text(`${url.protocol}//${url.host}${url.pathname}${query}`);
  }
}

/** Control characters and over-long text cut from a registry's message before showing it. */
export function cleanRemoteText(input: string, max = 200): string {
  // eslint-disable-next-line no-control-regex
  const flat = input.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}
