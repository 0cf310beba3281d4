import { lstatSync, readFileSync, readdirSync, readlinkSync, statSync } from 'node:fs';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { lgetxattr } from '@iza/ns-native';

import { extractLayer } from '../index.js';
import type { ExtractWarning } from '../index.js';
import { makeSandbox } from '../test-support/sandbox.js';
import type { Sandbox } from '../test-support/sandbox.js';
import { buildTar, chunked } from '../test-support/tar-builder.js';
import type { RawEntry } from '../test-support/tar-builder.js';

// These tests need root (owners, devices, trusted.* xattrs); this project's machines run as root.
const asRoot = process.getuid?.() === 0;
const rootIt = asRoot ? it : it.skip;

let box: Sandbox;
beforeEach(async () => {
  box = await makeSandbox();
});
afterEach(async () => {
  await box.cleanup();
});

const p = (rel: string) => join(box.dest, rel);
const CAP = Buffer.from('0100000200200000000000000000000000000000', 'hex');

function apply(entries: RawEntry[], format: 'overlay' | 'plain', warnings?: ExtractWarning[]) {
  return extractLayer(chunked(buildTar(entries), 1000), box.dest, {
    format,
    ...(warnings ? { onWarning: (w: ExtractWarning) => warnings.push(w) } : {}),
  });
}

describe.each(['overlay', 'plain'] as const)('extractLayer exactness (%s)', (format) => {
  rootIt('keeps modes incl. setuid/setgid/sticky, owners and mtimes', async () => {
    await apply(
      [
        { name: 'd/', type: '5', mode: 0o3775, uid: 7, gid: 8, mtime: 1_600_000_000 },
        { name: 'd/suid', body: 'x', mode: 0o4755, uid: 1000, gid: 1001, mtime: 1_500_000_000 },
        { name: 'tmp/', type: '5', mode: 0o1777 },
        { name: 'sgid', body: 'y', mode: 0o2711, uid: 5, gid: 6 },
      ],
      format,
    );
    const d = statSync(p('d'));
    expect([d.mode & 0o7777, d.uid, d.gid, d.mtimeMs]).toEqual([0o3775, 7, 8, 1_600_000_000_000]);
    const s = statSync(p('d/suid'));
    expect([s.mode & 0o7777, s.uid, s.gid, s.mtimeMs]).toEqual([0o4755, 1000, 1001, 1.5e12]);
    expect(statSync(p('tmp')).mode & 0o7777).toBe(0o1777);
    expect(statSync(p('sgid')).mode & 0o7777).toBe(0o2711);
  });

  rootIt('keeps user.* and security.capability xattrs and drops overlay ones', async () => {
    const warnings: ExtractWarning[] = [];
    await apply(
      [
        {
          name: 'ping',
          body: 'elf',
          mode: 0o755,
          pax: {
            'SCHILY.xattr.security.capability': CAP,
            'SCHILY.xattr.user.bin': Buffer.from([0, 1, 2, 0]),
            'SCHILY.xattr.trusted.overlay.redirect': '/etc',
          },
        },
      ],
      format,
      warnings,
    );
    expect(lgetxattr(p('ping'), 'security.capability')).toEqual(CAP);
    expect(lgetxattr(p('ping'), 'user.bin')).toEqual(Buffer.from([0, 1, 2, 0]));
    expect(lgetxattr(p('ping'), 'trusted.overlay.redirect')).toBeNull();
    expect(warnings.map((w) => w.code)).toEqual(['XATTR_DROPPED']);
  });

  rootIt('creates symlinks verbatim, hardlinks, FIFOs and char devices', async () => {
    await apply(
      [
        { name: 'abs', type: '2', linkname: '/usr/lib' },
        { name: 'rel', type: '2', linkname: '../x/y' },
        { name: 'dangling', type: '2', linkname: 'nowhere' },
        { name: 'f', body: 'content', mode: 0o640 },
        { name: 'sub/hard', type: '1', linkname: '/f' },
        { name: 'fifo', type: '6', mode: 0o600 },
        { name: 'null', type: '3', devmajor: 1, devminor: 3, mode: 0o666 },
        { name: 'loop', type: '4', devmajor: 7, devminor: 0, mode: 0o660 },
      ],
      format,
    );
    expect(readlinkSync(p('abs'))).toBe('/usr/lib');
    expect(readlinkSync(p('rel'))).toBe('../x/y');
    expect(readlinkSync(p('dangling'))).toBe('nowhere');
    expect(statSync(p('sub/hard')).ino).toBe(statSync(p('f')).ino);
    expect(lstatSync(p('fifo')).isFIFO()).toBe(true);
    const dev = lstatSync(p('null'));
    expect([dev.isCharacterDevice(), dev.rdev, dev.mode & 0o7777]).toEqual([true, 0x103, 0o666]);
    expect(lstatSync(p('loop')).isBlockDevice()).toBe(true);
  });

  it('skips devices with a warning when mknod is not allowed', async () => {
    const warnings: ExtractWarning[] = [];
    await extractLayer(
      chunked(buildTar([{ name: 'null', type: '3', devmajor: 1, devminor: 3 }])),
      box.dest,
      { format, canMknod: false, onWarning: (w) => warnings.push(w) },
    );
    expect(readdirSync(box.dest)).toEqual([]);
    expect(warnings.map((w) => w.code)).toEqual(['DEVICE_SKIPPED']);
  });

  it('keeps long and odd names (UTF-8, spaces, newlines)', async () => {
    const names = [`${'long/'.repeat(40)}${'n'.repeat(200)}`, 'spa ce', 'new\nline', 'ünï©ødé ✓'];
    await apply(
      names.map((name, i) => ({ name: 'x', pax: { path: name }, body: String(i) })),
      format,
    );
    names.forEach((n, i) => expect(readFileSync(p(n), 'utf8')).toBe(String(i)));
  });

  rootIt('reads ./, ., doubled and dotted names, and directories without a slash', async () => {
    await apply(
      [
        { name: './', type: '5', mode: 0o750, uid: 3 },
        { name: 'plain-dir', type: '5', mode: 0o711 },
        { name: './a//b', body: 'b' },
        { name: 'a/./c', body: 'c' },
        { name: './/a/./d/', type: '5' },
        { name: '.', type: '5', mode: 0o755, uid: 4 },
      ],
      format,
    );
    expect(readdirSync(box.dest).sort()).toEqual(['a', 'plain-dir']);
    expect(readdirSync(p('a')).sort()).toEqual(['b', 'c', 'd']);
    expect(statSync(p('plain-dir')).mode & 0o7777).toBe(0o711);
    expect([statSync(box.dest).mode & 0o7777, statSync(box.dest).uid]).toEqual([0o755, 4]);
  });

  rootIt('links a hardlink to a symlink, not to what the symlink names', async () => {
    await apply(
      [
        { name: 'f', body: 'file' },
        { name: 'sym', type: '2', linkname: 'f' },
        { name: 'hard', type: '1', linkname: 'sym' },
      ],
      format,
    );
    expect(lstatSync(p('hard')).isSymbolicLink()).toBe(true);
    expect(lstatSync(p('hard')).ino).toBe(lstatSync(p('sym')).ino);
    expect(readlinkSync(p('hard'))).toBe('f');
  });

  rootIt('applies base-256 owners past the octal limit', async () => {
    const id = (n: number) => {
      const raw = Buffer.alloc(8);
      raw[0] = 0x80;
      raw.writeUIntBE(n, 2, 6);
      return raw;
    };
    await apply([{ name: 'f', body: 'x', rawUid: id(3_000_000), rawGid: id(4_000_000) }], format);
    expect([statSync(p('f')).uid, statSync(p('f')).gid]).toEqual([3_000_000, 4_000_000]);
  });

  it('replaces a file by a directory and back within a layer', async () => {
    await apply(
      [
        { name: 'x', body: 'file' },
        { name: 'x/', type: '5' },
        { name: 'x/inner', body: 'in' },
        { name: 'y/', type: '5' },
        { name: 'y/deep', body: 'gone' },
        { name: 'y', body: 'now a file' },
      ],
      format,
    );
    expect(readFileSync(p('x/inner'), 'utf8')).toBe('in');
    expect(readFileSync(p('y'), 'utf8')).toBe('now a file');
  });
});

describe('extractLayer overlay whiteouts', () => {
  rootIt('turns .wh.x into a 0/0 char device and the opaque marker into an xattr', async () => {
    await apply(
      [
        { name: 'etc/', type: '5' },
        { name: 'etc/.wh.passwd' },
        { name: 'var/.wh..wh..opq' },
        { name: 'var/keep', body: 'k' },
        { name: '.wh..wh.plnk' },
      ],
      'overlay',
    );
    const wh = lstatSync(p('etc/passwd'));
    expect([wh.isCharacterDevice(), wh.rdev]).toEqual([true, 0]);
    expect(lgetxattr(p('var'), 'trusted.overlay.opaque')?.toString()).toBe('y');
    expect(readdirSync(box.dest).sort()).toEqual(['etc', 'var']);
    expect(readdirSync(p('var'))).toEqual(['keep']);
  });

  rootIt('does not white out a path written earlier in the same layer', async () => {
    await apply([{ name: 'a', body: 'mine' }, { name: '.wh.a' }], 'overlay');
    expect(readFileSync(p('a'), 'utf8')).toBe('mine');
  });

  it('ignores a whiteout below a path that is a file in this layer', async () => {
    await apply([{ name: 'f', body: 'file' }, { name: 'f/.wh.x' }], 'overlay');
    expect(readFileSync(p('f'), 'utf8')).toBe('file');
  });
});

describe('extractLayer plain changesets', () => {
  const layers: RawEntry[][] = [
    [
      { name: 'a/', type: '5' },
      { name: 'a/1', body: '1' },
      { name: 'a/2', body: '2' },
      { name: 'b/', type: '5' },
      { name: 'b/old', body: 'old' },
      { name: 'b/sub/', type: '5' },
      { name: 'b/sub/deep', body: 'deep' },
      { name: 'f', body: 'was a file' },
      { name: 'keep', body: 'k' },
    ],
    [
      { name: 'a/.wh.1' },
      { name: 'b/new', body: 'new' },
      { name: 'b/.wh..wh..opq' },
      { name: 'f/', type: '5' },
      { name: 'f/in', body: 'dir now' },
      { name: 'keep', body: 'k2' },
      { name: '.wh.keep' },
    ],
    [{ name: 'f', body: 'file again' }, { name: 'f/.wh.in' }],
  ];

  it('applies whiteouts, opaque dirs and file→dir→file across layers', async () => {
    for (const l of layers) await apply(l, 'plain');
    expect(readdirSync(p('a'))).toEqual(['2']);
    expect(readdirSync(p('b'))).toEqual(['new']);
    expect(readFileSync(p('f'), 'utf8')).toBe('file again');
    expect(readFileSync(p('keep'), 'utf8')).toBe('k2');
  });
});
