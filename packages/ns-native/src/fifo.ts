import { constants, promises as fs } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

import { ContainerSpecError } from './spawn-errors.js';

/**
 * The OCI `start` half of the create/start split: opens the exec fifo a `fifo`-mode child is
 * blocked on, reads its byte (the child then goes on to execve), reads on to the end of file,
 * which comes when the child has executed its program (its end of the fifo is close-on-exec)
 * or died, and removes the fifo, as runc's start does with its exec.fifo. Non-blocking,
 * polling (every millisecond at first, then every 5 ms), so a child that never came means a
 * timeout (`timeoutMs` for the byte), not a hang.
 */
export async function startContainerByFifo(path: string, options: { timeoutMs?: number } = {}) {
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  const handle = await fs.open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  // With O_NONBLOCK, 0 bytes is "no writer" (before the child reopened the fifo, or after it
  // closed it) and EAGAIN is "a writer, nothing written yet".
  const readOne = (buf: Buffer) =>
    handle.read(buf, 0, 1, null).then(
      (r) => (r.bytesRead === 1 ? 'byte' : 'none'),
      (err: NodeJS.ErrnoException) => {
        if (err.code === 'EAGAIN') return 'open';
        throw err;
      },
    );
  try {
    const buf = Buffer.alloc(1);
    for (let attempt = 0; (await readOne(buf)) !== 'byte'; attempt++) {
      if (Date.now() > deadline) {
        throw new ContainerSpecError(
          'ERR_IZA_NATIVE_FIFO_TIMEOUT',
          `no container process is waiting on exec fifo ${path}`,
          'the container may have exited during create; check its state',
        );
      }
      await sleep(attempt < 20 ? 1 : 5);
    }
    // The startContainer hooks run in between, for as long as they take (their own timeouts).
    for (let attempt = 0; (await readOne(buf)) !== 'none'; attempt++) {
      await sleep(attempt < 20 ? 1 : 5);
    }
  } finally {
    await handle.close();
  }
  await fs.unlink(path);
}
