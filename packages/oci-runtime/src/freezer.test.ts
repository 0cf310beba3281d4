import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';

import { OciErrorCode } from './errors.js';
import { findFreezer, isFrozen, requestThaw, setFrozen } from './freezer.js';

// Leaves laid out like cgroupfs in a temp dir: a plain file "settles" as soon as it is
// written, which stands for a kernel that froze at once; cgroup.events never changes.
let dir: string;
let v1: string;
let v2: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'iza-freezer-'));
  v1 = join(dir, 'freezer');
  v2 = join(dir, 'unified');
  mkdirSync(v1);
  mkdirSync(v2);
  writeFileSync(join(v1, 'freezer.state'), 'THAWED\n');
  writeFileSync(join(v2, 'cgroup.freeze'), '0\n');
  writeFileSync(join(v2, 'cgroup.events'), 'populated 1\nfrozen 0\n');
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('the freezer of a container', () => {
  it('is the v1 freezer where there is one (a hybrid host has both), else the v2 leaf', () => {
    expect(findFreezer([v2, v1])).toEqual({ version: 1, dir: v1 });
    expect(findFreezer([v2])).toEqual({ version: 2, dir: v2 });
    expect(findFreezer([join(dir, 'none')])).toBeUndefined();
  });

  it.each([
    ['THAWED', false],
    ['FREEZING', true],
    ['FROZEN', true],
    ['', false],
  ])('reads v1 freezer.state %j as frozen: %s', (text, frozen) => {
    writeFileSync(join(v1, 'freezer.state'), `${text}\n`);
    expect(isFrozen([v1])).toBe(frozen);
  });

  it('freezes and thaws through freezer.state on v1', async () => {
    await setFrozen([v2, v1], true);
    expect(readFileSync(join(v1, 'freezer.state'), 'utf8')).toMatch(/^FROZEN/);
    expect(isFrozen([v2, v1])).toBe(true);
    requestThaw([v2, v1]);
    expect(isFrozen([v2, v1])).toBe(false);
  });

  it('waits for cgroup.events on v2, and undoes a freeze that does not settle', async () => {
    const attempt = setFrozen([v2], true, 50);
    await expect(attempt).rejects.toMatchObject({ code: OciErrorCode.Cgroup });
    expect(readFileSync(join(v2, 'cgroup.freeze'), 'utf8')).toMatch(/^0/);
  });

  it('settles on v2 once cgroup.events says frozen', async () => {
    writeFileSync(join(v2, 'cgroup.events'), 'populated 1\nfrozen 1\n');
    await setFrozen([v2], true, 1000);
    expect(isFrozen([v2])).toBe(true);
  });

  it('refuses a container without a freezer', async () => {
    await expect(setFrozen([join(dir, 'none')], true)).rejects.toMatchObject({
      code: OciErrorCode.Cgroup,
    });
  });
});
