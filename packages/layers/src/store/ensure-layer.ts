import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

import { IzaError, isIzaError } from '@iza/errors';
import { isSystemError } from '@iza/ns-native';

import { decompressStream } from '../compress/decompress.js';
import { layerCompression } from '../compress/media-types.js';
import { LayersErrorCode, noSpace } from '../errors.js';
import { extractLayer } from '../extract/extract-layer.js';
import type { ExtractWarning } from '../extract/extract-context.js';
import { fsyncDir, writeFileAtomic } from './atomic-fs.js';
import { BlobDownload } from './blob-download.js';
import { digestHex } from './digest.js';
import type { StoreLocks } from './locks.js';
import type { StorePaths } from './store-paths.js';

/** The parts of an OCI descriptor ensureLayer needs. */
export interface LayerDescriptor {
  mediaType: string;
  digest: string;
  size: number;
}

/** Progress of one layer's download, in compressed bytes. */
export interface LayerProgress {
  downloaded: number;
  total: number;
}

/** Arguments of {@link ImageStore.ensureLayer}. */
export interface EnsureLayerOptions {
  descriptor: LayerDescriptor;
  /** The layer's DiffID (`rootfs.diff_ids[i]` of the config). */
  diffId: string;
  /**
   * Opens the compressed blob starting at byte `offset` (send `Range: bytes=<offset>-`; on a 200
   * discard the first `offset` bytes yourself). Offset is non-zero when a partial download of an
   * earlier attempt is resumed. Not called when the layer or its blob is already stored.
   */
  openBlob: (offset: number) => Promise<AsyncIterable<Uint8Array> | Iterable<Uint8Array>>;
  onProgress?: (progress: LayerProgress) => void;
  onWarning?: (warning: ExtractWarning) => void;
  signal?: AbortSignal;
}

/** An unpacked layer in the store. */
export interface LayerRecord {
  diffId: string;
  /** The layer's `diff` directory in OverlayFS format. */
  path: string;
  /** Bytes of regular-file content in the layer. */
  size: number;
}

interface LayerMeta {
  diffId: string;
  size: number;
  entries: number;
  blob: string;
}

/** Reads a committed layer's record, or undefined when the layer is not (fully) stored. */
export function readLayer(paths: StorePaths, diffHex: string): LayerRecord | undefined {
  let meta: LayerMeta;
  try {
    meta = JSON.parse(readFileSync(paths.layerMeta(diffHex), 'utf8')) as LayerMeta;
  } catch {
    return undefined;
  }
  return { diffId: `sha256:${diffHex}`, path: paths.layerDiff(diffHex), size: meta.size };
}

/** Implements ImageStore.ensureLayer; see its doc comment. */
export async function ensureLayer(
  paths: StorePaths,
  locks: StoreLocks,
  opts: EnsureLayerOptions,
): Promise<LayerRecord> {
  const diffHex = digestHex(opts.diffId);
  const blobHex = digestHex(opts.descriptor.digest);
  layerCompression(opts.descriptor.mediaType);

  const ready = readLayer(paths, diffHex);
  if (ready !== undefined) return ready;

  // Lock order is always layer then blob, so two pulls cannot deadlock.
  const releaseLayer = await locks.acquire(`layer-${diffHex}`, opts.signal);
  try {
    const done = readLayer(paths, diffHex);
    if (done !== undefined) return done;

    const releaseBlob = await locks.acquire(`blob-${blobHex}`, opts.signal);
    try {
      return await unpack(paths, opts, diffHex, blobHex);
    } finally {
      releaseBlob();
    }
  } finally {
    releaseLayer();
  }
}

async function unpack(
  paths: StorePaths,
  opts: EnsureLayerOptions,
  diffHex: string,
  blobHex: string,
): Promise<LayerRecord> {
  const staging = join(paths.tmp, `layer~${diffHex}~${randomBytes(6).toString('hex')}`);
  const diffDir = join(staging, 'diff');
  mkdirSync(diffDir, { recursive: true });

  const haveBlob = existsSync(paths.blob(blobHex));
  const download = haveBlob ? undefined : new BlobDownload(paths, opts, blobHex);

  try {
    // Read-ahead and write budgets are per layer, and three layers are in flight: each MiB here
    // costs three in peak RSS (a big pull: 120 MB with 256 KiB, 135 MB with 1 MiB).
    const source =
      download?.bytes() ?? createReadStream(paths.blob(blobHex), { highWaterMark: 1 << 18 });
    const diffHash = createHash('sha256');
    let result = { entries: 0, size: 0 };

    // LIMITATION: peak RSS of a large layer is 135-142 MB (README, Known limitations), above 100 MB.
    await pipeline(
      Readable.from(source, { objectMode: false, highWaterMark: 1 << 18 }),
      decompressStream(opts.descriptor.mediaType),
      async (tar: AsyncIterable<Buffer>) => {
        result = await extractLayer(hashing(tar, diffHash), diffDir, {
          format: 'overlay',
          ...(opts.onWarning ? { onWarning: opts.onWarning } : {}),
        });
      },
      ...(opts.signal ? [{ signal: opts.signal }] : []),
    );

    download?.verify();
    const actual = `sha256:${diffHash.digest('hex')}`;
    if (actual !== opts.diffId) {
      throw new IzaError(
        LayersErrorCode.DiffIdMismatch,
        `layer ${opts.descriptor.digest} unpacks to ${actual}, but the image config says ${opts.diffId}`,
        {
          hint: 'the image is inconsistent or tampered with',
          details: { expected: opts.diffId, actual },
        },
      );
    }

    const meta: LayerMeta = { diffId: opts.diffId, blob: opts.descriptor.digest, ...result };
    writeFileAtomic(
      paths.tmp,
      join(staging, 'meta.json'),
      Buffer.from(JSON.stringify(meta)),
      staging,
    );
    await download?.commit();
    renameSync(staging, paths.layer(diffHex));
    fsyncDir(paths.layers);
    return { diffId: opts.diffId, path: paths.layerDiff(diffHex), size: result.size };
  } catch (err) {
    // Until nothing writes to the partial file, it must not be removed or resumed from.
    await download?.settle();
    rmSync(staging, { recursive: true, force: true });
    const full = isSystemError(err, 'ENOSPC', 'EDQUOT') || isIzaError(err, LayersErrorCode.NoSpace);
    if (full) download?.discard();
    else download?.abandon(err);
    if (isSystemError(err, 'ENOSPC', 'EDQUOT')) throw noSpace('unpacking a layer', err);
    throw err;
  }
}

async function* hashing(src: AsyncIterable<Buffer>, hash: ReturnType<typeof createHash>) {
  for await (const chunk of src) {
    hash.update(chunk);
    yield chunk;
  }
}
