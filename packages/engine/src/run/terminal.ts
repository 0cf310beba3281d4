import { createReadStream, createWriteStream } from 'node:fs';
import type { ReadStream as TtyReadStream } from 'node:tty';

/** The part of @iza/ns-native the terminal plumbing uses (kept narrow for tests). */
export interface PtyOps {
  setWindowSize(fd: number, rows: number, cols: number): void;
}

/**
 * Connects the host terminal to a container's pty master: raw mode on the host side, bytes both
 * ways, and window-size changes passed on. Returns a function that restores the terminal; the
 * promise `drained` settles once the container side has closed (all output written).
 */
export function attachTerminal(
  master: number,
  ops: PtyOps,
  stdin: NodeJS.ReadStream,
  stdout: NodeJS.WriteStream,
): { detach: () => void; drained: Promise<void>; resize: () => void } {
  const tty = stdin as TtyReadStream;
  const wasRaw = tty.isTTY ? tty.isRaw : false;
  if (tty.isTTY) tty.setRawMode(true);

  const resize = () => {
    if (stdout.isTTY) ops.setWindowSize(master, stdout.rows, stdout.columns);
  };
  resize();

  // The master fd is shared by both streams: neither may close it (autoClose false); the caller
  // closes it after the container exited.
  const fromContainer = createReadStream('', { fd: master, autoClose: false });
  const toContainer = createWriteStream('', { fd: master, autoClose: false });
  const drained = new Promise<void>((resolve) => {
    fromContainer.on('error', () => resolve()); // EIO once the slave side is gone: normal end
    fromContainer.on('end', () => resolve());
  });
  fromContainer.pipe(stdout, { end: false });
  stdin.pipe(toContainer);

  return {
    resize,
    drained,
    detach: () => {
      stdin.unpipe(toContainer);
      stdin.pause();
      fromContainer.destroy();
      if (tty.isTTY) tty.setRawMode(wasRaw);
    },
  };
}
