/**
 * Bytes handed to libuv's thread pool for writing and not yet written, shared by the writers of
 * one stream. The producer waits on {@link room} so that a disk slower than the network and the
 * inflater holds the stream back instead of filling memory.
 */
export class WriteBudget {
  private used = 0;
  private waiters: Array<() => void> = [];

  /** `limit`: bytes in flight above which {@link room} waits. */
  constructor(readonly limit: number) {}

  /** Bytes in flight now. */
  get held(): number {
    return this.used;
  }

  /** True when the producer should wait for {@link room} before handing over more. */
  get full(): boolean {
    return this.used > this.limit;
  }

  take(bytes: number): void {
    this.used += bytes;
  }

  give(bytes: number): void {
    this.used -= bytes;
    if (this.used > this.limit) return;
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  /** Resolves once the bytes in flight are at or under the limit. */
  async room(): Promise<void> {
    while (this.used > this.limit) await new Promise<void>((r) => this.waiters.push(r));
  }
}
