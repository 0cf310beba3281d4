import { closeSync } from 'node:fs';

import { IzaError } from '@iza/errors';
import { sendFd, setWindowSize } from '@iza/ns-native';

import { invalidConfig, OciErrorCode } from './errors.js';

/** What decides where a container's terminal goes. */
export interface TerminalRequest {
  /** `process.terminal` of config.json. */
  terminal: boolean;
  /** `--console-socket`, if given. */
  consoleSocket: string | undefined;
  /** The caller stays in the foreground (`run`, `exec`); false for `create`, `exec --detach`. */
  foreground: boolean;
  /** A foreground caller can attach the pty to a terminal of its own (stdin is a tty). */
  hostTerminal: boolean;
}

/**
 * runc's rules (utils_linux.go checkTerminal): a detached container's terminal must go to a
 * console socket, and a console socket is only for a detached container with a terminal. A
 * foreground `run` attaches the terminal to its own, which must then be a tty (runc copies
 * from any stdin; iza refuses rather than attach a pipe). Throws ERR_IZA_OCI_TERMINAL.
 */
export function checkTerminalRequest(request: TerminalRequest): void {
  const { terminal, consoleSocket, foreground, hostTerminal } = request;
  if (terminal && consoleSocket === undefined && !(foreground && hostTerminal)) {
    throw new IzaError(
      OciErrorCode.Terminal,
      'process.terminal is true but --console-socket is not set: the terminal would have no reader',
      {
        hint: foreground
          ? 'run from a terminal (stdin a tty), or set process.terminal to false'
          : 'pass --console-socket SOCKET, or set process.terminal to false',
      },
    );
  }
  if (consoleSocket !== undefined && !terminal) {
    throw new IzaError(
      OciErrorCode.Terminal,
      '--console-socket is set but process.terminal is false: there is no terminal to send',
      { hint: 'drop --console-socket, or set process.terminal to true' },
    );
  }
  if (consoleSocket !== undefined && foreground) {
    throw new IzaError(
      OciErrorCode.Terminal,
      '--console-socket is only for a detached process: in the foreground the terminal stays here',
      {
        hint: 'use create (or exec --detach) with --console-socket, or drop --console-socket',
      },
    );
  }
}

/** `process.consoleSize`, checked: whole numbers of rows and columns that fit a winsize. */
export function checkConsoleSize(
  size: { height: number; width: number } | undefined,
): { height: number; width: number } | undefined {
  if (size === undefined) return undefined;
  const ok = (n: unknown) => Number.isInteger(n) && (n as number) >= 0 && (n as number) <= 0xffff;
  if (typeof size !== 'object' || size === null || !ok(size.height) || !ok(size.width)) {
    throw invalidConfig('process.consoleSize', 'height and width must be integers 0 to 65535');
  }
  return size;
}

/**
 * The name sent with the master: what runc sends (the master's file name, as opened from the
 * container's devpts). Receivers (conmon, go-runc) do not act on it.
 */
const MASTER_NAME = '/dev/ptmx';

/**
 * Applies `size` to the pty (TIOCSWINSZ; skipped when a dimension is 0, as runc), sends the
 * master to `consoleSocket` (runc's protocol, see ns-native sendFd) and closes this process's
 * copy in every case. Throws ERR_IZA_OCI_CONSOLE_SOCKET with the system error as cause.
 */
export function sendTerminal(
  master: number,
  consoleSocket: string,
  size: { height: number; width: number } | undefined,
): void {
  try {
    if (size !== undefined && size.height > 0 && size.width > 0) {
      setWindowSize(master, size.height, size.width);
    }
    sendFd(consoleSocket, master, MASTER_NAME);
  } catch (err) {
    throw new IzaError(
      OciErrorCode.ConsoleSocket,
      `sending the terminal to console socket ${consoleSocket}`,
      { cause: err, hint: 'the socket must be a listening AF_UNIX stream socket' },
    );
  } finally {
    closeSync(master);
  }
}
