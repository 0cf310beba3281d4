import { closeSync } from 'node:fs';

import { attachTerminal, type AttachedTerminal, type TerminalIO } from './attach-terminal.js';
import type { CreateOptions } from './create.js';
import { createContainer } from './create.js';
import { deleteContainer, startContainer, type WarningSink } from './operations.js';

/**
 * runc's `run`: create, start, wait for the init, delete; resolves to the init's status
 * (128+N for a signal). The init is this process's child and dies with it. With
 * `process.terminal`, the container's pty is attached to `terminalIO` (the caller's own
 * terminal); without `terminalIO` such a config is refused (ERR_IZA_OCI_TERMINAL).
 */
export async function runContainer(
  options: CreateOptions & { bundle: string; onWarning?: WarningSink; terminalIO?: TerminalIO },
): Promise<number> {
  const { terminalIO, ...createOptions } = options;
  const created = await createContainer({
    ...createOptions,
    killOnExit: true,
    foreground: { hostTerminal: terminalIO !== undefined },
  });
  const ref = { id: options.id, ...(options.root === undefined ? {} : { root: options.root }) };
  const warn = options.onWarning === undefined ? {} : { onWarning: options.onWarning };
  let attached: AttachedTerminal | undefined;
  try {
    if (created.terminal !== null && terminalIO !== undefined) {
      try {
        attached = attachTerminal(created.terminal, terminalIO);
      } catch (err) {
        closeSync(created.terminal);
        throw err;
      }
    }
    await startContainer({ ...ref, ...warn, created });
    const exit = await created.process.wait();
    return exit.status;
  } finally {
    await attached?.detach();
    await deleteContainer({ ...ref, ...warn, created, force: true });
  }
}
