import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import {
  closeSync,
  fstatSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { SEND_FD_NAME_MAX, sendFd } from './index.js';

/**
 * A receiver as conmon is one: listens on `path`, accepts one connection, takes one fd with
 * recvmsg (socket.recv_fds), writes `tail` through it and reports the name and st_dev/st_ino.
 */
const RECEIVER = `
import os, socket, sys, json
path, tail = sys.argv[1], sys.argv[2]
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(path)
srv.listen(1)
print("ready", flush=True)
conn, _ = srv.accept()
name, fds, flags, _ = socket.recv_fds(conn, 4096, 4)
more = conn.recv(1)
st = os.fstat(fds[0])
os.write(fds[0], tail.encode())
print(json.dumps({"name": name.decode(), "fds": len(fds), "flags": flags, "more": len(more),
                  "dev": st.st_dev, "ino": st.st_ino}), flush=True)
`;

interface Received {
  name: string;
  fds: number;
  flags: number;
  more: number;
  dev: number;
  ino: number;
}

function startReceiver(
  path: string,
  tail: string,
): {
  child: ChildProcess;
  ready: Promise<void>;
  result: Promise<Received>;
} {
  const child = spawn('python3', ['-c', RECEIVER, path, tail], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  let onReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (onReady = resolve));
  child.stdout?.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    if (out.startsWith('ready\n')) onReady();
  });
  child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const result = new Promise<Received>((resolve, reject) => {
    child.on('exit', (code) => {
      const line = out.split('\n')[1];
      if (code === 0 && line) resolve(JSON.parse(line) as Received);
      else reject(new Error(`receiver exited ${code}: ${err}`));
    });
  });
  // A receiver that dies before listening rejects `ready` too, instead of leaving it pending.
  return { child, ready: Promise.race([ready, result.then(() => undefined)]), result };
}

function openFds(): string[] {
  return readdirSync('/proc/self/fd');
}

describe('sendFd', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'iza-send-fd-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('hands the receiver the same open file, with the name as the data', async () => {
    const socketPath = join(dir, 'console.sock');
    const filePath = join(dir, 'shared');
    const receiver = startReceiver(socketPath, 'def');
    await receiver.ready;

    const fd = openSync(filePath, 'w+');
    try {
      writeSync(fd, 'abc');
      const before = openFds().length;
      sendFd(socketPath, fd, '/dev/ptmx');
      expect(openFds()).toHaveLength(before);

      const got = await receiver.result;
      const st = fstatSync(fd);
      expect(got).toEqual({
        name: '/dev/ptmx',
        fds: 1,
        flags: 0,
        more: 0,
        dev: st.dev,
        ino: st.ino,
      });
      // Written at the shared offset (3): only the same open file description does that; a
      // fresh open of the path would have overwritten "abc".
      expect(readFileSync(filePath, 'utf8')).toBe('abcdef');
      // The sender's copy stays open and usable.
      writeSync(fd, 'g');
      expect(readFileSync(filePath, 'utf8')).toBe('abcdefg');
    } finally {
      closeSync(fd);
      receiver.child.kill('SIGKILL');
    }
  });

  it('fails with ENOENT naming connect and the path when nothing is there', () => {
    const socketPath = join(dir, 'missing.sock');
    const before = openFds().length;
    expect(() => sendFd(socketPath, 0, 'x')).toThrow(
      expect.objectContaining({ code: 'ENOENT', syscall: 'connect', path: socketPath }),
    );
    expect(openFds()).toHaveLength(before);
  });

  it('fails with ECONNREFUSED when no one listens on the socket', async () => {
    const socketPath = join(dir, 'stale.sock');
    const bindOnly = spawn('python3', [
      '-c',
      'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])',
      socketPath,
    ]);
    await new Promise((resolve) => bindOnly.on('exit', resolve));

    expect(() => sendFd(socketPath, 0, 'x')).toThrow(
      expect.objectContaining({ code: 'ECONNREFUSED', syscall: 'connect' }),
    );
  });

  it('fails with ENAMETOOLONG for a path sun_path cannot hold', () => {
    const socketPath = join(dir, 'x'.repeat(120));
    expect(() => sendFd(socketPath, 0, 'x')).toThrow(
      expect.objectContaining({ code: 'ENAMETOOLONG', path: socketPath }),
    );
  });

  it.each([
    ['an empty path', '', 0, 'x'],
    ['a negative fd', '/tmp/s', -1, 'x'],
    ['a fractional fd', '/tmp/s', 1.5, 'x'],
    ['an empty name', '/tmp/s', 0, ''],
    ['a name with NUL', '/tmp/s', 0, 'a\0b'],
    ['a name over the limit', '/tmp/s', 0, 'x'.repeat(SEND_FD_NAME_MAX + 1)],
  ])('refuses %s before any syscall', (_what, path, fd, name) => {
    expect(() => sendFd(path, fd, name)).toThrow(RangeError);
  });
});
