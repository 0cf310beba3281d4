import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { checkWorkdir, ensureWorkdir } from './workdir.js';

let dir: string;
let rootfs: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'iza-workdir-'));
  rootfs = join(dir, 'rootfs');
  mkdirSync(rootfs);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('ensureWorkdir', () => {
  it('creates a missing working directory, as docker does', () => {
    ensureWorkdir(rootfs, '/srv/app/data');
    expect(statSync(join(rootfs, 'srv/app/data')).isDirectory()).toBe(true);
  });

  it('never follows a symlink in the image to create directories on the host', () => {
    const host = join(dir, 'host');
    mkdirSync(host);
    symlinkSync(host, join(rootfs, 'escape'));
    ensureWorkdir(rootfs, '/escape/made');
    expect(existsSync(join(host, 'made'))).toBe(false);
  });

  it('stops at `..` instead of climbing out of the root', () => {
    ensureWorkdir(rootfs, '/../../outside');
    expect(existsSync(join(dir, 'outside'))).toBe(false);
  });
});

describe('checkWorkdir', () => {
  // docker: an empty -w is none given.
  it.each([undefined, '', '/', '/a/b'])('takes %j', (workdir) => {
    expect(() => checkWorkdir(workdir)).not.toThrow();
  });

  it.each(['relative', './x'])('refuses %j as docker does', (workdir) => {
    expect(() => checkWorkdir(workdir)).toThrow(/needs to be an absolute path/);
  });
});
