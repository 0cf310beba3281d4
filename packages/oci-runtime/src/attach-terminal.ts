import tty from 'node:tty';
import { setTimeout as sleep } from 'node:timers/promises';

import { setOutputProcessing, setWindowSize } from '@iza/ns-native';

/** The caller's own terminal, for a foreground `run` with `process.terminal`. */
export interface TerminalIO {
  /** A tty fd read in raw mode and copied to the container (usually 0). */
  input: number;
  /** A tty fd the container's output is copied to, whose size the pty follows (usually 1). */
  output: number;
}

/** A pty master joined to the caller's terminal; {@link AttachedTerminal.detach} undoes it. */
export interface AttachedTerminal {
  /**
   * Waits until the container's side of the pty is closed (all output copied) or `graceMs`
   * passed, restores the caller's terminal mode and closes the master.
   */
  detach(graceMs?: number): Promise<void>;
}

/**
 * Joins `master` to the caller's terminal as runc's foreground `run -t` does: the input goes to
 * raw mode (keys, ^C included, reach the container), bytes are copied both ways, and the pty
 * takes the caller's window size now and on every SIGWINCH. Takes ownership of `master`.
 */
export function attachTerminal(master: number, io: TerminalIO): AttachedTerminal {
  const pty = new tty.ReadStream(master);
  const input = new tty.ReadStream(io.input);
  const output = new tty.WriteStream(io.output);

  const resize = () => {
    if (output.rows > 0 && output.columns > 0) setWindowSize(master, output.rows, output.columns);
  };
  resize();
  output.on('resize', resize);
  input.setRawMode(true);
  // Raw as runc and docker make it: no output processing either, so the container's \r\n is
  // shown as is (libuv's raw mode keeps ONLCR: \r\r\n). setRawMode(false) restores it.
  setOutputProcessing(io.input, false);

  input.on('data', (chunk: Buffer) => pty.write(chunk));
  pty.on('data', (chunk: Buffer) => output.write(chunk));
  // EIO on read is how a pty master says the last slave fd closed (pty(7)): the normal end.
  pty.on('error', () => pty.destroy());
  input.on('error', () => input.destroy());
  const closed = new Promise<void>((resolve) => pty.once('close', () => resolve()));

  return {
    async detach(graceMs = 1000) {
      // A process that outlives the init (no pid namespace) may hold the slave open: give up
      // waiting for it after graceMs rather than hang.
      const timer = new AbortController();
      await Promise.race([
        closed,
        sleep(graceMs, undefined, { signal: timer.signal }).catch(() => undefined),
      ]);
      timer.abort();
      output.off('resize', resize);
      input.setRawMode(false);
      input.destroy();
      pty.destroy();
      // destroy() drops writes still queued: the container's last output must reach the screen.
      await new Promise<void>((resolve) => output.end(resolve));
      output.destroy();
    },
  };
}
