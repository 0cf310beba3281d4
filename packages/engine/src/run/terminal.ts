import { ReadStream } from 'node:tty';
import type { ReadStream as TtyReadStream } from 'node:tty';

/** The part of @iza/ns-native the terminal plumbing uses (kept narrow for tests). */
export interface PtyOps {
  setWindowSize(fd: number, rows: number, cols: number): void;
  setOutputProcessing(fd: number, enabled: boolean): void;
}

/**
 * Connects the host terminal to a container's pty master: raw mode on the host side, bytes both
 * ways, and window-size changes passed on. The master fd is owned from here on (one socket reads
 * and writes it, as node-pty does) and closed by `detach`. `drained` settles once the container
 * side has closed (the master reads EIO), so all output has been written.
 */
export function attachTerminal(
  master: number,
  ops: PtyOps,
  stdin: NodeJS.ReadStream,
  stdout: NodeJS.WriteStream,
): { detach: () => void; drained: Promise<void>; resize: () => void } {
  const host = stdin as TtyReadStream;
  const wasRaw = host.isTTY ? host.isRaw : false;
  if (host.isTTY) {
    host.setRawMode(true);
    // Raw as docker makes it: no output processing either, so the container's \r\n is shown
    // as is (Node's raw mode keeps ONLCR: \r\r\n). setRawMode(false) restores the saved modes.
    // (A tty.ReadStream has its fd; process.stdin is 0.)
    ops.setOutputProcessing((host as { fd?: number }).fd ?? 0, false);
  }

  const resize = () => {
    if (stdout.isTTY) ops.setWindowSize(master, stdout.rows, stdout.columns);
  };
  resize();

  const pty = new ReadStream(master);
  const drained = new Promise<void>((resolve) => {
    // EIO once the last slave fd is closed: the normal end of a pty session.
    pty.on('error', () => resolve());
    pty.on('end', () => resolve());
    pty.on('close', () => resolve());
  });
  pty.pipe(stdout, { end: false });
  const forward = (chunk: Buffer) => {
    if (!pty.destroyed) pty.write(chunk);
  };
  stdin.on('data', forward);
  stdin.resume();

  return {
    resize,
    drained,
    detach: () => {
      stdin.off('data', forward);
      stdin.pause();
      pty.destroy();
      if (host.isTTY) host.setRawMode(wasRaw);
    },
  };
}
