/**
 * What the client reports while it works. Every URL and message in an event is redacted: no
 * userinfo, no query string, no token or password.
 */
export type RegistryEvent =
  | {
      type: 'retry';
      /** The URL that failed. */
      url: string;
      /** The attempt that failed, from 1. */
      attempt: number;
      /** How long the client waits before the next attempt. */
      delayMs: number;
      /** `http 429`, `http 503`, `ECONNRESET`, `socket hang up`, `timeout`... */
      reason: string;
      /** The server's Retry-After, in milliseconds, when it sent one. */
      retryAfterMs?: number;
    }
  | {
      type: 'rate-limit';
      registry: string;
      /** Raw `ratelimit-limit` header, e.g. `100;w=21600`. */
      limit?: string;
      /** Raw `ratelimit-remaining` header. */
      remaining?: string;
      /** `docker-ratelimit-source` header. */
      source?: string;
    }
  | { type: 'redirect'; from: string; to: string; status: number; authorizationDropped: boolean }
  | {
      type: 'auth';
      registry: string;
      scheme: 'bearer' | 'basic';
      /** Token scopes requested (empty for Basic). */
      scopes: string[];
      anonymous: boolean;
    }
  | { type: 'mirror-fallback'; registry: string; mirror: string; reason: string }
  | { type: 'resume'; digest: string; offset: number; attempt: number; reason: string }
  | { type: 'platform-mismatch'; reference: string; wanted: string; actual: string };

/** Receives events; must not throw. */
export type RegistryEventSink = (event: RegistryEvent) => void;
