/**
 * Joins small chunks (a socket's 16-64 KiB reads) into chunks of at least `size` bytes. Every
 * stage after the network pays per chunk: zlib alone costs twice the CPU inflating a layer fed
 * 64 KiB at a time (271 MB of output here: 646 ms fed 64 KiB, 355 ms fed 256 KiB, 331 ms fed
 * 1 MiB), through one thread-pool round trip per write.
 */
export class ChunkJoiner {
  private parts: Buffer[] = [];
  private held = 0;

  constructor(readonly size: number) {}

  /** Adds `chunk`; returns a joined chunk once at least `size` bytes are held. */
  push(chunk: Buffer): Buffer | undefined {
    if (this.held === 0 && chunk.length >= this.size) return chunk;

    this.parts.push(chunk);
    this.held += chunk.length;
    return this.held >= this.size ? this.take() : undefined;
  }

  /** Everything held, joined; undefined when nothing is. */
  take(): Buffer | undefined {
    if (this.held === 0) return undefined;

    const out = this.parts.length === 1 ? this.parts[0] : Buffer.concat(this.parts, this.held);
    this.parts = [];
    this.held = 0;
    return out;
  }
}
