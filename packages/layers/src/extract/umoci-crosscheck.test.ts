import { execFileSync } from 'node:child_process';
import { createReadStream, existsSync, lstatSync, mkdirSync, readFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, symlink, link, writeFile, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { constants, lgetxattr, lsetxattr, mknod } from '@iza/ns-native';

import { decompressStream, extractLayer } from '../index.js';
import { snapshotTree } from '../test-support/tree-snapshot.js';

// umoci (Debian package `umoci`) builds real layers with real whiteouts; root is needed for
// owners and devices. Both hold on this project's machines.
const UMOCI = '/usr/bin/umoci';
const ready = existsSync(UMOCI) && process.getuid?.() === 0;
const suite = ready ? describe : describe.skip;

let dir: string;
const umoci = (...args: string[]) => execFileSync(UMOCI, args, { cwd: dir, stdio: 'pipe' });

interface Layer {
  mediaType: string;
  digest: string;
}

function layers(): Layer[] {
  const blob = (d: string) => join(dir, 'img/blobs/sha256', d.slice(7));
  const index = JSON.parse(readFileSync(join(dir, 'img/index.json'), 'utf8'));
  const manifest = JSON.parse(readFileSync(blob(index.manifests[0].digest), 'utf8'));
  return manifest.layers as Layer[];
}

async function applyLayer(l: Layer, dest: string, format: 'plain' | 'overlay') {
  const src = createReadStream(join(dir, 'img/blobs/sha256', l.digest.slice(7)));
  await extractLayer(src.pipe(decompressStream(l.mediaType)), dest, { format });
}

async function populate(rootfs: string) {
  await mkdir(join(rootfs, 'etc/conf.d'), { recursive: true });
  await writeFile(join(rootfs, 'etc/passwd'), 'root:x:0:0::/root:/bin/sh\n');
  await writeFile(join(rootfs, 'etc/conf.d/a'), 'a');
  await writeFile(join(rootfs, 'etc/conf.d/b'), 'b');
  await mkdir(join(rootfs, 'opt/tool/lib'), { recursive: true });
  await writeFile(join(rootfs, 'opt/tool/lib/x.so'), Buffer.alloc(70000, 3));
  await writeFile(join(rootfs, 'opt/tool/run'), '#!/bin/sh\n');
  execFileSync('chown', ['1000:2000', join(rootfs, 'opt/tool/run')]);
  await chmod(join(rootfs, 'opt/tool/run'), 0o4755);
  await mkdir(join(rootfs, 'tmp'), { recursive: true });
  await chmod(join(rootfs, 'tmp'), 0o1777);
  await symlink('/etc/passwd', join(rootfs, 'abs-link'));
  await symlink('../etc/conf.d', join(rootfs, 'opt/rel-link'));
  await symlink('missing', join(rootfs, 'dangling'));
  await link(join(rootfs, 'etc/passwd'), join(rootfs, 'etc/passwd-hard'));
  mknod(join(rootfs, 'fifo'), constants().S_IFIFO | 0o600, 0, 0);
  mknod(join(rootfs, 'null'), constants().S_IFCHR | 0o666, 1, 3);
  await writeFile(join(rootfs, 'ping'), 'elf');
  lsetxattr(join(rootfs, 'ping'), 'user.note', Buffer.from([1, 0, 2]));
  lsetxattr(
    join(rootfs, 'ping'),
    'security.capability',
    Buffer.from('0100000200200000000000000000000000000000', 'hex'),
  );
  await writeFile(join(rootfs, 'odd name\nwith newline ü'), 'odd');
}

async function modify(rootfs: string) {
  await unlink(join(rootfs, 'etc/conf.d/a'));
  await rm(join(rootfs, 'opt/tool/lib'), { recursive: true });
  await rm(join(rootfs, 'tmp'), { recursive: true });
  await writeFile(join(rootfs, 'tmp'), 'tmp is a file now');
  await writeFile(join(rootfs, 'etc/passwd'), 'changed\n');
}

suite('cross-check with umoci', () => {
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'iza-umoci-'));
    umoci('init', '--layout', 'img');
    umoci('new', '--image', 'img:t');
    umoci('unpack', '--image', 'img:t', 'b1');
    await populate(join(dir, 'b1/rootfs'));
    umoci('repack', '--image', 'img:t', 'b1');
    umoci('unpack', '--image', 'img:t', 'b2');
    await modify(join(dir, 'b2/rootfs'));
    umoci('repack', '--image', 'img:t', 'b2');
    umoci('unpack', '--image', 'img:t', 'final');
  }, 60_000);
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('flattening the layers in plain format gives the tree umoci unpacks', async () => {
    const mine = join(dir, 'mine');
    mkdirSync(mine);
    const ls = layers();
    expect(ls).toHaveLength(2);
    for (const l of ls) await applyLayer(l, mine, 'plain');

    const theirs = snapshotTree(join(dir, 'final/rootfs'));
    const ours = snapshotTree(mine);
    expect(Object.keys(ours)).toEqual(Object.keys(theirs));
    for (const path of Object.keys(theirs))
      expect({ path, ...ours[path] }).toEqual({ path, ...theirs[path] });
    expect(theirs['opt/tool/run']).toMatchObject({ mode: 0o4755, uid: 1000, gid: 2000 });
    expect(theirs['ping']?.xattrs['security.capability']).toBeDefined();
  });

  it('unpacks the upper layer in overlay format with whiteout devices', async () => {
    const upper = join(dir, 'upper');
    mkdirSync(upper);
    await applyLayer(layers()[1] as Layer, upper, 'overlay');
    for (const gone of ['etc/conf.d/a', 'opt/tool/lib']) {
      const st = lstatSync(join(upper, gone));
      expect([gone, st.isCharacterDevice(), st.rdev]).toEqual([gone, true, 0]);
    }
    expect(readFileSync(join(upper, 'tmp'), 'utf8')).toBe('tmp is a file now');
    expect(lgetxattr(join(upper, 'etc'), 'trusted.overlay.opaque')).toBeNull();
  });
});
