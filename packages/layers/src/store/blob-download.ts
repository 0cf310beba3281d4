import { createHash } from 'node:crypto';
import {
  closeSync,
  createReadStream,
  fsync,
  openSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import { promisify } from 'node:util';

import type { IzaError } from '@iza/errors';

import { ChunkJoiner } from '../io/chunk-joiner.js';
import { FileAppender } from '../io/file-appender.js';
import { WriteBudget } from '../io/write-budget.js';
import { fsyncDir } from './atomic-fs.js';
import { digestMismatch } from './digest.js';
import type { EnsureLayerOptions } from './ensure-layer.js';
import type { StorePaths } from './store-paths.js';

/** Compressed bytes handed to the thread pool for the partial file and not yet written. */
const BLOB_WRITE_BYTES = 1024 * 1024;

/**
 * Network reads are joined into chunks this large before they are hashed and inflated: 256 KiB
 * gets most of zlib's gain (io/chunk-joiner.ts) for a quarter of the memory of 1 MiB (a big
 * pull's peak RSS: 120 against 135 MB).
 */
const BLOB_CHUNK_BYTES = 256 * 1024;

const fsyncAsync = promisify(fsync);

/**
 * A compressed blob streamed once from the network: appended to a partial file in tmp (so a
 * later attempt can resume with a Range request), hashed inline, committed into the OCI layout
 * only when its digest and size match the descriptor. The appends and the final fsync run on
 * libuv's thread pool while the same bytes are inflated and unpacked here; the partial file is
 * always a prefix of the blob, and {@link settle} waits until nothing writes to it any more.
 */
export class BlobDownload {
  private readonly partial: string;
  private readonly hash = createHash('sha256');
  private received = 0;
  /** True when the failure came from the network source: the partial file is worth keeping. */
  private sourceFailed = false;
  /** The appends, fsync and close that follow the last network chunk. */
  private written: Promise<void> | undefined;

  constructor(
    private readonly paths: StorePaths,
    private readonly opts: EnsureLayerOptions,
    private readonly hex: string,
  ) {
    this.partial = paths.partialBlob(hex);
  }

  async *bytes(): AsyncGenerator<Buffer> {
    const size = statSync(this.partial, { throwIfNoEntry: false })?.size ?? 0;
    const total = this.opts.descriptor.size;
    // A partial longer than the blob cannot be a prefix of it.
    const offset = size <= total ? size : 0;
    if (offset === 0) rmSync(this.partial, { force: true });

    if (offset > 0) {
      const prefix = createReadStream(this.partial, { highWaterMark: BLOB_CHUNK_BYTES });
      for await (const chunk of prefix as AsyncIterable<Buffer>) {
        yield this.count(chunk);
      }
    }

    const fd = openSync(this.partial, 'a', 0o644);
    const budget = new WriteBudget(BLOB_WRITE_BYTES);
    const out = new FileAppender(fd, budget);
    const joiner = new ChunkJoiner(BLOB_CHUNK_BYTES);
    let seen = this.received;
    let complete = false;
    try {
      const network = await this.open(offset);
      for (;;) {
        const next = await this.next(network);
        if (next.done) break;
        const chunk = toBuffer(next.value);
        seen += chunk.length;
        if (seen > total) throw this.sizeError(seen);

        // Every byte received goes to the partial file at once (a resume starts after it);
        // the stages after this one get it in larger chunks.
        out.append(chunk);
        const joined = joiner.push(chunk);
        if (joined === undefined) continue;
        yield this.count(joined);
        if (budget.full) await budget.room();
      }
      const rest = joiner.take();
      if (rest !== undefined) yield this.count(rest);
      complete = true;
    } finally {
      // On success the fsync runs while the last bytes are unpacked; commit() waits for it.
      const written = complete ? out.flush().then(() => fsyncAsync(fd)) : out.flush();
      this.written = written.finally(() => closeSync(fd));
      // Handled now, awaited later (commit or settle): a rejection must not go unhandled.
      this.written.catch(() => undefined);
    }
  }

  /** Checks size and digest of everything received. */
  verify(): void {
    if (this.received !== this.opts.descriptor.size) throw this.sizeError(this.received);
    const actual = `sha256:${this.hash.digest('hex')}`;
    if (actual !== this.opts.descriptor.digest) {
      throw digestMismatch('layer blob', this.opts.descriptor.digest, actual);
    }
  }

  /** Moves the partial file, written and fsynced, into the OCI layout. */
  async commit(): Promise<void> {
    await this.written;
    renameSync(this.partial, this.paths.blob(this.hex));
    fsyncDir(this.paths.blobs);
  }

  /** After a failure: waits until nothing writes to the partial file, ignoring write errors. */
  async settle(): Promise<void> {
    await this.written?.catch(() => undefined);
  }

  /** After a failure: keep the partial only if the network broke off mid-download. */
  abandon(err: unknown): void {
    const cancelled = err instanceof Error && err.name === 'AbortError';
    if (!this.sourceFailed && !cancelled) this.discard();
  }

  discard(): void {
    rmSync(this.partial, { force: true });
  }

  private async open(offset: number): Promise<AsyncIterator<Uint8Array> | Iterator<Uint8Array>> {
    try {
      const src = await this.opts.openBlob(offset);
      return Symbol.asyncIterator in src ? src[Symbol.asyncIterator]() : src[Symbol.iterator]();
    } catch (err) {
      this.sourceFailed = true;
      throw err;
    }
  }

  private async next(
    network: AsyncIterator<Uint8Array> | Iterator<Uint8Array>,
  ): Promise<IteratorResult<Uint8Array>> {
    try {
      return await network.next();
    } catch (err) {
      this.sourceFailed = true;
      throw err;
    }
  }

  private count(chunk: Buffer): Buffer {
    this.hash.update(chunk);
    this.received += chunk.length;
    this.opts.onProgress?.({ downloaded: this.received, total: this.opts.descriptor.size });
    return chunk;
  }

  private sizeError(got: number): IzaError {
    return digestMismatch(
      'layer blob',
      `${this.opts.descriptor.digest} (${this.opts.descriptor.size} bytes)`,
      `${got} bytes or more`,
    );
  }
}

function toBuffer(v: Uint8Array): Buffer {
  return Buffer.isBuffer(v) ? v : Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}
