import { describe, expect, it } from '@jest/globals';

import { readTarEntries } from '../index.js';
import type { TarEntry } from '../index.js';
import { buildTar, chunked, headerBlock, paxBody } from '../test-support/tar-builder.js';

const tarOf = (name: string) => buildTar([{ name, body: 'x' }]);

/** A GNU base-256 numeric field of `len` bytes. */
function base256(n: number, len: number): Buffer {
  const raw = Buffer.alloc(len);
  raw[0] = 0x80;
  raw.writeUIntBE(n, len - 6, 6);
  return raw;
}

async function collect(tar: Buffer, chunk = 7919) {
  const out: { header: TarEntry['header']; data: Buffer }[] = [];
  for await (const { header, body } of readTarEntries(chunked(tar, chunk))) {
    const parts: Buffer[] = [];
    for await (const c of body) parts.push(c);
    out.push({ header, data: Buffer.concat(parts) });
  }
  return out;
}

describe('readTarEntries', () => {
  it.each([1, 511, 512, 4096, 100000])('reads entries across %i-byte chunks', async (size) => {
    const tar = buildTar([
      { name: 'dir/', type: '5', mode: 0o1755 },
      { name: 'dir/a.txt', body: 'hello', mode: 0o4755, uid: 12, gid: 34 },
      { name: 'dir/link', type: '2', linkname: '/abs/target' },
      { name: 'dir/hard', type: '1', linkname: 'dir/a.txt' },
      { name: 'dev', type: '3', devmajor: 1, devminor: 3 },
    ]);
    const got = await collect(tar, size);
    expect(got.map((e) => [e.header.name, e.header.type])).toEqual([
      ['dir/', 'dir'],
      ['dir/a.txt', 'file'],
      ['dir/link', 'symlink'],
      ['dir/hard', 'link'],
      ['dev', 'char'],
    ]);
    expect(got[0]?.header.mode).toBe(0o1755);
    expect(got[1]).toMatchObject({ header: { mode: 0o4755, uid: 12, gid: 34, size: 5 } });
    expect(got[1]?.data.toString()).toBe('hello');
    expect(got[2]?.header.linkname).toBe('/abs/target');
    expect(got[4]?.header).toMatchObject({ devmajor: 1, devminor: 3 });
  });

  it('skips bodies the consumer did not read', async () => {
    const tar = buildTar([
      { name: 'a', body: 'x'.repeat(3000) },
      { name: 'b', body: 'yy' },
    ]);
    const names: string[] = [];
    for await (const { header } of readTarEntries(chunked(tar))) names.push(header.name);
    expect(names).toEqual(['a', 'b']);
  });

  it('applies PAX path, linkpath, size, mtime and binary xattrs containing NUL', async () => {
    const cap = Buffer.from([0x01, 0x00, 0x00, 0x02, 0x00, 0x20, 0x00, 0x00, 0, 0, 0, 0]);
    const long = `${'d'.repeat(150)}/${'f'.repeat(120)} with spaces\nnewline ü`;
    const tar = buildTar([
      {
        name: 'short',
        body: 'data',
        pax: {
          path: long,
          mtime: '1700000000.5',
          'SCHILY.xattr.security.capability': cap,
          'SCHILY.xattr.user.k': 'v=1',
        },
      },
      { name: 'l', type: '2', pax: { linkpath: 'x'.repeat(300) } },
    ]);
    const [file, link] = await collect(tar);
    expect(file?.header.name).toBe(long);
    expect(file?.header.mtime).toBe(1700000000.5);
    expect(file?.header.xattrs.get('security.capability')).toEqual(cap);
    expect(file?.header.xattrs.get('user.k')?.toString()).toBe('v=1');
    expect(link?.header.linkname).toBe('x'.repeat(300));
  });

  it('reads GNU long names and ignores global headers', async () => {
    const name = 'n'.repeat(250);
    const tar = buildTar([
      { name: 'pax_global_header', type: 'g', body: '20 comment=ignored\n' },
      { name: 'trunc', gnuLongName: name, body: 'z' },
    ]);
    const got = await collect(tar);
    expect(got.map((e) => e.header.name)).toEqual([name]);
  });

  it('reads GNU long link names (K) for symlinks and hardlinks, with a long name (L) too', async () => {
    const target = `${'t'.repeat(150)}/${'u'.repeat(150)}`;
    const name = 'n'.repeat(180);
    const tar = buildTar([
      { name: '././@LongLink', type: 'K', body: `${target}\0` },
      { name: 'sym', type: '2', linkname: 'short' },
      { name: '././@LongLink', type: 'L', body: `${name}\0` },
      { name: '././@LongLink', type: 'K', body: `${target}\0` },
      { name: 'hard', type: '1', linkname: 'short' },
    ]);
    const got = await collect(tar);
    expect(got.map((e) => [e.header.name, e.header.type, e.header.linkname])).toEqual([
      ['sym', 'symlink', target],
      [name, 'link', target],
    ]);
  });

  it('reads base-256 sizes beyond the octal field (> 8 GiB headers)', async () => {
    const raw = Buffer.alloc(12);
    raw[0] = 0x80;
    raw.writeUIntBE(5, 6, 6);
    const tar = buildTar([{ name: 'big', body: 'abcde', rawSize: raw }]);
    const [e] = await collect(tar);
    expect(e?.header.size).toBe(5);
    expect(e?.data.toString()).toBe('abcde');

    const huge = Buffer.alloc(12);
    huge[0] = 0x80;
    huge.writeUIntBE(9 * 1024 ** 3, 6, 6);
    const head = headerBlock({ name: 'huge', rawSize: huge });
    const it = readTarEntries(chunked(head));
    const first = await it.next();
    expect(first.value?.header.size).toBe(9 * 1024 ** 3);
  });

  it.each([
    ['a bad checksum', buildTar([{ name: 'a', body: 'x', badChecksum: true }])],
    [
      'a negative base-256 size',
      buildTar([{ name: 'a', rawSize: Buffer.from([0xff, ...Array(11).fill(0xff)]) }]),
    ],
    ['a negative PAX size', buildTar([{ name: 'a', pax: { size: '-1' } }])],
    ['a non-decimal PAX size', buildTar([{ name: 'a', pax: { size: '0x10' } }])],
    ['NUL in a PAX path', buildTar([{ name: 'a', pax: { path: 'ok\0../../etc/passwd' } }])],
    [
      'a PAX record longer than its data',
      buildTar([{ name: 'x', type: 'x', body: '99 path=a\n' }]),
    ],
    [
      'a PAX record with a wrong length',
      buildTar([{ name: 'x', type: 'x', body: '5 path=abc\n' }]),
    ],
    [
      'a PAX header claiming 100 GB (never buffered)',
      buildTar([{ name: 'PaxHeader', type: 'x', rawSize: base256(100e9, 12) }], { end: false }),
    ],
    ["a sparse 'S' entry outside the GNU format", buildTar([{ name: 's', type: 'S' }])],
    ['an unknown type', buildTar([{ name: 'q', type: 'Q' }])],
    ['a truncated body', buildTar([{ name: 'a', body: 'abc', size: 4000 }], { end: false })],
    // Go's reader lets the second 'x' replace the first: merging would rename the entry.
    [
      'two PAX headers for one entry',
      buildTar([
        { name: 'PaxHeader', type: 'x', body: paxBody({ path: 'hidden/from/scanners' }) },
        { name: 'PaxHeader', type: 'x', body: paxBody({ 'SCHILY.xattr.user.a': 'b' }) },
        { name: 'innocent', body: 'x' },
      ]),
    ],
    [
      'a global header between a PAX header and its entry',
      buildTar([
        { name: 'PaxHeader', type: 'x', body: paxBody({ path: 'elsewhere' }) },
        { name: 'pax_global_header', type: 'g', body: paxBody({ comment: 'c' }) },
        { name: 'innocent', body: 'x' },
      ]),
    ],
    [
      'a global header between a GNU long name and its entry',
      buildTar([
        { name: '././@LongLink', type: 'L', body: 'elsewhere\0' },
        { name: 'pax_global_header', type: 'g', body: paxBody({ comment: 'c' }) },
        { name: 'innocent', body: 'x' },
      ]),
    ],
    [
      'a single zero block followed by more entries (hidden from GNU tar, an error in Go)',
      Buffer.concat([
        buildTar([{ name: 'a', body: 'x' }], { end: false }),
        Buffer.alloc(512),
        buildTar([{ name: 'hidden', body: 'y' }]),
      ]),
    ],
  ])('rejects %s as ERR_IZA_LAYERS_BAD_TAR', async (_what, tar) => {
    await expect(collect(tar)).rejects.toMatchObject({ code: 'ERR_IZA_LAYERS_BAD_TAR' });
  });

  it.each([
    ['two zero blocks and trailing garbage', Buffer.concat([tarOf('a'), Buffer.from('junk')])],
    ['one zero block at the end of the stream', tarOf('a').subarray(0, -512)],
    ['no end blocks at all', tarOf('a').subarray(0, -1024)],
  ])('ends an archive with %s', async (_what, tar) => {
    expect((await collect(tar)).map((e) => e.header.name)).toEqual(['a']);
  });

  it('reads a NUL typeflag with a trailing slash as a directory (pre-POSIX archives)', async () => {
    const tar = buildTar([
      { name: 'old/', type: '\0' },
      { name: 'old/file', type: '\0', body: 'v7' },
      { name: 'new/', type: '0' },
    ]);
    const got = await collect(tar);
    expect(got.map((e) => [e.header.name, e.header.type])).toEqual([
      ['old/', 'dir'],
      ['old/file', 'file'],
      ['new/', 'file'],
    ]);
    expect(got[1]?.data.toString()).toBe('v7');
  });

  it('reads base-256 uids and gids beyond the octal limit (2097151)', async () => {
    const tar = buildTar([
      { name: 'f', rawUid: base256(3_000_000_000, 8), rawGid: base256(4_000_000, 8) },
    ]);
    const [e] = await collect(tar);
    expect([e?.header.uid, e?.header.gid]).toEqual([3_000_000_000, 4_000_000]);
  });

  it('drains bytes after the end marker so upstream hashes see everything', async () => {
    const tar = Buffer.concat([buildTar([{ name: 'a', body: 'x' }]), Buffer.alloc(8192)]);
    let seen = 0;
    async function* counting() {
      for await (const c of chunked(tar, 1000)) {
        seen += c.length;
        yield c;
      }
    }
    for await (const { body } of readTarEntries(counting())) {
      for await (const c of body) expect(c.length).toBeGreaterThan(0);
    }
    expect(seen).toBe(tar.length);
  });
});
