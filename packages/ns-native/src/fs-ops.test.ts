import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { constants, llistxattr, lgetxattr, lsetxattr, mknod, mount } from './index.js';

describe('fs syscalls', () => {
  it('reports a failed syscall as a Node-style system error', () => {
    let err: unknown;
    try {
      mount(null, '/nonexistent/iza-test-target', 'tmpfs', 0, null);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(Error);
    expect(err).toMatchObject({
      code: 'ENOENT',
      errno: -2,
      syscall: 'mount',
      path: '/nonexistent/iza-test-target',
    });
    expect((err as Error).message).toBe(
      "ENOENT: no such file or directory, mount '/nonexistent/iza-test-target'",
    );
  });

  it('sets, reads and lists user xattrs, including binary values', () => {
    const dir = mkdtempSync(join(tmpdir(), 'iza-ns-'));
    try {
      const file = join(dir, 'f');
      writeFileSync(file, '');
      const value = Buffer.from([0, 1, 2, 255]);
      lsetxattr(file, 'user.iza.test', value);
      expect(lgetxattr(file, 'user.iza.test')).toEqual(value);
      expect(lgetxattr(file, 'user.iza.absent')).toBeNull();
      expect(llistxattr(file)).toContain('user.iza.test');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('creates a FIFO with mknod', () => {
    const dir = mkdtempSync(join(tmpdir(), 'iza-ns-'));
    try {
      const fifo = join(dir, 'p');
      mknod(fifo, constants().S_IFIFO | 0o600);
      expect(statSync(fifo).isFIFO()).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
