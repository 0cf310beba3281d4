import { getSystemErrorMap } from 'node:util';

/** A failed syscall, shaped like Node's own system errors (`fs`, `child_process`). */
export interface SystemError extends Error {
  /** The errno name, e.g. `EPERM`. */
  code: string;
  /** The negative errno, as Node reports it. */
  errno: number;
  syscall: string;
  path?: string;
  dest?: string;
}

const errorMap = getSystemErrorMap();

/**
 * Builds the error for a syscall that failed with positive `errno`: message, code and fields
 * read as Node's (`EPERM: operation not permitted, mount '/x'`).
 */
export function createSystemError(
  errno: number,
  syscall: string,
  path?: string,
  dest?: string,
): SystemError {
  const [code, description] = errorMap.get(-errno) ?? [`E${errno}`, `unknown error ${errno}`];
  let message = `${code}: ${description}, ${syscall}`;
  if (path !== undefined) message += ` '${path}'`;
  if (dest !== undefined) message += ` -> '${dest}'`;

  const err = new Error(message) as SystemError;
  err.code = code;
  err.errno = -errno;
  err.syscall = syscall;
  if (path !== undefined) err.path = path;
  if (dest !== undefined) err.dest = dest;
  return err;
}

/** True when `err` is a system error with one of the given codes. */
export function isSystemError(err: unknown, ...codes: string[]): err is SystemError {
  if (typeof err !== 'object' || err === null) return false;
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && (codes.length === 0 || codes.includes(code));
}
