import { describe, expect, it } from '@jest/globals';

import { dockerFlags, hasLimits } from './limit-flags.js';

describe('dockerFlags', () => {
  it.each<[Record<string, string>, Record<string, unknown>]>([
    [{ pidsLimit: '20' }, { pidsLimit: 20 }],
    [{ pidsLimit: '-1' }, { pidsLimit: -1 }],
    // docker and podman: 0 (and anything below) is no limit, as -1.
    [{ pidsLimit: '0' }, { pidsLimit: -1 }],
    [{ pidsLimit: '-5' }, { pidsLimit: -1 }],
    [
      { memory: '100m', memorySwap: '200m' },
      { memory: '100m', memorySwap: '200m' },
    ],
    [
      { memory: '100m', memorySwap: '-1' },
      { memory: '100m', memorySwap: '-1' },
    ],
  ])('reads %j as docker does', (flags, expected) => {
    expect(dockerFlags(flags)).toEqual(expected);
  });

  it('reads --memory-swap 0 as no setting (docker: "the setting is ignored")', () => {
    expect(dockerFlags({ memory: '100m', memorySwap: '0' })).toEqual({ memory: '100m' });
  });

  it.each([
    [{ memory: 'abc' }, 'invalid argument "abc" for "--memory" flag'],
    [{ pidsLimit: '1.5' }, 'invalid argument "1.5" for "--pids-limit" flag: not an integer'],
    [{ cpuShares: 'x' }, 'invalid argument "x" for "--cpu-shares" flag: not an integer'],
  ])('refuses %j naming the flag', (flags, message) => {
    expect(() => dockerFlags(flags)).toThrow(message);
  });

  it('tells whether any limit was given', () => {
    expect(hasLimits({})).toBe(false);
    expect(hasLimits({ cpus: '1' })).toBe(true);
  });
});
