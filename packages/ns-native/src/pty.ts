import { loadBinding } from './load.js';

/** A pty pair on the host's devpts; both fds are close-on-exec and owned by the caller. */
export interface Pty {
  master: number;
  slave: number;
  /** The slave's path, e.g. `/dev/pts/3`. */
  path: string;
}

/** posix_openpt + grantpt + unlockpt + open of the slave. */
export function openPty(): Pty {
  return loadBinding().openPty();
}

/**
 * Turns a terminal's output processing (termios OPOST) on or off. Raw mode as docker makes it
 * has it off, so a container's `\r\n` reaches the screen unchanged; Node's setRawMode leaves it
 * on (with ONLCR), which turns every line end into `\r\r\n`.
 */
export function setOutputProcessing(fd: number, enabled: boolean): void {
  loadBinding().setOutputProcessing(fd, enabled);
}

/** TIOCSWINSZ on a pty fd (master or slave); the foreground process group gets SIGWINCH. */
export function setWindowSize(fd: number, rows: number, cols: number): void {
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 0 || cols < 0) {
    throw new RangeError(`bad window size ${rows}x${cols}`);
  }
  loadBinding().setWindowSize(fd, rows, cols);
}
