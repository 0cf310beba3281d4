import { describe, it, expect, beforeEach, afterEach } from '@jest/globals';
import { lstat, open, readdir, readFile, readlink, stat, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { mountRootfs } from './index.js';
import { buildLayer, describeTree, makeTempDir } from './test-support/layer-builder.js';

const isRoot = process.getuid?.() === 0;
// Whiteouts are char devices 0/0 and opaque dirs carry trusted.* xattrs: both need root.
const describeRoot = isRoot ? describe : describe.skip;

let tmp: { dir: string; cleanup: () => Promise<void> };

beforeEach(async () => {
  tmp = await makeTempDir('copy');
});

afterEach(async () => {
  await tmp.cleanup();
});

describeRoot('copy driver against hostile layers', () => {
  it('copies a symlink to a host file as a symlink and leaves the host file untouched', async () => {
    const hostFile = join(tmp.dir, 'host-secret');
    await writeFile(hostFile, 'host');
    const l0 = await buildLayer(join(tmp.dir, 'l0'), [
      { path: 'etc/passwd', type: 'symlink', target: hostFile },
    ]);
    const l1 = await buildLayer(join(tmp.dir, 'l1'), [
      { path: 'etc/passwd', type: 'file', content: 'container' },
    ]);

    const lower = await mountRootfs({
      layers: [l0],
      containerDir: join(tmp.dir, 'c0'),
      driver: 'copy',
    });
    expect(await readlink(join(lower.path, 'etc/passwd'))).toBe(hostFile);

    const both = await mountRootfs({
      layers: [l0, l1],
      containerDir: join(tmp.dir, 'c1'),
      driver: 'copy',
    });
    expect(await readFile(join(both.path, 'etc/passwd'), 'utf8')).toBe('container');
    expect(await readFile(hostFile, 'utf8')).toBe('host');

    await lower.release();
    await both.release();
    expect(await readFile(hostFile, 'utf8')).toBe('host');
  });

  it('never writes through a lower-layer symlink to a host directory', async () => {
    const hostDir = join(tmp.dir, 'host-dir');
    await mkdir(hostDir);
    const l0 = await buildLayer(join(tmp.dir, 'l0'), [
      { path: 'usr', type: 'symlink', target: hostDir },
    ]);
    const l1 = await buildLayer(join(tmp.dir, 'l1'), [
      { path: 'usr/bin/pwned', type: 'file', content: 'escape' },
    ]);

    const rootfs = await mountRootfs({
      layers: [l0, l1],
      containerDir: join(tmp.dir, 'c'),
      driver: 'copy',
    });

    expect((await lstat(join(rootfs.path, 'usr'))).isDirectory()).toBe(true);
    expect(await readFile(join(rootfs.path, 'usr/bin/pwned'), 'utf8')).toBe('escape');
    expect(await readdir(hostDir)).toEqual([]);
    await rootfs.release();
  });

  it('whites out a lower symlink to a host directory without touching its target', async () => {
    const hostDir = join(tmp.dir, 'host-dir');
    await mkdir(hostDir);
    await writeFile(join(hostDir, 'keep'), 'keep');
    const l0 = await buildLayer(join(tmp.dir, 'l0'), [
      { path: 'data', type: 'symlink', target: hostDir },
    ]);
    const l1 = await buildLayer(join(tmp.dir, 'l1'), [{ path: 'data', type: 'whiteout' }]);

    const rootfs = await mountRootfs({
      layers: [l0, l1],
      containerDir: join(tmp.dir, 'c'),
      driver: 'copy',
    });

    expect(await describeTree(rootfs.path)).toEqual([]);
    expect(await readdir(hostDir)).toEqual(['keep']);
    await rootfs.release();
    expect(await readdir(hostDir)).toEqual(['keep']);
  });

  it('keeps a sparse layer file sparse (holes cost no disk)', async () => {
    const l0 = await buildLayer(join(tmp.dir, 'l0'), [{ path: 'f', type: 'file', content: 'x' }]);
    const size = 512 * 2 ** 20;
    const sparse = await open(join(l0, 'holes'), 'w');
    await sparse.write('data', 3 * 2 ** 20 + 5);
    await sparse.truncate(size);
    await sparse.close();

    const rootfs = await mountRootfs({
      layers: [l0],
      containerDir: join(tmp.dir, 'c'),
      driver: 'copy',
    });

    const st = await stat(join(rootfs.path, 'holes'));
    expect(st.size).toBe(size);
    expect(st.blocks * 512).toBeLessThanOrEqual(2 ** 21);
    const fd = await open(join(rootfs.path, 'holes'), 'r');
    const { buffer } = await fd.read(Buffer.alloc(6), 0, 6, 3 * 2 ** 20 + 4);
    await fd.close();
    expect(buffer).toEqual(Buffer.from('\0data\0'));
    await rootfs.release();
  }, 60_000);

  it('does not treat an opaque directory as opaque over its own layer contents', async () => {
    const l0 = await buildLayer(join(tmp.dir, 'l0'), [
      { path: 'd/old', type: 'file', content: 'o' },
    ]);
    const l1 = await buildLayer(join(tmp.dir, 'l1'), [
      { path: 'd', type: 'dir', opaque: true },
      { path: 'd/new', type: 'file', content: 'n' },
    ]);
    const l2 = await buildLayer(join(tmp.dir, 'l2'), [
      { path: 'd/top', type: 'file', content: 't' },
    ]);

    const rootfs = await mountRootfs({
      layers: [l0, l1, l2],
      containerDir: join(tmp.dir, 'c'),
      driver: 'copy',
    });

    expect(await readdir(join(rootfs.path, 'd'))).toEqual(['new', 'top']);
    await rootfs.release();
  });
});
