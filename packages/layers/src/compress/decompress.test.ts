import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';

import { describe, expect, it } from '@jest/globals';

import { decompressStream, layerCompression } from '../index.js';
import type { DecompressOptions } from '../index.js';

/** Pids of this process's live `zstd` children (/proc/<pid>/stat: ppid is field 4). */
function childPids(): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => {
      try {
        const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        return stat.includes('(zstd)') && fields[0] !== 'Z' && fields[1] === String(process.pid);
      } catch {
        return false;
      }
    })
    .map(Number);
}

const tar = Buffer.concat([Buffer.from('not really a tar but bytes '), Buffer.alloc(200_000, 9)]);

async function run(
  bytes: Buffer,
  mediaType: string,
  options: DecompressOptions = {},
): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const c of Readable.from([bytes.subarray(0, 3), bytes.subarray(3)]).pipe(
    decompressStream(mediaType, options),
  )) {
    out.push(c as Buffer);
  }
  return Buffer.concat(out);
}

// The zstd CLI (Debian `zstd`) writes the reference frames.
const zstdIt = existsSync('/usr/bin/zstd') ? it : it.skip;

describe('decompressStream', () => {
  it.each([
    ['application/vnd.oci.image.layer.v1.tar+gzip', 'gzip'],
    ['application/vnd.docker.image.rootfs.diff.tar.gzip', 'gzip'],
    ['application/vnd.oci.image.layer.nondistributable.v1.tar+zstd', 'zstd'],
    ['application/vnd.docker.image.rootfs.foreign.diff.tar', 'none'],
  ])('maps %s to %s', (mt, c) => {
    expect(layerCompression(mt)).toBe(c);
  });

  it('refuses unknown media types', () => {
    expect(() => decompressStream('application/x-rar')).toThrow(
      expect.objectContaining({ code: 'ERR_IZA_LAYERS_UNSUPPORTED_MEDIA_TYPE' }),
    );
  });

  it('gunzips', async () => {
    const out = await run(gzipSync(tar), 'application/vnd.oci.image.layer.v1.tar+gzip');
    expect(out.equals(tar)).toBe(true);
  });

  const zstdOf = (b: Buffer) =>
    execFileSync('/usr/bin/zstd', ['-q', '-c'], { input: b, maxBuffer: 64 << 20 });
  const ZSTD_MT = 'application/vnd.oci.image.layer.v1.tar+zstd';
  const GZIP_MT = 'application/vnd.oci.image.layer.v1.tar+gzip';
  const DOCKER_TAR = 'application/vnd.docker.image.rootfs.diff.tar';
  const big = Buffer.concat(
    [tar, randomBytes(3_000_000).toString('base64').repeat(2)].map(Buffer.from),
  );

  zstdIt.each([
    ['the zstd CLI', '/usr/bin/zstd'],
    ['fzstd', false],
  ] as const)('decompresses zstd frames through %s', async (_what, zstdCommand) => {
    const z = zstdOf(big);
    const out = await run(z, ZSTD_MT, { zstdCommand });
    expect(out.equals(big)).toBe(true);
  });

  // fzstd does not verify the frame checksum: with it, only the DiffID check catches corruption.
  zstdIt.each([['the zstd CLI', '/usr/bin/zstd']] as const)(
    'reports corrupt zstd data through %s',
    async (_what, zstdCommand) => {
      const z = zstdOf(big);
      z[z.length >> 1] = (z[z.length >> 1] ?? 0) ^ 0xff;
      z[(z.length >> 1) + 1] = (z[(z.length >> 1) + 1] ?? 0) ^ 0xff;
      await expect(run(z, ZSTD_MT, { zstdCommand })).rejects.toMatchObject({
        code: 'ERR_IZA_LAYERS_BAD_COMPRESSION',
      });
    },
  );

  zstdIt('reports a truncated zstd stream from the CLI with its exit status', async () => {
    const z = zstdOf(big);
    const err = await run(z.subarray(0, z.length >> 1), ZSTD_MT, { zstdCommand: '/usr/bin/zstd' })
      .then(() => undefined)
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ERR_IZA_LAYERS_BAD_COMPRESSION' });
    expect(String((err as { cause?: Error }).cause?.message)).toMatch(/zstd exited with 1/);
  });

  zstdIt('kills the zstd child when the stream is destroyed', async () => {
    const z = zstdOf(big);
    const stream = decompressStream(ZSTD_MT, { zstdCommand: '/usr/bin/zstd' });
    stream.write(z.subarray(0, 1 << 20));
    await new Promise((r) => stream.once('data', r));
    const pids = childPids();
    expect(pids.length).toBeGreaterThan(0);
    stream.destroy();
    for (let i = 0; i < 100 && childPids().some((p) => pids.includes(p)); i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(childPids().filter((p) => pids.includes(p))).toEqual([]);
  });

  it('passes uncompressed layers through', async () => {
    expect((await run(tar, 'application/vnd.oci.image.layer.v1.tar')).equals(tar)).toBe(true);
  });

  // containerd (and docker, podman) decompress by the bytes: builders have mislabelled both ways.
  zstdIt.each([
    ['gzip type with plain bytes', () => tar, 'application/vnd.oci.image.layer.v1.tar+gzip'],
    ['zstd type with gzip bytes', () => gzipSync(tar), ZSTD_MT],
    ['gzip type with zstd bytes', () => zstdOf(tar), 'application/vnd.oci.image.layer.v1.tar+gzip'],
    ['docker diff.tar type with gzip bytes', () => gzipSync(tar), DOCKER_TAR],
    ['docker diff.tar type with zstd bytes', () => zstdOf(tar), DOCKER_TAR],
  ])('decompresses a %s by its bytes', async (_what, bytes, mt) => {
    expect((await run(bytes(), mt)).equals(tar)).toBe(true);
  });

  it.each([
    ['OCI plain type with gzip bytes', gzipSync(tar), 'application/vnd.oci.image.layer.v1.tar'],
    [
      'OCI non-distributable plain type with gzip bytes',
      gzipSync(tar),
      'application/vnd.oci.image.layer.nondistributable.v1.tar',
    ],
  ])('rejects an %s (containerd does not decompress them either)', async (_what, bytes, mt) => {
    await expect(run(bytes, mt)).rejects.toMatchObject({ code: 'ERR_IZA_LAYERS_BAD_COMPRESSION' });
  });

  it('reads gzip streams of several members, and ignores zero padding after the last', async () => {
    const [a, b] = [tar.subarray(0, 1000), tar.subarray(1000)];
    const members = Buffer.concat([gzipSync(a), gzipSync(b)]);
    expect((await run(members, GZIP_MT)).equals(tar)).toBe(true);
    const padded = Buffer.concat([gzipSync(tar), Buffer.alloc(4096)]);
    expect((await run(padded, GZIP_MT)).equals(tar)).toBe(true);
  });

  zstdIt.each([
    ['the zstd CLI', '/usr/bin/zstd'],
    ['fzstd', false],
  ] as const)('reads several zstd frames and skippable frames through %s', async (_w, cmd) => {
    // RFC 8878 §3.1.2: magic 0x184D2A5?, a 4-byte length, then bytes every decoder skips.
    const skippable = Buffer.concat([
      Buffer.from([0x5e, 0x2a, 0x4d, 0x18, 3, 0, 0, 0]),
      tar.subarray(0, 3),
    ]);
    const [a, b] = [tar.subarray(0, 5000), tar.subarray(5000)];
    const frames = Buffer.concat([skippable, zstdOf(a), skippable, zstdOf(b), skippable]);
    expect((await run(frames, ZSTD_MT, { zstdCommand: cmd })).equals(tar)).toBe(true);
  });

  it('reports corrupt gzip data', async () => {
    const gz = gzipSync(tar);
    gz[gz.length - 5] = (gz[gz.length - 5] ?? 0) ^ 0xff;
    await expect(run(gz, 'application/vnd.oci.image.layer.v1.tar+gzip')).rejects.toMatchObject({
      code: 'ERR_IZA_LAYERS_BAD_COMPRESSION',
    });
  });
});
