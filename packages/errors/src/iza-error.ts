/** Options for {@link IzaError}. */
export interface IzaErrorOptions {
  /** What the user can do about it, one sentence. Printed by the CLI after the message. */
  hint?: string;
  /** The error this one wraps; the CLI prints the chain joined by `: `. */
  cause?: unknown;
  /** Facts for programs (a digest, a path); never shown as prose. */
  details?: Record<string, unknown>;
}

/**
 * The base of every error an iza library throws on purpose. `code` is API: stable, documented in
 * the package README, never reused (`ERR_IZA_<AREA>_<WHAT>`).
 */
export class IzaError extends Error {
  readonly code: string;
  readonly hint: string | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: string, message: string, options: IzaErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'IzaError';
    this.code = code;
    this.hint = options.hint;
    this.details = options.details;
  }
}

/** True when `err` is an IzaError (by shape, so errors from another copy of this package count). */
export function isIzaError(err: unknown, code?: string): err is IzaError {
  if (!(err instanceof Error)) return false;
  const c = (err as { code?: unknown }).code;
  if (typeof c !== 'string' || !c.startsWith('ERR_IZA_')) return false;
  return code === undefined || c === code;
}

/**
 * Adds one short lowercase phrase of context (`extracting layer sha256:ab12…`) to an error,
 * keeping it as the cause. The code and hint of the innermost IzaError carry through, so callers
 * can still match on them.
 */
export function wrapError(context: string, cause: unknown): IzaError {
  const inner = findIzaError(cause);
  return new IzaError(inner?.code ?? 'ERR_IZA_INTERNAL', context, {
    cause,
    ...(inner?.hint === undefined ? {} : { hint: inner.hint }),
  });
}

/** The first IzaError in the cause chain of `err`, if any. */
export function findIzaError(err: unknown): IzaError | undefined {
  for (let e: unknown = err, depth = 0; e !== undefined && depth < 32; depth++) {
    if (isIzaError(e)) return e;
    e = e instanceof Error ? e.cause : undefined;
  }
  return undefined;
}

/**
 * One line for a human: each message in the cause chain joined by `: `, with a repeated message
 * (a wrapper that said nothing new) dropped.
 */
export function formatErrorChain(err: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = err, depth = 0; e !== undefined && e !== null && depth < 32; depth++) {
    const msg = e instanceof Error ? e.message : String(e);
    if (msg && parts[parts.length - 1] !== msg) parts.push(msg);
    e = e instanceof Error ? e.cause : undefined;
  }
  return parts.join(': ');
}
