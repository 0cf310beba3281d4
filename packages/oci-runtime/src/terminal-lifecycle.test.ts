import { closeSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import tty from 'node:tty';

import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { openPty, setWindowSize } from '@iza/ns-native';

import {
  containerState,
  createContainer,
  deleteContainer,
  OciErrorCode,
  runContainer,
  startContainer,
} from './index.js';
import type { OciSpec } from './index.js';

import { eventually, makeTestBundle, type TestBundle } from './test-support/bundle.js';
import { startConsoleReceiver } from './test-support/console-receiver.js';

const isRoot = process.getuid?.() === 0;
// Namespaces, mounts and a devpts of the container's own need root.
const describeRoot = isRoot ? describe : describe.skip;

let tb: TestBundle;
let id = '';
let n = 0;

/** A terminal config: the container's own devpts (where its pty comes from), a console size. */
function withTerminal(spec: OciSpec): void {
  if (spec.process === undefined) throw new Error('baseSpec has a process');
  spec.process.terminal = true;
  spec.process.consoleSize = { height: 24, width: 80 };
  spec.mounts = [
    ...(spec.mounts ?? []),
    {
      destination: '/dev/pts',
      type: 'devpts',
      source: 'devpts',
      options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620'],
    },
  ];
}

describeRoot('process.terminal (root, busybox bundle)', () => {
  beforeEach(() => {
    tb = makeTestBundle();
    id = `oci-tty-${process.pid}-${++n}`;
  });

  afterEach(async () => {
    await deleteContainer({ root: tb.stateRoot, id, force: true }).catch(() => undefined);
    tb.remove();
  });

  it('create sends the pty of the container devpts, sized, to the console socket', async () => {
    tb.writeConfig(['sh', '-c', 'tty; stty size'], withTerminal);
    const socketPath = join(tb.dir, 'console.sock');
    const receiver = startConsoleReceiver(socketPath);
    try {
      await receiver.ready;
      await createContainer({
        root: tb.stateRoot,
        id,
        bundle: tb.bundle,
        consoleSocket: socketPath,
      });
      await startContainer({ root: tb.stateRoot, id });

      expect(await receiver.result).toEqual({
        name: '/dev/ptmx',
        fds: 1,
        rows: 24,
        cols: 80,
        isatty: true,
        output: '/dev/pts/0\r\n24 80\r\n',
      });
    } finally {
      receiver.stop();
    }
  });

  it('create with a terminal and no console socket is refused before anything is made', async () => {
    tb.writeConfig(['true'], withTerminal);
    await expect(
      createContainer({ root: tb.stateRoot, id, bundle: tb.bundle }),
    ).rejects.toMatchObject({
      code: OciErrorCode.Terminal,
      message: expect.stringContaining('--console-socket'),
    });
    expect(existsSync(join(tb.stateRoot, id))).toBe(false);
  });

  it('create with a console socket and no terminal is refused', async () => {
    tb.writeConfig(['true']);
    await expect(
      createContainer({ root: tb.stateRoot, id, bundle: tb.bundle, consoleSocket: '/nowhere' }),
    ).rejects.toMatchObject({ code: OciErrorCode.Terminal });
    expect(existsSync(join(tb.stateRoot, id))).toBe(false);
  });

  it('create whose console socket cannot be reached fails and leaves nothing behind', async () => {
    tb.writeConfig(['sleep', '100'], withTerminal);
    const socketPath = join(tb.dir, 'nobody.sock');
    const fdsBefore = readdirSync('/proc/self/fd').length;
    const err = await createContainer({
      root: tb.stateRoot,
      id,
      bundle: tb.bundle,
      consoleSocket: socketPath,
    }).catch((e: unknown) => e);

    expect(err).toMatchObject({ code: OciErrorCode.ConsoleSocket });
    expect(existsSync(join(tb.stateRoot, id))).toBe(false);
    expect(readdirSync('/proc/self/fd')).toHaveLength(fdsBefore);
  });

  it('run in the foreground attaches the pty to the caller terminal, keys and size', async () => {
    tb.writeConfig(['sh', '-c', 'read line; echo "got:$line"; stty size'], withTerminal);
    // The caller's terminal: a host pty whose master plays keyboard and screen.
    const host = openPty();
    setWindowSize(host.master, 30, 90);
    const screen = new tty.ReadStream(host.master);
    let shown = '';
    screen.on('data', (chunk: Buffer) => (shown += chunk.toString()));
    screen.on('error', () => undefined);
    try {
      const status = runContainer({
        root: tb.stateRoot,
        id,
        bundle: tb.bundle,
        terminalIO: { input: host.slave, output: host.slave },
      });
      // Typed once started (attached before start): the attach copies it into the container.
      const running = () => {
        try {
          return containerState({ root: tb.stateRoot, id }).status === 'running';
        } catch {
          return false;
        }
      };
      expect(await eventually(running)).toBe(true);
      screen.write('hello\r');
      expect(await status).toBe(0);
      await eventually(() => shown.includes('30 90'));
      // One echo only (the container's pty; the caller's terminal is raw). Node's raw mode keeps
      // ONLCR, so the caller's terminal turns each \r\n into \r\r\n.
      expect(shown.replace(/\r+\n/g, '\n')).toBe('hello\ngot:hello\n30 90\n');
      expect(existsSync(join(tb.stateRoot, id))).toBe(false);
    } finally {
      screen.destroy();
      closeSync(host.slave);
    }
  });

  it('run with a terminal but no terminal of its own is refused naming --console-socket', async () => {
    tb.writeConfig(['true'], withTerminal);
    await expect(runContainer({ root: tb.stateRoot, id, bundle: tb.bundle })).rejects.toMatchObject(
      {
        code: OciErrorCode.Terminal,
        message: expect.stringContaining('--console-socket'),
      },
    );
    expect(existsSync(join(tb.stateRoot, id))).toBe(false);
  });
});
