import { closeSync, open, openSync, rmSync } from 'node:fs';
import { join } from 'node:path';

import { constants, mknod } from '@iza/ns-native';

/** Every thread of libuv's pool blocked until {@link release}; see {@link holdThreadPool}. */
export interface ThreadPoolHold {
  /** Unblocks the pool and waits until the blocking opens have returned. */
  release(): Promise<void>;
}

/**
 * Occupies every thread of libuv's pool with an open(2) of a FIFO that blocks until a writer
 * appears, so that work queued after this call (writes behind) cannot run until `release()`.
 * Tests use it to make "this write is still pending" a certainty instead of a race. The FIFOs
 * are made in `dir`, which the caller owns.
 */
export function holdThreadPool(dir: string): ThreadPoolHold {
  const threads = Number(process.env['UV_THREADPOOL_SIZE'] ?? 4);
  const fifos = Array.from({ length: threads }, (_, i) => join(dir, `pool-hold-${i}`));
  for (const f of fifos) mknod(f, constants().S_IFIFO | 0o600);

  // Queued before anything the test starts next, so each takes a pool thread first.
  const readers = fifos.map(
    (f) =>
      new Promise<number>((resolve, reject) =>
        open(f, 'r', (err, fd) => (err ? reject(err) : resolve(fd))),
      ),
  );

  return {
    async release() {
      // O_RDWR never blocks on a FIFO and counts as a writer: each blocked reader returns.
      const writers = fifos.map((f) => openSync(f, 'r+'));
      const fds = await Promise.all(readers);
      for (const fd of [...fds, ...writers]) closeSync(fd);
      for (const f of fifos) rmSync(f);
    },
  };
}
