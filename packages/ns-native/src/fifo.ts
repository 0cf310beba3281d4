import { constants, promises as fs } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

import { ContainerSpecError } from './spawn-errors.js';

/**
 * The OCI `start` half of the create/start split: opens the exec fifo a `fifo`-mode child is
 * blocked on, reads its byte (the child then goes on to execve) and removes the fifo, as runc's
 * exec.fifo. Non-blocking, polling (every millisecond at first: the child writes as soon as it
 * is scheduled, then every 5 ms), so a dead child means a timeout, not a hang.
 */
export async function startContainerByFifo(path: string, options: { timeoutMs?: number } = {}) {
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  const handle = await fs.open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const buf = Buffer.alloc(1);
    for (let attempt = 0; ; attempt++) {
      // 0 bytes: the child has not reopened the fifo yet; EAGAIN: it has, but not written yet.
      const n = await handle.read(buf, 0, 1, null).then(
        (r) => r.bytesRead,
        (err: NodeJS.ErrnoException) => {
          if (err.code === 'EAGAIN') return 0;
          throw err;
        },
      );
      if (n === 1) break;
      if (Date.now() > deadline) {
        throw new ContainerSpecError(
          'ERR_IZA_NATIVE_FIFO_TIMEOUT',
          `no container process is waiting on exec fifo ${path}`,
          'the container may have exited during create; check its state',
        );
      }
      await sleep(attempt < 20 ? 1 : 5);
    }
  } finally {
    await handle.close();
  }
  await fs.unlink(path);
}
