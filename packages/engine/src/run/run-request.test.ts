import { describe, expect, it } from '@jest/globals';
import { existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { checkName, ensureVolumeSources, hostnameOf, parseVolume } from './run-request.js';

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

describe('parseVolume', () => {
  it.each<[string, string[]]>([
    ['/h:/c', ['rbind', 'rw']],
    ['/h:/c:ro', ['rbind', 'ro']],
    ['/h:/c:rw', ['rbind', 'rw']],
    // SELinux labels: iza applies no SELinux context, so there is nothing to relabel.
    ['/h:/c:z', ['rbind', 'rw']],
    ['/h:/c:ro,Z', ['rbind', 'ro']],
    ['/h:/c:rslave', ['rbind', 'rw', 'rslave']],
    ['/h:/c:ro,rshared', ['rbind', 'ro', 'rshared']],
    // docker accepts these consistency modes and ignores them on Linux.
    ['/h:/c:cached', ['rbind', 'rw']],
  ])('reads -v %s as docker does', (spec, options) => {
    expect(parseVolume(spec)).toEqual({
      destination: '/c',
      type: 'bind',
      source: '/h',
      options,
    });
  });

  it.each<[string, RegExp]>([
    ['relative:/c', /named volumes/],
    ['/h:c', /container path must be absolute/],
    ['/h', /host\/path:\/container\/path/],
    ['/h:/c:rx', /mode/],
    ['/h:/c:ro,rw', /mode/],
    ['/h:/c:shared,slave', /mode/],
    ['/h:/', /cannot be \//],
    ['/h:/x/..', /cannot be \//],
  ])('refuses -v %s with a hint', (spec, hint) => {
    let thrown: unknown;
    try {
      parseVolume(spec);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toMatchObject({
      code: 'ERR_IZA_RUN_INVALID_VOLUME',
      message: `invalid volume specification: '${spec}'`,
      hint: expect.stringMatching(hint),
    });
  });

  it('creates no directory while it reads the flag (ensureVolumeSources does, later)', () => {
    const source = join(tmpdir(), `iza-volume-${process.pid}-${Date.now()}`);
    const volume = parseVolume(`${source}:/c`);
    expect(existsSync(source)).toBe(false);

    ensureVolumeSources([volume]);
    expect(existsSync(source)).toBe(true);
    rmSync(source, { recursive: true });
  });
});

describe('checkName', () => {
  it.each([undefined, '', 'web', 'web-1.a_b', 'A9'])('takes %j', (name) => {
    expect(() => checkName(name)).not.toThrow();
  });

  it.each(['x', 'bad name', 'a/b', '-lead', '.dot', 'é1'])('refuses %j as docker', (name) => {
    expect(() => checkName(name)).toThrow(/invalid container name/);
  });
});
