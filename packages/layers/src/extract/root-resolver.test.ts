import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';

import { makeSandbox } from '../test-support/sandbox.js';
import type { Sandbox } from '../test-support/sandbox.js';

// Counts the symlinks the resolver reads, each the start of a walk of its target: the real
// calls, only counted.
const fs = await import('node:fs');
let readlinks = 0;
jest.unstable_mockModule('node:fs', () => ({
  ...fs,
  readlinkSync: (...args: Parameters<typeof fs.readlinkSync>) => {
    readlinks++;
    return fs.readlinkSync(...args);
  },
}));
const { RootResolver } = await import('./root-resolver.js');

let box: Sandbox;
beforeEach(async () => {
  box = await makeSandbox();
});
afterEach(async () => {
  await box.cleanup();
});

describe('RootResolver', () => {
  it('walks a long symlink target once, not again for every entry below the link (CPU DoS)', () => {
    const deep = Array.from({ length: 300 }, () => 'd').join('/');
    mkdirSync(join(box.dest, deep), { recursive: true });
    symlinkSync(deep, join(box.dest, 'short'));
    const resolver = new RootResolver(box.dest);

    expect(resolver.resolveDir(['short'], 'lookup', 'e0')).toBe(deep);
    readlinks = 0;
    for (let i = 1; i <= 100; i++) {
      expect(resolver.resolveDir(['short', `e${i}`], 'create', `e${i}`)).toBe(`${deep}/e${i}`);
    }
    // Each walk of the 300 components costs O(300²) in path strings: 1 MB of such entries took
    // 15 s to unpack before the first walk was remembered.
    expect(readlinks).toBe(0);
  });

  it('follows the link again once something was removed', () => {
    mkdirSync(join(box.dest, 'a'));
    mkdirSync(join(box.dest, 'b'));
    symlinkSync('a', join(box.dest, 'l'));
    const resolver = new RootResolver(box.dest);
    expect(resolver.resolveDir(['l'], 'lookup', 'x')).toBe('a');

    fs.unlinkSync(join(box.dest, 'l'));
    symlinkSync('b', join(box.dest, 'l'));
    resolver.forget('l');
    expect(resolver.resolveDir(['l'], 'lookup', 'x')).toBe('b');
  });
});
