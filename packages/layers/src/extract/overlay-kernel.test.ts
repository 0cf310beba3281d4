import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { lsetxattr } from '@iza/ns-native';

import { extractLayer } from '../index.js';
import { buildTar, chunked } from '../test-support/tar-builder.js';
import type { RawEntry } from '../test-support/tar-builder.js';
import { snapshotTree } from '../test-support/tree-snapshot.js';

// The overlay format is a contract with the kernel: these tests mount the layer directories
// read-only with overlayfs and compare the merged view with the same layers applied in plain
// format. They need root and overlayfs, which this project's machines have.
const ready =
  process.getuid?.() === 0 && readFileSync('/proc/filesystems', 'utf8').includes('overlay');
const suite = ready ? describe : describe.skip;

let base: string;
let mounted: string[] = [];

beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), 'iza-overlay-kernel-'));
  mounted = [];
});
afterEach(async () => {
  for (const m of mounted.reverse()) execFileSync('umount', [m]);
  await rm(base, { recursive: true, force: true });
});

/** Extracts each layer in overlay format into its own directory, bottom → top. */
async function overlayLayers(layers: RawEntry[][]): Promise<string[]> {
  const dirs: string[] = [];
  for (const [i, entries] of layers.entries()) {
    const dir = join(base, `layer${i}`);
    mkdirSync(dir);
    await extractLayer(chunked(buildTar(entries)), dir, { format: 'overlay' });
    dirs.push(dir);
  }
  return dirs;
}

/** A read-only overlay of `dirs` (bottom → top), as `iza image mount` makes it. */
function mountLowers(dirs: string[]): string {
  const merged = join(base, `merged${mounted.length}`);
  mkdirSync(merged);
  const data = `lowerdir=${[...dirs].reverse().join(':')}`;
  execFileSync('mount', ['-t', 'overlay', 'overlay', '-o', `ro,${data}`, merged]);
  mounted.push(merged);
  return merged;
}

async function plain(layers: RawEntry[][]): Promise<string> {
  const dir = join(base, 'plain');
  mkdirSync(dir);
  for (const entries of layers)
    await extractLayer(chunked(buildTar(entries)), dir, { format: 'plain' });
  return dir;
}

const LOWER: RawEntry[] = [
  { name: 'x/', type: '5' },
  { name: 'x/old', body: 'lower' },
  { name: 'x/sub/', type: '5' },
  { name: 'x/sub/deep', body: 'lower' },
];

suite('overlay format seen through overlayfs', () => {
  it.each([
    [
      'whiteout first',
      [{ name: '.wh.x' }, { name: 'x/', type: '5' }, { name: 'x/new', body: 'n' }],
    ],
    [
      'directory first',
      [{ name: 'x/', type: '5' }, { name: 'x/new', body: 'n' }, { name: '.wh.x' }],
    ],
  ] as [string, RawEntry[]][])(
    'hides the lower children of a directory the same layer whites out and writes (%s)',
    async (_order, upper) => {
      const merged = mountLowers(await overlayLayers([LOWER, upper]));
      const flat = await plain([LOWER, upper]);

      expect(readdirSync(join(merged, 'x'))).toEqual(['new']);
      expect(readdirSync(join(flat, 'x'))).toEqual(['new']);
    },
  );

  it('hides them too when the directory is only implied by a child written before .wh.x', async () => {
    const upper: RawEntry[] = [{ name: 'x/new', body: 'n' }, { name: '.wh.x' }];
    const merged = mountLowers(await overlayLayers([LOWER, upper]));
    expect(readdirSync(join(merged, 'x'))).toEqual(['new']);
  });

  it('drops a trusted.overlay.redirect xattr that would expose a 0700 lower directory', async () => {
    const lower: RawEntry[] = [
      { name: 'secret/', type: '5', mode: 0o700 },
      { name: 'secret/key', body: 'private key' },
    ];
    const hostile: RawEntry[] = [
      {
        name: 'peek/',
        type: '5',
        mode: 0o755,
        pax: { 'SCHILY.xattr.trusted.overlay.redirect': '/secret' },
      },
    ];
    const dirs = await overlayLayers([lower, hostile]);
    expect(readdirSync(join(mountLowers(dirs), 'peek'))).toEqual([]);

    // Control: the same xattr set by hand is followed by this kernel (redirect_always_follow),
    // so the check above would see the key if extraction kept it.
    lsetxattr(join(dirs[1] as string, 'peek'), 'trusted.overlay.redirect', '/secret');
    const exposed = mountLowers(dirs);
    expect(readFileSync(join(exposed, 'peek/key'), 'utf8')).toBe('private key');
  });

  it('gives the tree plain format gives for whiteouts, opaque dirs and type changes', async () => {
    const layers: RawEntry[][] = [
      [
        ...LOWER,
        { name: 'f', body: 'file' },
        { name: 'd/', type: '5' },
        { name: 'd/in', body: 'i' },
      ],
      [
        { name: 'x/.wh..wh..opq' },
        { name: 'x/fresh', body: 'f' },
        { name: '.wh.f' },
        { name: 'f/', type: '5' },
        { name: 'f/child', body: 'c' },
        { name: 'd', body: 'now a file' },
      ],
    ];
    const merged = mountLowers(await overlayLayers(layers));
    const flat = await plain(layers);

    expect(snapshotTree(merged)).toEqual(snapshotTree(flat));
    expect(existsSync(join(merged, 'x/old'))).toBe(false);
  });
});
