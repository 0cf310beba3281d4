import { closeSync, existsSync, mkdtempSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { openPty } from '@iza/ns-native';

import { checkTerminalRequest, OciErrorCode, sendTerminal } from './index.js';
import { checkConsoleSize } from './console-socket.js';
import { startConsoleReceiver } from './test-support/console-receiver.js';

const fdOpen = (fd: number) => existsSync(`/proc/self/fd/${fd}`);

describe('checkTerminalRequest (runc checkTerminal)', () => {
  it.each([
    ['create, terminal, console socket', true, '/s', false, false],
    ['create, no terminal, no socket', false, undefined, false, false],
    ['run, no terminal', false, undefined, true, false],
    ['run, terminal, caller has a tty', true, undefined, true, true],
  ])('accepts %s', (_what, terminal, consoleSocket, foreground, hostTerminal) => {
    expect(() =>
      checkTerminalRequest({ terminal, consoleSocket, foreground, hostTerminal }),
    ).not.toThrow();
  });

  it.each([
    ['create, terminal, no socket', true, undefined, false, false, /--console-socket is not set/],
    ['run, terminal, no tty', true, undefined, true, false, /--console-socket is not set/],
    ['create, socket, no terminal', false, '/s', false, false, /process.terminal is false/],
    ['run, socket, no terminal', false, '/s', true, true, /process.terminal is false/],
    ['run, terminal, socket', true, '/s', true, true, /only for a detached process/],
  ])('refuses %s naming the flag', (_what, terminal, consoleSocket, fg, hostTerminal, message) => {
    expect(() =>
      checkTerminalRequest({ terminal, consoleSocket, foreground: fg, hostTerminal }),
    ).toThrow(
      expect.objectContaining({
        code: OciErrorCode.Terminal,
        message: expect.stringMatching(message),
      }),
    );
  });
});

describe('checkConsoleSize', () => {
  it.each([[undefined], [{ height: 0, width: 0 }], [{ height: 24, width: 80 }]])(
    'accepts %j',
    (size) => {
      expect(checkConsoleSize(size)).toEqual(size);
    },
  );

  it.each([
    [{ height: -1, width: 80 }],
    [{ height: 24.5, width: 80 }],
    [{ height: 1, width: 1e6 }],
  ])('refuses %j', (size) => {
    expect(() => checkConsoleSize(size)).toThrow(
      expect.objectContaining({ code: OciErrorCode.InvalidConfig }),
    );
  });
});

describe('sendTerminal', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'iza-console-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('sizes the pty, sends the master as runc does and closes its own copy', async () => {
    const socketPath = join(dir, 'a.sock');
    const receiver = startConsoleReceiver(socketPath);
    const pty = openPty();
    try {
      await receiver.ready;
      sendTerminal(pty.master, socketPath, { height: 33, width: 101 });
      expect(fdOpen(pty.master)).toBe(false);

      // Written on the slave, read by the receiver through the master it was given.
      writeSync(pty.slave, 'through the socket\n');
      closeSync(pty.slave);
      expect(await receiver.result).toEqual({
        name: '/dev/ptmx',
        fds: 1,
        rows: 33,
        cols: 101,
        isatty: true,
        output: 'through the socket\r\n',
      });
    } finally {
      receiver.stop();
    }
  });

  it('fails with ERR_IZA_OCI_CONSOLE_SOCKET and the system error, and still closes the master', () => {
    const pty = openPty();
    const socketPath = join(dir, 'nobody.sock');
    try {
      expect(() => sendTerminal(pty.master, socketPath, undefined)).toThrow(
        expect.objectContaining({
          code: OciErrorCode.ConsoleSocket,
          cause: expect.objectContaining({ code: 'ENOENT', syscall: 'connect', path: socketPath }),
        }),
      );
      expect(fdOpen(pty.master)).toBe(false);
    } finally {
      closeSync(pty.slave);
    }
  });
});
