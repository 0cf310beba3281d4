import { describe, expect, it } from '@jest/globals';

import { IzaError, formatErrorChain, isIzaError, wrapError } from './index.js';

describe('IzaError', () => {
  it('keeps code, hint and cause', () => {
    const cause = new Error('ECONNREFUSED');
    const err = new IzaError('ERR_IZA_TEST_X', 'registry unreachable', { hint: 'start it', cause });
    expect(err).toMatchObject({ code: 'ERR_IZA_TEST_X', hint: 'start it', cause });
    expect(isIzaError(err, 'ERR_IZA_TEST_X')).toBe(true);
    expect(isIzaError(new Error('x'))).toBe(false);
  });

  it('wraps with context and carries the inner code and hint through', () => {
    const inner = new IzaError('ERR_IZA_TEST_DIGEST', 'digest mismatch', { hint: 'pull again' });
    const outer = wrapError('extracting layer sha256:ab12', inner);
    expect(outer.code).toBe('ERR_IZA_TEST_DIGEST');
    expect(outer.hint).toBe('pull again');
    expect(formatErrorChain(outer)).toBe('extracting layer sha256:ab12: digest mismatch');
  });

  it('formats a chain once per distinct message', () => {
    const err = new Error('a', { cause: new Error('a', { cause: new Error('b') }) });
    expect(formatErrorChain(err)).toBe('a: b');
  });
});
