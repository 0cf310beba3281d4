import type { CreateOptions } from './create.js';
import { createContainer } from './create.js';
import { deleteContainer, startContainer, type WarningSink } from './operations.js';

/**
 * runc's `run`: create, start, wait for the init, delete; resolves to the init's status
 * (128+N for a signal). The init is this process's child and dies with it.
 */
export async function runContainer(
  options: CreateOptions & { bundle: string; onWarning?: WarningSink },
): Promise<number> {
  const created = await createContainer({ ...options, killOnExit: true });
  const ref = { id: options.id, ...(options.root === undefined ? {} : { root: options.root }) };
  const warn = options.onWarning === undefined ? {} : { onWarning: options.onWarning };
  try {
    await startContainer({ ...ref, ...warn });
    const exit = await created.process.wait();
    return exit.status;
  } finally {
    await deleteContainer({ ...ref, ...warn, force: true });
  }
}
