import { describe, expect, it } from '@jest/globals';

import { hostnameOf } from './run-request.js';

describe('hostnameOf', () => {
  it.each<[string | undefined, string]>([
    [undefined, 'iza-container'],
    ['', 'iza-container'],
    ['box-1', 'box-1'],
    ['x'.repeat(64), 'x'.repeat(64)],
  ])('takes %j as %s', (flag, expected) => {
    expect(hostnameOf(flag)).toBe(expected);
  });

  it('refuses a name sethostname(2) would refuse, naming the flag', () => {
    expect(() => hostnameOf('x'.repeat(65))).toThrow(/for "--hostname" flag: longer than 64/);
  });
});
