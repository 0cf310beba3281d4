import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';

import { describe, expect, it } from '@jest/globals';

import { decompressStream, layerCompression } from '../index.js';

const tar = Buffer.concat([Buffer.from('not really a tar but bytes '), Buffer.alloc(200_000, 9)]);

async function run(bytes: Buffer, mediaType: string): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const c of Readable.from([bytes.subarray(0, 3), bytes.subarray(3)]).pipe(
    decompressStream(mediaType),
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

  zstdIt('decompresses zstd frames', async () => {
    const z = execFileSync('/usr/bin/zstd', ['-q', '-c'], { input: tar });
    const out = await run(z, 'application/vnd.oci.image.layer.v1.tar+zstd');
    expect(out.equals(tar)).toBe(true);
  });

  it('passes uncompressed layers through', async () => {
    expect((await run(tar, 'application/vnd.oci.image.layer.v1.tar')).equals(tar)).toBe(true);
  });

  it.each([
    ['gzip type with plain bytes', tar, 'application/vnd.oci.image.layer.v1.tar+gzip'],
    ['plain type with gzip bytes', gzipSync(tar), 'application/vnd.oci.image.layer.v1.tar'],
    ['zstd type with gzip bytes', gzipSync(tar), 'application/vnd.oci.image.layer.v1.tar+zstd'],
  ])('rejects a %s', async (_what, bytes, mt) => {
    await expect(run(bytes, mt)).rejects.toMatchObject({ code: 'ERR_IZA_LAYERS_BAD_COMPRESSION' });
  });

  it('reports corrupt gzip data', async () => {
    const gz = gzipSync(tar);
    gz[gz.length - 5] = (gz[gz.length - 5] ?? 0) ^ 0xff;
    await expect(run(gz, 'application/vnd.oci.image.layer.v1.tar+gzip')).rejects.toMatchObject({
      code: 'ERR_IZA_LAYERS_BAD_COMPRESSION',
    });
  });
});
