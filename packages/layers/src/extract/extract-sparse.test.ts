import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';

import { extractLayer } from '../index.js';
import { makeSandbox } from '../test-support/sandbox.js';
import type { Sandbox } from '../test-support/sandbox.js';
import { buildTar, chunked, paxBody } from '../test-support/tar-builder.js';
import type { RawEntry } from '../test-support/tar-builder.js';

// GNU tar (Debian `tar`) writes the reference sparse archives, in each of its four formats.
const gnuTarIt = existsSync('/usr/bin/tar') ? it : it.skip;

let box: Sandbox;
beforeEach(async () => {
  box = await makeSandbox();
});
afterEach(async () => {
  await box.cleanup();
});

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const BAD = { code: 'ERR_IZA_LAYERS_BAD_TAR' };

const RUNS = 100;
const SIZE = 12 * 1024 * 1024;

/**
 * A 12 MiB file holding 100 short runs of data, the rest holes: more runs than an old GNU header
 * holds (4), and a 1.0 map longer than one block.
 */
function sparseFile(path: string): void {
  const fd = openSync(path, 'w');
  for (let i = 0; i < RUNS; i++) {
    const run = Buffer.from(`run ${i} `.repeat(i + 1));
    writeSync(fd, run, 0, run.length, i * 100_000 + (i % 7));
  }
  writeSync(fd, Buffer.from('tail'), 0, 4, SIZE - 4);
  closeSync(fd);
}

function extract(tar: Buffer) {
  return extractLayer(chunked(tar, 3000), box.dest, { format: 'overlay' });
}

/** A PAX 0.1 sparse entry by hand: `records` are added to the `x` header. */
function pax01(records: Record<string, string>, data: string, type = '0'): RawEntry[] {
  return [
    {
      name: 'PaxHeader',
      type: 'x',
      body: paxBody({ 'GNU.sparse.major': '0', 'GNU.sparse.minor': '1', ...records }),
    },
    { name: './GNUSparseFile.1/f', type, body: data },
  ];
}

describe('GNU sparse files', () => {
  gnuTarIt.each([
    ['old GNU (S entries)', ['--format=gnu']],
    ['PAX 0.0', ['--format=posix', '--sparse-version=0.0']],
    ['PAX 0.1', ['--format=posix', '--sparse-version=0.1']],
    ['PAX 1.0', ['--format=posix', '--sparse-version=1.0']],
  ])('unpacks %s archives exactly, holes kept', async (_what, args) => {
    const src = mkdtempSync(join(tmpdir(), 'iza-sparse-src-'));
    sparseFile(join(src, 'lastlog'));
    const tar = execFileSync('tar', ['-C', src, '--sparse', ...args, '-cf', '-', 'lastlog'], {
      maxBuffer: 64 << 20,
    });
    const original = readFileSync(join(src, 'lastlog'));
    rmSync(src, { recursive: true });
    expect(tar.length).toBeLessThan(SIZE / 10);

    const result = await extract(tar);

    const out = join(box.dest, 'lastlog');
    expect(sha(readFileSync(out))).toBe(sha(original));
    expect(statSync(out).size).toBe(SIZE);
    expect(statSync(out).blocks * 512).toBeLessThan(SIZE / 4);
    expect(result.size).toBe(SIZE);
    expect(await box.canaryIntact()).toBe(true);
  });

  it('keeps a hostile terabyte of holes off the disk', async () => {
    const tib = 2 ** 40;
    const tar = buildTar(
      pax01(
        {
          'GNU.sparse.name': 'huge',
          'GNU.sparse.size': String(tib),
          'GNU.sparse.numblocks': '1',
          'GNU.sparse.map': `${tib - 4},4`,
        },
        'END!',
      ),
    );
    await extract(tar);
    const st = statSync(join(box.dest, 'huge'));
    expect(st.size).toBe(tib);
    expect(st.blocks * 512).toBeLessThan(64 * 1024);
  });

  it.each([
    [
      'overlapping segments',
      pax01(
        { 'GNU.sparse.size': '100', 'GNU.sparse.numblocks': '2', 'GNU.sparse.map': '0,4,2,4' },
        'abcdefgh',
      ),
    ],
    [
      'a segment past the real size',
      pax01(
        { 'GNU.sparse.size': '10', 'GNU.sparse.numblocks': '1', 'GNU.sparse.map': '8,4' },
        'abcd',
      ),
    ],
    [
      'a map holding less data than the entry',
      pax01(
        { 'GNU.sparse.size': '100', 'GNU.sparse.numblocks': '1', 'GNU.sparse.map': '0,2' },
        'abcd',
      ),
    ],
    [
      'a map count that disagrees with numblocks',
      pax01(
        { 'GNU.sparse.size': '100', 'GNU.sparse.numblocks': '2', 'GNU.sparse.map': '0,4' },
        'abcd',
      ),
    ],
    [
      'an unknown sparse version',
      buildTar([
        {
          name: 'PaxHeader',
          type: 'x',
          body: paxBody({ 'GNU.sparse.major': '2', 'GNU.sparse.minor': '0' }),
        },
        { name: 'f', body: 'x' },
      ]),
    ],
    [
      'a sparse map on a directory',
      pax01({ 'GNU.sparse.size': '4', 'GNU.sparse.numblocks': '0', 'GNU.sparse.map': '' }, '', '5'),
    ],
    [
      'a 1.0 map longer than its entry',
      buildTar([
        {
          name: 'PaxHeader',
          type: 'x',
          body: paxBody({
            'GNU.sparse.major': '1',
            'GNU.sparse.minor': '0',
            'GNU.sparse.realsize': '100',
          }),
        },
        { name: 'f', body: '999999\n' },
      ]),
    ],
  ])('refuses %s', async (_what, entries) => {
    const tar = Array.isArray(entries) ? buildTar(entries) : entries;
    await expect(extract(tar)).rejects.toMatchObject(BAD);
  });
});
