import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, readlinkSync, lstatSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { setImmediate as turn } from 'node:timers/promises';

import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { lgetxattr } from '@iza/ns-native';

import { extractLayer } from '../index.js';
import { makeSandbox } from '../test-support/sandbox.js';
import type { Sandbox } from '../test-support/sandbox.js';
import { buildTar, chunked } from '../test-support/tar-builder.js';
import type { RawEntry } from '../test-support/tar-builder.js';
import { holdThreadPool } from '../test-support/thread-pool-hold.js';
import { MAX_PENDING_FILES, WRITE_BEHIND_MIN } from './write-behind.js';

// Files of WRITE_BEHIND_MIN bytes or more are created in entry order but written on the thread
// pool while later entries are applied. These tests hold the pool so that a file's write is
// certainly still pending when the next entry comes, then check that the layer still comes
// out exactly as applying the entries one by one would make it.
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
/** Content large enough to be written behind, distinct per `tag`. */
const big = (tag: string, size = WRITE_BEHIND_MIN + 1000) =>
  Buffer.alloc(size, `${tag}:0123456789abcdef\n`);
const xattr = (name: string, value: string) => ({ [`SCHILY.xattr.${name}`]: value });

/** Descriptors this process holds open on anything inside destDir. */
function openInDest(): number {
  return readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`).startsWith(`${box.dest}/`);
    } catch {
      return false;
    }
  }).length;
}

/** Extracts `entries` while the thread pool is held, releasing it once nothing else can run. */
async function extractHeld(entries: RawEntry[], format: 'overlay' | 'plain') {
  const hold = holdThreadPool(box.base);
  const result = extractLayer(chunked(buildTar(entries), 4096), box.dest, { format });
  result.catch(() => undefined);
  // Every step that needs no pool thread has run after these turns; what is left waits on writes.
  for (let i = 0; i < 5; i++) await turn();
  await hold.release();
  return result;
}

describe.each(['overlay', 'plain'] as const)('extractLayer writing behind (%s)', (format) => {
  it('completes every file before it returns', async () => {
    await extractHeld(
      [
        { name: 'd/', type: '5' },
        { name: 'd/a', body: big('a'), mode: 0o640, mtime: 1_500_000_000 },
        { name: 'd/b', body: big('b', 3 * WRITE_BEHIND_MIN) },
      ],
      format,
    );
    expect(readFileSync(p('d/a')).equals(big('a'))).toBe(true);
    expect(readFileSync(p('d/b')).equals(big('b', 3 * WRITE_BEHIND_MIN))).toBe(true);
    const a = statSync(p('d/a'));
    expect([a.mode & 0o7777, a.mtimeMs]).toEqual([0o640, 1.5e12]);
  });

  rootIt('keeps setuid, owner and capability of a file written behind', async () => {
    const cap = Buffer.from('0100000200200000000000000000000000000000', 'hex');
    await extractHeld(
      [
        {
          name: 'ping',
          body: big('elf'),
          mode: 0o4755,
          uid: 1000,
          gid: 1001,
          mtime: 1_200_000_000,
          pax: { 'SCHILY.xattr.security.capability': cap },
        },
      ],
      format,
    );
    const s = statSync(p('ping'));
    expect([s.mode & 0o7777, s.uid, s.gid, s.mtimeMs]).toEqual([0o4755, 1000, 1001, 1.2e12]);
    expect(lgetxattr(p('ping'), 'security.capability')).toEqual(cap);
  });

  rootIt('applies the second entry of a path written twice, and none of the first', async () => {
    await extractHeld(
      [
        { name: 'f', body: big('first'), pax: xattr('user.first', '1'), mode: 0o600 },
        { name: 'f', body: big('second'), mode: 0o644 },
      ],
      format,
    );
    expect(readFileSync(p('f')).equals(big('second'))).toBe(true);
    expect(statSync(p('f')).mode & 0o7777).toBe(0o644);
    // The first file's path-based xattr call must not land on the second file.
    expect(lgetxattr(p('f'), 'user.first')).toBeNull();
  });

  it('gives a hardlink made right after its target the complete file', async () => {
    await extractHeld(
      [
        { name: 't', body: big('t'), mode: 0o751, mtime: 1_400_000_000 },
        { name: 'l', type: '1', linkname: 't' },
      ],
      format,
    );
    const [t, l] = [lstatSync(p('t')), lstatSync(p('l'))];
    expect(l.ino).toBe(t.ino);
    expect([t.nlink, t.mode & 0o7777, t.mtimeMs]).toEqual([2, 0o751, 1.4e12]);
    expect(readFileSync(p('l')).equals(big('t'))).toBe(true);
  });

  it("sets a directory's metadata given after its files last", async () => {
    await extractHeld(
      [
        { name: 'd/f', body: big('f') },
        { name: 'd/', type: '5', mode: 0o705, mtime: 1_300_000_000 },
      ],
      format,
    );
    const d = statSync(p('d'));
    expect([d.mode & 0o7777, d.mtimeMs]).toEqual([0o705, 1.3e12]);
    expect(readFileSync(p('d/f')).equals(big('f'))).toBe(true);
  });

  rootIt('replaces a directory whose files are still being written', async () => {
    await extractHeld(
      [
        { name: 'd/f', body: big('f'), pax: xattr('user.x', '1') },
        { name: 'd', body: 'now a file' },
        { name: 'e/g', body: big('g'), pax: xattr('user.x', '1') },
        { name: 'e', type: '2', linkname: '/elsewhere' },
      ],
      format,
    );
    expect(readFileSync(p('d'), 'utf8')).toBe('now a file');
    expect(readlinkSync(p('e'))).toBe('/elsewhere');
  });

  it('keeps a file of this layer that a later whiteout of the same layer names', async () => {
    await extractHeld(
      [
        { name: 'x', body: big('x') },
        { name: '.wh.x', body: '' },
      ],
      format,
    );
    expect(readFileSync(p('x')).equals(big('x'))).toBe(true);
  });

  it('writes more files than may be pending at once, each complete', async () => {
    const n = MAX_PENDING_FILES * 2 + 3;
    const entries = Array.from({ length: n }, (_, i) => ({
      name: `many/${i % 7}/f${i}`,
      body: big(`f${i}`),
      mtime: 1_000_000_000 + i,
    }));
    await extractHeld(entries, format);
    for (let i = 0; i < n; i++) {
      const f = p(`many/${i % 7}/f${i}`);
      expect(readFileSync(f).equals(big(`f${i}`))).toBe(true);
      expect(statSync(f).mtimeMs).toBe((1_000_000_000 + i) * 1000);
    }
  });

  it('does not write through a symlink that replaced a file still being written', async () => {
    await extractHeld(
      [
        { name: 'p', body: big('p') },
        { name: 'p', type: '2', linkname: box.base },
        { name: 'p/canary', body: big('pwned') },
      ],
      format,
    );
    expect(await box.canaryIntact()).toBe(true);
    expect(readFileSync(join(box.dest, box.base, 'canary')).equals(big('pwned'))).toBe(true);
  });

  it('reports a tar cut off inside a file written behind, leaving no descriptor open', async () => {
    const whole = buildTar([{ name: 'f', body: big('f', 4 * WRITE_BEHIND_MIN) }], { end: false });
    const cut = whole.subarray(0, 512 + 2 * WRITE_BEHIND_MIN);
    await expect(extractLayer(chunked(cut, 4096), box.dest, { format })).rejects.toMatchObject({
      code: 'ERR_IZA_LAYERS_BAD_TAR',
    });
    expect(openInDest()).toBe(0);
  });

  it('lets no earlier file still be written once it has failed on a later entry', async () => {
    const hold = holdThreadPool(box.base);
    const tar = buildTar([
      { name: 'a', body: big('a') },
      { name: 'b', body: big('b') },
      { name: '../escape', body: 'x' },
    ]);
    const outcome = extractLayer(chunked(tar, 4096), box.dest, { format }).then(
      () => ({ err: undefined, open: openInDest() }),
      (err: unknown) => ({ err, open: openInDest() }),
    );
    for (let i = 0; i < 5; i++) await turn();
    await hold.release();

    const { err, open } = await outcome;
    expect(err).toMatchObject({ code: 'ERR_IZA_LAYERS_UNSAFE_ENTRY' });
    expect(open).toBe(0);
  });
});

describe('extractLayer writing behind (plain format over lower layers)', () => {
  rootIt('lets a whiteout remove a lower directory holding files still being written', async () => {
    mkdirSync(p('w'));
    await extractHeld(
      [
        { name: 'w/f', body: big('f'), pax: xattr('user.x', '1') },
        { name: '.wh.w', body: '' },
        { name: 'kept', body: big('k') },
      ],
      'plain',
    );
    expect(readdirSync(box.dest).sort()).toEqual(['kept']);
    expect(readFileSync(p('kept')).equals(big('k'))).toBe(true);
  });
});

describe('extractLayer writing behind on a full disk', () => {
  let mnt: string | undefined;
  afterEach(() => {
    // Lazily: a failing run may still hold files open there, and no mount may outlive the test.
    if (mnt !== undefined) execFileSync('umount', ['-l', mnt]);
    mnt = undefined;
  });

  rootIt('fails with NO_SPACE and leaves no descriptor open', async () => {
    mnt = box.dest;
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'iza-test', mnt]);
    const entries = [0, 1, 2, 3].map((i) => ({ name: `f${i}`, body: big(`f${i}`, 200_000) }));

    await expect(
      extractLayer(chunked(buildTar(entries), 65536), box.dest, { format: 'overlay' }),
    ).rejects.toMatchObject({ code: 'ERR_IZA_LAYERS_NO_SPACE' });
    expect(openInDest()).toBe(0);
  });
});
