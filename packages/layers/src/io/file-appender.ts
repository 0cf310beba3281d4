import { writev } from 'node:fs';

import type { WriteBudget } from './write-budget.js';

// Linux's UIO_MAXIOV: the most buffers one writev(2) takes.
const MAX_IOV = 1024;

/**
 * Appends buffers to a file descriptor on libuv's thread pool, in order, one writev(2) at a
 * time (whatever queued up meanwhile goes in the next one), so the calling thread goes on
 * parsing while the kernel copies into the page cache. Appended buffers must not be modified
 * until {@link flush} resolves. The descriptor stays the caller's to close, after `flush`.
 */
export class FileAppender {
  private queue: Buffer[] = [];
  private queued = 0;
  private running: Promise<void> | undefined;
  private failure: { err: unknown } | undefined;

  constructor(
    private readonly fd: number,
    private readonly budget: WriteBudget,
  ) {}

  /** Queues `chunk`; throws the error of an earlier write that failed. */
  append(chunk: Buffer): void {
    if (this.failure) throw this.failure.err;
    if (chunk.length === 0) return;

    this.queue.push(chunk);
    this.queued += chunk.length;
    this.budget.take(chunk.length);
    this.running ??= this.pump();
  }

  /** Resolves when everything appended is written; rejects with the first write error. */
  async flush(): Promise<void> {
    while (this.running) await this.running;
    if (this.failure) throw this.failure.err;
  }

  private async pump(): Promise<void> {
    while (this.queue.length > 0 && !this.failure) {
      const batch = this.queue.splice(0, MAX_IOV);
      const bytes = batch.reduce((n, b) => n + b.length, 0);
      this.queued -= bytes;
      try {
        await writeAll(this.fd, batch);
      } catch (err) {
        this.failure = { err };
      } finally {
        this.budget.give(bytes);
      }
    }

    // After a failure nothing more is written: release what was waiting.
    this.budget.give(this.queued);
    this.queue = [];
    this.queued = 0;
    this.running = undefined;
  }
}

/** writev(2) at the file offset until every byte is written (a short write continues). */
async function writeAll(fd: number, buffers: Buffer[]): Promise<void> {
  let rest = buffers;
  while (rest.length > 0) {
    const n = await new Promise<number>((resolve, reject) => {
      writev(fd, rest, (err, written) => (err ? reject(err) : resolve(written)));
    });
    // A regular file never takes zero bytes without an error; do not spin if one does.
    if (n === 0) throw Object.assign(new Error('writev wrote nothing'), { code: 'EIO' });
    rest = dropBytes(rest, n);
  }
}

function dropBytes(buffers: Buffer[], n: number): Buffer[] {
  let i = 0;
  let left = n;
  while (i < buffers.length && left >= (buffers[i] as Buffer).length) {
    left -= (buffers[i] as Buffer).length;
    i++;
  }
  const rest = buffers.slice(i);
  if (left > 0 && rest.length > 0) rest[0] = (rest[0] as Buffer).subarray(left);
  return rest;
}
