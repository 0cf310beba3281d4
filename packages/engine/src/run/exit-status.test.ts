import { describe, expect, it } from '@jest/globals';

import { exitCodeForExecError, exitCodeOf } from './exit-status.js';

describe('exit codes, as docker run', () => {
  it.each<[{ exitCode: number | null; signal: string | number | null }, number]>([
    [{ exitCode: 0, signal: null }, 0],
    [{ exitCode: 3, signal: null }, 3],
    [{ exitCode: null, signal: 'SIGKILL' }, 137],
    [{ exitCode: null, signal: 'SIGTERM' }, 143],
    [{ exitCode: null, signal: 2 }, 130],
  ])('%j exits %i', (result, code) => {
    expect(exitCodeOf(result)).toBe(code);
  });

  it.each<[string | undefined, number]>([
    ['ENOENT', 127],
    ['ENOTDIR', 127],
    ['EACCES', 126],
    ['EISDIR', 126],
    ['ENOEXEC', 126],
    ['E2BIG', 125],
    [undefined, 125],
  ])('an exec failure %s exits %i', (code, exit) => {
    expect(exitCodeForExecError(code)).toBe(exit);
  });
});
