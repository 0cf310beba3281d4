import { readFile, readlink, lstat } from 'node:fs/promises';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';

import { extractLayer } from '../index.js';
import { makeSandbox } from '../test-support/sandbox.js';
import type { Sandbox } from '../test-support/sandbox.js';
import { buildTar, chunked } from '../test-support/tar-builder.js';
import type { RawEntry } from '../test-support/tar-builder.js';

// Each test builds its hostile tar itself and proves the canary beside destDir untouched.
let box: Sandbox;
beforeEach(async () => {
  box = await makeSandbox();
});
afterEach(async () => {
  await box.cleanup();
});

const UNSAFE = { code: 'ERR_IZA_LAYERS_UNSAFE_ENTRY' };
const BAD = { code: 'ERR_IZA_LAYERS_BAD_TAR' };

// Devices need CAP_MKNOD; this project's machines run the tests as root.
const rootIt = process.getuid?.() === 0 ? it : it.skip;

function extract(entries: RawEntry[], format: 'overlay' | 'plain' = 'overlay') {
  return extractLayer(chunked(buildTar(entries)), box.dest, { format });
}

describe.each(['overlay', 'plain'] as const)('extractLayer attacks (%s)', (format) => {
  it('refuses ../ names (path traversal)', async () => {
    await expect(extract([{ name: '../canary', body: 'pwned' }], format)).rejects.toMatchObject(
      UNSAFE,
    );
    await expect(extract([{ name: 'a/../../canary', body: 'x' }], format)).rejects.toMatchObject(
      UNSAFE,
    );
    expect(await box.canaryIntact()).toBe(true);
  });

  it('keeps absolute names like ////etc/x inside destDir (CVE-2021-32804)', async () => {
    await extract([{ name: `////${box.canary.slice(1)}`, body: 'pwned' }], format);
    expect(await readFile(join(box.dest, box.canary), 'utf8')).toBe('pwned');
    expect(await box.canaryIntact()).toBe(true);
  });

  it('does not write through an absolute symlink (symlink-then-write chain)', async () => {
    await extract(
      [
        { name: 'a', type: '2', linkname: box.base },
        { name: 'a/canary', body: 'pwned' },
      ],
      format,
    );
    expect(await box.canaryIntact()).toBe(true);
    // The symlink is clamped to destDir as a chroot would: the write lands inside.
    expect(await readFile(join(box.dest, box.base, 'canary'), 'utf8')).toBe('pwned');
    expect(await readlink(join(box.dest, 'a'))).toBe(box.base);
  });

  it('does not write through a ../.. symlink', async () => {
    await extract(
      [
        { name: 'a', type: '2', linkname: '../..' },
        { name: 'a/canary', body: 'pwned' },
      ],
      format,
    );
    expect(await box.canaryIntact()).toBe(true);
    expect(await readFile(join(box.dest, 'canary'), 'utf8')).toBe('pwned');
  });

  it('does not follow a final symlink when a file replaces it', async () => {
    await extract(
      [
        { name: 'evil', type: '2', linkname: box.canary },
        { name: 'evil', body: 'pwned' },
      ],
      format,
    );
    expect(await box.canaryIntact()).toBe(true);
    expect((await lstat(join(box.dest, 'evil'))).isFile()).toBe(true);
  });

  it('refuses a hardlink to an absolute path outside', async () => {
    await expect(
      extract([{ name: 'h', type: '1', linkname: box.canary }], format),
    ).rejects.toMatchObject(UNSAFE);
    expect(await box.canaryIntact()).toBe(true);
  });

  it('refuses a hardlink with a .. linkname', async () => {
    await expect(
      extract([{ name: 'h', type: '1', linkname: '../canary' }], format),
    ).rejects.toMatchObject(UNSAFE);
    expect(await box.canaryIntact()).toBe(true);
  });

  it('refuses a hardlink through a symlinked directory to outside', async () => {
    await expect(
      extract(
        [
          { name: 'up', type: '2', linkname: '../' },
          { name: 'h', type: '1', linkname: 'up/canary' },
        ],
        format,
      ),
    ).rejects.toMatchObject(UNSAFE);
    expect(await box.canaryIntact()).toBe(true);
  });

  it('does not overwrite a hardlink target with a same-named file (CVE-2018-20834)', async () => {
    await extract(
      [
        { name: 'target', body: 'original' },
        { name: 'x', type: '1', linkname: 'target' },
        { name: 'x', body: 'pwned' },
      ],
      format,
    );
    expect(await readFile(join(box.dest, 'target'), 'utf8')).toBe('original');
    expect(await readFile(join(box.dest, 'x'), 'utf8')).toBe('pwned');
    expect(await box.canaryIntact()).toBe(true);
  });

  it('does not extract through a dir replaced by a same-named symlink (CVE-2021-32803)', async () => {
    await extract(
      [
        { name: 'd/', type: '5' },
        { name: 'd/first', body: 'fine' },
        { name: 'd', type: '2', linkname: box.base },
        { name: 'd/canary', body: 'pwned' },
      ],
      format,
    );
    expect(await box.canaryIntact()).toBe(true);
    expect((await lstat(join(box.dest, 'd'))).isSymbolicLink()).toBe(true);
  });

  it('refuses a whiteout climbing out with ../.wh.x', async () => {
    await expect(extract([{ name: '../.wh.canary' }], format)).rejects.toMatchObject(UNSAFE);
    expect(await box.canaryIntact()).toBe(true);
  });

  it('refuses the .wh... whiteout (whiteout of ..)', async () => {
    await expect(extract([{ name: 'a/.wh...' }], format)).rejects.toMatchObject(UNSAFE);
    expect(await box.canaryIntact()).toBe(true);
  });

  it('refuses a bare .wh. whiteout', async () => {
    await expect(extract([{ name: '.wh.' }], format)).rejects.toMatchObject(BAD);
  });

  it('keeps a whiteout through a symlinked dir inside destDir', async () => {
    await extract([{ name: 'up', type: '2', linkname: '..' }, { name: 'up/.wh.canary' }], format);
    expect(await box.canaryIntact()).toBe(true);
  });

  it('keeps an opaque marker through a symlinked dir inside destDir', async () => {
    await extract(
      [{ name: 'd', type: '2', linkname: box.base }, { name: 'd/.wh..wh..opq' }],
      format,
    );
    expect(await box.canaryIntact()).toBe(true);
  });

  it('refuses paths deeper than 1024 components (CVE-2024-28863 DoS)', async () => {
    const deep = Array.from({ length: 1100 }, () => 'a').join('/');
    await expect(
      extract([{ name: 'x', pax: { path: deep }, body: 'x' }], format),
    ).rejects.toMatchObject(UNSAFE);
  });

  it('refuses a PAX path override to ..', async () => {
    await expect(
      extract([{ name: 'innocent', pax: { path: '../canary' }, body: 'pwned' }], format),
    ).rejects.toMatchObject(UNSAFE);
    expect(await box.canaryIntact()).toBe(true);
  });

  it('refuses NUL in a PAX path', async () => {
    await expect(
      extract([{ name: 'innocent', pax: { path: 'ok\0/../../canary' }, body: 'x' }], format),
    ).rejects.toMatchObject(BAD);
    expect(await box.canaryIntact()).toBe(true);
  });

  it('refuses a symlink loop in a parent path (ELOOP, no endless walk)', async () => {
    await expect(
      extract(
        [
          { name: 'a', type: '2', linkname: 'b' },
          { name: 'b', type: '2', linkname: 'a' },
          { name: 'a/canary', body: 'pwned' },
        ],
        format,
      ),
    ).rejects.toMatchObject(UNSAFE);
    await expect(
      extract(
        [
          { name: 'self', type: '2', linkname: 'self/x' },
          { name: 'self/y', body: 'x' },
        ],
        format,
      ),
    ).rejects.toMatchObject(UNSAFE);
    expect(await box.canaryIntact()).toBe(true);
  });

  it('replaces a symlink to outside by a directory entry, then writes inside it', async () => {
    await extract(
      [
        { name: 'd', type: '2', linkname: box.base },
        { name: 'd/', type: '5' },
        { name: 'd/canary', body: 'pwned' },
      ],
      format,
    );
    expect((await lstat(join(box.dest, 'd'))).isDirectory()).toBe(true);
    expect(await readFile(join(box.dest, 'd/canary'), 'utf8')).toBe('pwned');
    expect(await box.canaryIntact()).toBe(true);
  });

  it('refuses a hardlink through a symlink to an outside directory', async () => {
    await expect(
      extract(
        [
          { name: 'host', type: '2', linkname: box.base },
          { name: 'h', type: '1', linkname: 'host/canary' },
        ],
        format,
      ),
    ).rejects.toMatchObject(UNSAFE);
    expect(await box.canaryIntact()).toBe(true);
  });

  it('follows a hardlink chain through an in-layer symlink only inside destDir', async () => {
    await extract(
      [
        { name: 'real/', type: '5' },
        { name: 'real/f', body: 'mine' },
        { name: 'via', type: '2', linkname: '/real' },
        { name: 'h1', type: '1', linkname: 'via/f' },
        { name: 'h2', type: '1', linkname: 'h1' },
      ],
      format,
    );
    const ino = (await lstat(join(box.dest, 'real/f'))).ino;
    expect((await lstat(join(box.dest, 'h2'))).ino).toBe(ino);
    await expect(
      extract(
        [
          { name: 'up', type: '2', linkname: '../..' },
          { name: 'h3', type: '1', linkname: 'up/canary' },
        ],
        format,
      ),
    ).rejects.toMatchObject(UNSAFE);
    expect(await box.canaryIntact()).toBe(true);
  });

  it('follows a replaced symlink anew, never the target it had before', async () => {
    await extract(
      [
        { name: 'a/', type: '5' },
        { name: 'l', type: '2', linkname: 'a' },
        { name: 'l/first', body: 'in a' },
        { name: 'l', type: '2', linkname: box.base },
        { name: 'l/canary', body: 'pwned' },
      ],
      format,
    );
    expect(await readFile(join(box.dest, 'a/first'), 'utf8')).toBe('in a');
    expect(await readFile(join(box.dest, box.base, 'canary'), 'utf8')).toBe('pwned');
    await expect(lstat(join(box.dest, 'a/canary'))).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await box.canaryIntact()).toBe(true);
  });

  it('replaces a symlink to a host file by a FIFO without touching the file', async () => {
    await extract(
      [
        { name: 'evil', type: '2', linkname: box.canary },
        { name: 'evil', type: '6', mode: 0o644 },
      ],
      format,
    );
    expect((await lstat(join(box.dest, 'evil'))).isFIFO()).toBe(true);
    expect(await box.canaryIntact()).toBe(true);
  });

  rootIt('replaces a hardlinked file by a device without touching the other link', async () => {
    await extract(
      [
        { name: 'target', body: 'original' },
        { name: 'x', type: '1', linkname: 'target' },
        { name: 'x', type: '3', devmajor: 1, devminor: 3 },
      ],
      format,
    );
    expect(await readFile(join(box.dest, 'target'), 'utf8')).toBe('original');
    expect((await lstat(join(box.dest, 'x'))).isCharacterDevice()).toBe(true);
  });

  it('refuses a hardlink to a path this layer whited out', async () => {
    await expect(
      extract([{ name: '.wh.gone' }, { name: 'h', type: '1', linkname: 'gone' }], format),
    ).rejects.toMatchObject(UNSAFE);
  });

  it('refuses a GNU long name climbing out', async () => {
    await expect(
      extract([{ name: 'x', gnuLongName: `${'a/'.repeat(60)}${'../'.repeat(62)}canary` }], format),
    ).rejects.toMatchObject(UNSAFE);
    expect(await box.canaryIntact()).toBe(true);
  });
});

// A layer's changeset lands on the layers below it in plain format; in overlay format each layer
// has its own directory, so nothing a lower layer planted is there to be followed.
describe('extractLayer attacks across layers (plain)', () => {
  it('keeps writes through a symlink a lower layer planted inside destDir', async () => {
    await extract(
      [
        { name: 'evil', type: '2', linkname: box.base },
        { name: 'rel', type: '2', linkname: '../..' },
      ],
      'plain',
    );
    await extract(
      [
        { name: 'evil/canary', body: 'pwned' },
        { name: 'rel/canary', body: 'pwned' },
      ],
      'plain',
    );
    expect(await box.canaryIntact()).toBe(true);
    expect(await readFile(join(box.dest, box.base, 'canary'), 'utf8')).toBe('pwned');
    expect(await readFile(join(box.dest, 'canary'), 'utf8')).toBe('pwned');
  });

  it("keeps a whiteout below a lower layer's symlinked directory inside destDir", async () => {
    await extract(
      [
        { name: 'usr/bin/', type: '5' },
        { name: 'usr/bin/tool', body: 't' },
        { name: 'bin', type: '2', linkname: 'usr/bin' },
        { name: 'host', type: '2', linkname: box.base },
      ],
      'plain',
    );
    await extract([{ name: 'bin/.wh.tool' }, { name: 'host/.wh.canary' }], 'plain');
    expect(await box.canaryIntact()).toBe(true);
    await expect(lstat(join(box.dest, 'usr/bin/tool'))).rejects.toMatchObject({ code: 'ENOENT' });
    expect((await lstat(join(box.dest, 'bin'))).isSymbolicLink()).toBe(true);
  });

  it('refuses a hardlink to a file only a lower layer has (as docker and containerd do)', async () => {
    await extract(
      [
        { name: 'lower', body: 'l' },
        { name: 'lowlink', type: '2', linkname: box.canary },
      ],
      'plain',
    );
    await expect(
      extract([{ name: 'h', type: '1', linkname: 'lower' }], 'plain'),
    ).rejects.toMatchObject(UNSAFE);
    await expect(
      extract([{ name: 'h', type: '1', linkname: 'lowlink' }], 'plain'),
    ).rejects.toMatchObject(UNSAFE);
    expect(await box.canaryIntact()).toBe(true);
  });
});
