import { badTar } from '../errors.js';

/**
 * Pulls bytes from an async iterable on demand: nothing is read ahead beyond the chunk being
 * consumed, so the producer's backpressure holds and memory stays at one chunk or so.
 */
export class ByteSource {
  private readonly iterator: AsyncIterator<Uint8Array>;
  private chunk: Buffer = Buffer.alloc(0);
  private offset = 0;
  private ended = false;

  constructor(source: AsyncIterable<Uint8Array>) {
    this.iterator = source[Symbol.asyncIterator]();
  }

  /** Bytes available without reading, after `pull()` returned true. */
  private get available(): number {
    return this.chunk.length - this.offset;
  }

  /** Reads the next chunk; false at end of stream. */
  private async pull(): Promise<boolean> {
    if (this.ended) return false;

    const next = await this.iterator.next();
    if (next.done) {
      this.ended = true;
      return false;
    }
    const v = next.value;
    this.chunk = Buffer.isBuffer(v) ? v : Buffer.from(v.buffer, v.byteOffset, v.byteLength);
    this.offset = 0;
    return true;
  }

  /** Exactly `n` bytes, or undefined when the stream ends before the first byte. */
  async readExact(n: number, what: string): Promise<Buffer | undefined> {
    while (this.available === 0) {
      if (!(await this.pull())) return undefined;
    }
    if (this.available >= n) {
      const out = this.chunk.subarray(this.offset, this.offset + n);
      this.offset += n;
      return out;
    }

    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      if (this.available === 0 && !(await this.pull())) throw badTar(`truncated ${what}`);
      const take = Math.min(n - filled, this.available);
      this.chunk.copy(out, filled, this.offset, this.offset + take);
      this.offset += take;
      filled += take;
    }
    return out;
  }

  /** Yields the next `n` bytes as slices of the source chunks (no copies). */
  async *slices(n: number, what: string): AsyncGenerator<Buffer> {
    let left = n;
    while (left > 0) {
      if (this.available === 0 && !(await this.pull())) throw badTar(`truncated ${what}`);
      const take = Math.min(left, this.available);
      const out = this.chunk.subarray(this.offset, this.offset + take);
      this.offset += take;
      left -= take;
      yield out;
    }
  }

  /** Discards `n` bytes. */
  async skip(n: number, what: string): Promise<void> {
    let left = n;
    while (left > 0) {
      if (this.available === 0 && !(await this.pull())) throw badTar(`truncated ${what}`);
      const take = Math.min(left, this.available);
      this.offset += take;
      left -= take;
    }
  }

  /** Reads and drops everything left, so a hash computed upstream covers the whole stream. */
  async drain(): Promise<void> {
    this.offset = this.chunk.length;
    while (await this.pull()) this.offset = this.chunk.length;
  }

  /** Stops the producer early (on error), letting it release resources. */
  async close(): Promise<void> {
    await this.iterator.return?.();
  }
}
