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

  it('refuses a GNU long name climbing out', async () => {
    await expect(
      extract([{ name: 'x', gnuLongName: `${'a/'.repeat(60)}${'../'.repeat(62)}canary` }], format),
    ).rejects.toMatchObject(UNSAFE);
    expect(await box.canaryIntact()).toBe(true);
  });
});
