import { describe, it, expect, beforeEach, afterEach } from '@jest/globals';
import {
  access,
  lstat,
  readdir,
  readFile,
  writeFile,
  mkdir,
  link,
  chown,
  chmod,
} from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { constants, lsetxattr, mknod } from '@iza/ns-native';
import { mountRootfs, cleanupRootfs } from './index.js';
import { mountsUnder } from './mountinfo.js';
import { buildLayer, describeTree, makeTempDir } from './test-support/layer-builder.js';

const isRoot = process.getuid?.() === 0;
// mount(2) and trusted.* xattrs need CAP_SYS_ADMIN: these tests mount real overlays.
const describeRoot = isRoot ? describe : describe.skip;

let tmp: { dir: string; cleanup: () => Promise<void> };

beforeEach(async () => {
  tmp = await makeTempDir('rootfs');
});

afterEach(async () => {
  await cleanupRootfs(join(tmp.dir, 'c'));
  await cleanupRootfs(join(tmp.dir, 'c2'));
  await tmp.cleanup();
});

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/** Three layers exercising whiteouts, an opaque dir and a file replaced by a dir. */
async function whiteoutLayers(): Promise<string[]> {
  const base = await buildLayer(join(tmp.dir, 'l0'), [
    { path: 'etc/hostname', type: 'file', content: 'base' },
    { path: 'etc/gone', type: 'file', content: 'x' },
    { path: 'opt/old/a', type: 'file', content: 'a' },
    { path: 'opt/old/deep/b', type: 'file', content: 'b' },
    { path: 'var/thing', type: 'file', content: 'file' },
    { path: 'lib', type: 'symlink', target: 'usr/lib' },
  ]);
  const middle = await buildLayer(join(tmp.dir, 'l1'), [
    { path: 'etc/gone', type: 'whiteout' },
    { path: 'opt/old', type: 'dir', opaque: true },
    { path: 'opt/old/c', type: 'file', content: 'c' },
    { path: 'var/thing/inside', type: 'file', content: 'now a dir' },
  ]);
  const top = await buildLayer(join(tmp.dir, 'l2'), [
    { path: 'etc/hostname', type: 'file', content: 'top', mode: 0o600 },
    { path: 'lib', type: 'whiteout' },
  ]);
  return [base, middle, top];
}

const expectedMerged = [
  'etc 40755 0:0  []',
  'etc/hostname 100600 0:0 "top" nlink=1 []',
  'opt 40755 0:0  []',
  'opt/old 40755 0:0  []',
  'opt/old/c 100644 0:0 "c" nlink=1 []',
  'var 40755 0:0  []',
  'var/thing 40755 0:0  []',
  'var/thing/inside 100644 0:0 "now a dir" nlink=1 []',
];

describeRoot('mountRootfs (root, real mounts)', () => {
  it('shows whiteouts and opaque directories applied in the overlay', async () => {
    const layers = await whiteoutLayers();
    const rootfs = await mountRootfs({
      layers,
      containerDir: join(tmp.dir, 'c'),
      driver: 'overlay',
    });

    expect(rootfs.driver).toBe('overlay');
    expect(await describeTree(rootfs.path)).toEqual(expectedMerged);
    await rootfs.release();
  });

  it('gives the same tree with the copy driver', async () => {
    const layers = await whiteoutLayers();
    const rootfs = await mountRootfs({ layers, containerDir: join(tmp.dir, 'c'), driver: 'copy' });

    expect(rootfs.driver).toBe('copy');
    expect(await describeTree(rootfs.path)).toEqual(expectedMerged);
    expect(await mountsUnder(join(tmp.dir, 'c'))).toEqual([]);
    await rootfs.release();
  });

  it('matches overlay and copy entry by entry, with owners, setuid, xattrs, links and devices', async () => {
    const l0 = await buildLayer(join(tmp.dir, 'l0'), [
      { path: 'bin/su', type: 'file', content: 'su' },
      { path: 'data/one', type: 'file', content: 'shared' },
      { path: 'abs', type: 'symlink', target: '/etc/passwd' },
      { path: 'data/three', type: 'file', content: 'removed above' },
      { path: 'home/user', type: 'dir', mode: 0o700 },
    ]);
    await chown(join(l0, 'home/user'), 1000, 1000);
    await chown(join(l0, 'bin/su'), 0, 0);
    await chmod(join(l0, 'bin/su'), 0o4755);
    await link(join(l0, 'data/one'), join(l0, 'data/two'));
    lsetxattr(join(l0, 'bin/su'), 'user.note', Buffer.from([1, 0, 2]));
    lsetxattr(join(l0, 'bin/su'), 'trusted.custom', 'kept');
    mknod(join(l0, 'null'), constants().S_IFCHR | 0o666, 1, 3);
    mknod(join(l0, 'fifo'), constants().S_IFIFO | 0o640, 0, 0);
    const l1 = await buildLayer(join(tmp.dir, 'l1'), [
      { path: 'home/user/.profile', type: 'file', content: 'export X=1' },
      { path: 'data/three', type: 'whiteout' },
    ]);
    await chown(join(l1, 'home/user'), 1000, 1000);
    await chmod(join(l1, 'home/user'), 0o700);
    await chown(join(l1, 'home/user/.profile'), 1000, 100);

    const over = await mountRootfs({
      layers: [l0, l1],
      containerDir: join(tmp.dir, 'c'),
      driver: 'overlay',
    });
    const copy = await mountRootfs({
      layers: [l0, l1],
      containerDir: join(tmp.dir, 'c2'),
      driver: 'copy',
    });
    const overTree = await describeTree(over.path, true);
    const copyTree = await describeTree(copy.path, true);

    expect(copyTree).toEqual(overTree);
    const line = (name: string) => overTree.find((l) => l.startsWith(`${name} `));
    expect(line('bin/su')).toMatch(
      /^bin\/su 104755 0:0 "su" nlink=1 \[trusted.custom=6b657074 user.note=010002\]/,
    );
    expect(line('data/one')).toMatch(/"shared" nlink=2/);
    expect(line('data/three')).toBeUndefined();
    expect(line('home/user/.profile')).toMatch(/ 1000:100 /);
    expect(line('null')).toMatch(/^null 20644 0:0 rdev=259/);
    expect(line('abs')).toMatch(/-> \/etc\/passwd/);
    await over.release();
    await copy.release();
  });

  it.each(['overlay', 'copy'] as const)(
    'hides every lower layer under a layer whose root is opaque (%s)',
    async (driver) => {
      const layers = await whiteoutLayers();
      // `.wh..wh..opq` at the top of a layer tar: overlayfs ignores the xattr on a layer root.
      const top = await buildLayer(join(tmp.dir, 'l3'), [
        { path: 'only', type: 'file', content: 'alone' },
      ]);
      lsetxattr(top, 'trusted.overlay.opaque', 'y');
      const rootfs = await mountRootfs({
        layers: [...layers, top],
        containerDir: join(tmp.dir, 'c'),
        driver,
      });

      expect(await describeTree(rootfs.path)).toEqual(['only 100644 0:0 "alone" nlink=1 []']);
      await rootfs.release();
    },
  );

  it('puts writes in the upper directory and never in a layer', async () => {
    const layers = await whiteoutLayers();
    const before = await Promise.all(layers.map((l) => describeTree(l, true)));
    const containerDir = join(tmp.dir, 'c');
    const rootfs = await mountRootfs({ layers, containerDir, driver: 'overlay' });

    await writeFile(join(rootfs.path, 'etc/hostname'), 'changed');
    await writeFile(join(rootfs.path, 'new-file'), 'new');
    await mkdir(join(rootfs.path, 'opt/old/made'));
    execFileSync('rm', ['-rf', join(rootfs.path, 'var')]);

    expect(await readFile(join(containerDir, 'upper/etc/hostname'), 'utf8')).toBe('changed');
    expect(await readFile(join(containerDir, 'upper/new-file'), 'utf8')).toBe('new');
    expect((await lstat(join(containerDir, 'upper/var'))).isCharacterDevice()).toBe(true);
    expect(await Promise.all(layers.map((l) => describeTree(l, true)))).toEqual(before);
    await rootfs.release();
  });

  it('mounts a writable root volatile and hardened where the kernel accepts it', async () => {
    const layers = await whiteoutLayers();
    const containerDir = join(tmp.dir, 'c');
    const rootfs = await mountRootfs({ layers, containerDir, driver: 'overlay' });
    try {
      const line = (await readFile('/proc/self/mountinfo', 'utf8'))
        .split('\n')
        .find((l) => l.split(' ')[4] === rootfs.path);
      // This project's kernels (6.x) accept all of them (6.x shows volatile as fsync=volatile).
      expect(line).toMatch(/[ ,](fsync=)?volatile(,|$)/);
      expect(line).toMatch(/[ ,]redirect_dir=nofollow(,|$)/);
    } finally {
      await rootfs.release();
    }
  });

  it('mounts 120 layers (more than fit in one page as absolute paths)', async () => {
    const layers: string[] = [];
    for (let i = 0; i < 120; i++) {
      const dir = join(tmp.dir, 'layers-with-a-deliberately-long-directory-name', `layer-${i}`);
      layers.push(await buildLayer(dir, [{ path: `f${i}`, type: 'file', content: String(i) }]));
    }
    expect(layers.join(':').length).toBeGreaterThan(4096);

    const rootfs = await mountRootfs({
      layers,
      containerDir: join(tmp.dir, 'c'),
      driver: 'overlay',
    });

    expect((await readdir(rootfs.path)).length).toBe(120);
    expect(await readFile(join(rootfs.path, 'f0'), 'utf8')).toBe('0');
    expect(await readFile(join(rootfs.path, 'f119'), 'utf8')).toBe('119');
    await rootfs.release();
  });

  it('leaves no mount and no directory after release, and release is idempotent', async () => {
    const layers = await whiteoutLayers();
    const containerDir = join(tmp.dir, 'c');
    const rootfs = await mountRootfs({ layers, containerDir, driver: 'overlay' });
    expect(await mountsUnder(containerDir)).toEqual([join(containerDir, 'merged')]);

    await rootfs.release();
    await rootfs.release();

    expect(await mountsUnder(containerDir)).toEqual([]);
    expect(await exists(containerDir)).toBe(false);
    expect(await exists(layers[0] as string)).toBe(true);
  });

  it('detaches a busy mount on release', async () => {
    const layers = await whiteoutLayers();
    const containerDir = join(tmp.dir, 'c');
    const rootfs = await mountRootfs({ layers, containerDir, driver: 'overlay' });
    const child = execFileSync('sh', [
      '-c',
      `cd ${rootfs.path} && sleep 30 >/dev/null 2>&1 & echo $!`,
    ]);
    const pid = Number(child.toString().trim());

    try {
      await rootfs.release();
      expect(await mountsUnder(containerDir)).toEqual([]);
      expect(await exists(containerDir)).toBe(false);
    } finally {
      process.kill(pid, 'SIGKILL');
    }
  });

  it('cleans up the leftovers of a killed run', async () => {
    const layers = await whiteoutLayers();
    const containerDir = join(tmp.dir, 'c');
    await mountRootfs({ layers, containerDir, driver: 'overlay' });

    await cleanupRootfs(containerDir);

    expect(await mountsUnder(containerDir)).toEqual([]);
    expect(await exists(containerDir)).toBe(false);
  });

  describe('read-only', () => {
    it.each([0, 1, 2])('mounts %d layers with no upper and refuses writes', async (count) => {
      const all = await whiteoutLayers();
      const layers = all.slice(0, count);
      const containerDir = join(tmp.dir, 'c');
      const rootfs = await mountRootfs({ layers, containerDir, driver: 'overlay', readonly: true });

      expect(await exists(join(containerDir, 'upper'))).toBe(false);
      if (count === 0) {
        expect(await readdir(rootfs.path)).toEqual([]);
      } else {
        expect(await readFile(join(rootfs.path, 'etc/hostname'), 'utf8')).toBe('base');
        await expect(writeFile(join(rootfs.path, 'x'), 'x')).rejects.toMatchObject({
          code: 'EROFS',
        });
      }
      await rootfs.release();
      expect(await exists(containerDir)).toBe(false);
    });
  });

  it('gives an empty directory for an image with no layers', async () => {
    const rootfs = await mountRootfs({
      layers: [],
      containerDir: join(tmp.dir, 'c'),
      driver: 'overlay',
    });

    expect(await readdir(rootfs.path)).toEqual([]);
    await writeFile(join(rootfs.path, 'ok'), 'writable');
    await rootfs.release();
  });

  it('uses overlay for auto when the kernel supports it, with no warning', async () => {
    const warnings: string[] = [];
    const rootfs = await mountRootfs({
      layers: await whiteoutLayers(),
      containerDir: join(tmp.dir, 'c'),
      driver: 'auto',
      onWarning: (m) => warnings.push(m),
    });

    expect(rootfs.driver).toBe('overlay');
    expect(warnings).toEqual([]);
    await rootfs.release();
  });

  it('removes the container directory when a layer is missing', async () => {
    const containerDir = join(tmp.dir, 'c');
    const missing = join(tmp.dir, 'no-such-layer');

    await expect(
      mountRootfs({ layers: [missing, missing], containerDir, driver: 'overlay' }),
    ).rejects.toMatchObject({ code: 'ERR_IZA_OVERLAY_MOUNT_FAILED' });
    await expect(
      mountRootfs({ layers: [missing], containerDir, driver: 'copy' }),
    ).rejects.toMatchObject({ code: 'ERR_IZA_OVERLAY_COPY_FAILED' });
    expect(await exists(containerDir)).toBe(false);
  });
});

describe('mountRootfs option checks', () => {
  it.each([
    [{ layers: ['relative/layer'], driver: 'copy' }, /must be absolute/],
    [{ layers: [], driver: 'zfs' }, /unknown rootfs driver/],
  ])('rejects %j', async (opts, message) => {
    const options = { containerDir: join(tmp.dir, 'c'), ...opts } as Parameters<
      typeof mountRootfs
    >[0];

    await expect(mountRootfs(options)).rejects.toMatchObject({
      code: 'ERR_IZA_OVERLAY_INVALID_OPTIONS',
      message: expect.stringMatching(message),
    });
  });
});
