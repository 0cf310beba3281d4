import { constants } from 'node:os';

/** docker's exit codes for failures around the container process (docker run reference). */
export const EXIT_IZA_FAILED = 125;
export const EXIT_CANNOT_INVOKE = 126;
export const EXIT_NOT_FOUND = 127;

/** The status `iza run` exits with: the container's own, or 128+N when killed by signal N. */
export function exitCodeOf(result: {
  exitCode: number | null;
  signal: string | number | null;
}): number {
  if (result.signal !== null && result.signal !== undefined) {
    const n =
      typeof result.signal === 'number'
        ? result.signal
        : ((constants.signals as Record<string, number>)[result.signal] ?? 0);
    return 128 + n;
  }
  return result.exitCode ?? EXIT_IZA_FAILED;
}

/** 127 for a command that does not exist, 126 for one that cannot be executed (docker). */
export function exitCodeForExecError(code: string | undefined): number {
  if (code === 'ENOENT' || code === 'ENOTDIR') return EXIT_NOT_FOUND;
  if (code === 'EACCES' || code === 'EISDIR' || code === 'ENOEXEC' || code === 'EPERM')
    return EXIT_CANNOT_INVOKE;
  return EXIT_IZA_FAILED;
}
