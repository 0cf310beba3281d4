import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LAYERS_EXACT_TAGS } from './harness/fixtures/layers-exact.js';
import { iza } from './harness/iza.js';
import { makeIzaRoot, removeIzaRoot } from './harness/iza-root.js';
import { mountsUnder } from './harness/mountinfo.js';
import { fixture } from './harness/suite-state.js';
import { tool } from './harness/tool.js';
import { diffTrees, snapshotTree, type TreeEntry } from './harness/tree-snapshot.js';

// The rootfs iza builds from the layers-exact images must equal umoci's unpack of the same OCI
// layout, entry by entry: type, mode with setuid/setgid/sticky, owner, size and content hash,
// link target, device numbers, hardlink identity and xattrs (see fixtures/layers-exact-rootfs.ts
// for what each layer holds). One tag per layer, so a mismatch names the layer that caused it.

const references = new Map<string, Map<string, TreeEntry>>();
let refDir: string;

beforeAll(async () => {
  refDir = await mkdtemp(join(tmpdir(), 'iza-e2e-umoci-ref-'));
  for (const tag of LAYERS_EXACT_TAGS) {
    const image = fixture(`layers-exact:${tag}`);
    const bundle = join(refDir, tag);
    await tool('umoci', ['unpack', '--image', `${image.layout}:${image.layoutTag}`, bundle]);
    references.set(tag, await snapshotTree(join(bundle, 'rootfs')));
  }
});

afterAll(async () => {
  await rm(refDir, { recursive: true, force: true });
});

describe.each(['overlay', 'copy'] as const)('with --storage-driver %s', (driver) => {
  let root: string;
  const run = (args: string[]) => iza(['--storage-driver', driver, ...args], { root });

  beforeAll(async () => {
    root = await makeIzaRoot(`exact-${driver}`);
  });

  afterAll(async () => {
    expect(await removeIzaRoot(root)).toEqual([]);
  });

  it.each(LAYERS_EXACT_TAGS)(
    'iza image mount of layers-exact:%s equals umoci unpack',
    async (tag) => {
      const image = fixture(`layers-exact:${tag}`);
      const pull = await run(['pull', '-q', image.ref]);
      expect(pull).toMatchObject({ exitCode: 0 });

      const mount = await run(['image', 'mount', image.ref]);
      expect(mount).toMatchObject({ exitCode: 0 });
      const rootfs = mount.stdout.trim();
      let differences: string[];
      try {
        differences = diffTrees(references.get(tag) ?? new Map(), await snapshotTree(rootfs));
      } finally {
        expect(await run(['image', 'umount', image.ref])).toMatchObject({ exitCode: 0 });
      }
      expect(differences).toEqual([]);
    },
  );

  it('leaves nothing mounted under the root', () => {
    expect(mountsUnder(root)).toEqual([]);
  });
});
