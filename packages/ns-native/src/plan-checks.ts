import { posix } from 'node:path';

import { ContainerSpecError } from './spawn-errors.js';

/** An ERR_IZA_NATIVE_INVALID_SPEC error. */
export function invalid(message: string, hint?: string): ContainerSpecError {
  return new ContainerSpecError('ERR_IZA_NATIVE_INVALID_SPEC', message, hint);
}

/** Strings reach the child as C strings: a NUL would silently cut them. */
export function checkCString(value: string, what: string): string {
  if (value.includes('\0')) throw invalid(`${what} contains a NUL byte`);
  return value;
}

/** An absolute container path as a path relative to the rootfs (`/dev/pts` -> `dev/pts`). */
export function inRoot(path: string, what: string): string {
  checkCString(path, what);
  if (!path.startsWith('/')) throw invalid(`${what} must be absolute: ${path}`);
  return posix.normalize(path).replace(/^\/+/, '').replace(/\/+$/, '');
}
