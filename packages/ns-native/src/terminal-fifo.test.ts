import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { closeSync, existsSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  constants,
  createContainerProcess,
  mknod,
  openPty,
  setOutputProcessing,
  setWindowSize,
} from './index.js';
import { makeBusyboxRootfs, type TestRootfs } from './test-support/rootfs.js';
import { baseSpec, runInContainer } from './test-support/run.js';

const asRoot = process.getuid?.() === 0 ? describe : describe.skip;

/** Everything the pty holds once the container exited; EIO means no slave is left. */
function drain(master: number): string {
  const buf = Buffer.alloc(4096);
  let out = '';
  for (;;) {
    try {
      const n = readSync(master, buf);
      if (n === 0) return out;
      out += buf.toString('utf8', 0, n);
    } catch {
      return out;
    }
  }
}

describe('openPty', () => {
  it('opens a pty pair and sets its window size', () => {
    const pty = openPty();
    try {
      expect(pty.path).toMatch(/^\/dev\/pts\/\d+$/);
      expect(pty.master).toBeGreaterThan(2);
      setWindowSize(pty.master, 40, 120);
      expect(() => setWindowSize(pty.master, -1, 2)).toThrow(RangeError);
    } finally {
      closeSync(pty.master);
      closeSync(pty.slave);
    }
  });
});

describe('setOutputProcessing', () => {
  it('turns the line-end translation of a terminal off and on again', () => {
    const pty = openPty();
    try {
      // What the line discipline passes on for `text`, read up to a mark written after it: the
      // reads block, so they wait for the mark rather than for a length that may never come.
      const through = (text: string) => {
        writeSync(pty.slave, `${text}#`);
        const buf = Buffer.alloc(64);
        let got = '';
        while (!got.endsWith('#')) got += buf.toString('utf8', 0, readSync(pty.master, buf));
        return got.slice(0, -1);
      };
      expect(through('a\n')).toBe('a\r\n');
      setOutputProcessing(pty.slave, false);
      expect(through('b\r\n')).toBe('b\r\n');
      expect(through('c\n')).toBe('c\n');
      setOutputProcessing(pty.slave, true);
      expect(through('d\n')).toBe('d\r\n');
    } finally {
      closeSync(pty.master);
      closeSync(pty.slave);
    }
  });

  it('names the call that failed on a file that is no terminal', () => {
    const fd = openSync('/dev/null', 'r');
    try {
      expect(() => setOutputProcessing(fd, false)).toThrow(
        expect.objectContaining({ code: 'ENOTTY', syscall: 'tcgetattr' }),
      );
    } finally {
      closeSync(fd);
    }
  });
});

asRoot('terminal and start modes (needs root)', () => {
  let rootfs: TestRootfs;
  beforeAll(() => {
    rootfs = makeBusyboxRootfs();
  });
  afterAll(() => rootfs.remove());

  it('gives the container a pty of its own devpts as controlling terminal', async () => {
    const proc = await createContainerProcess({
      ...baseSpec(rootfs.dir, 'tty; stty size'),
      terminal: true,
    });
    expect(proc.terminal).not.toBeNull();
    const master = proc.terminal as number;
    try {
      setWindowSize(master, 33, 101);
      await proc.start();
      expect(await proc.wait()).toMatchObject({ exitCode: 0 });
      expect(drain(master)).toBe('/dev/pts/0\r\n33 101\r\n');
    } finally {
      closeSync(master);
    }
  });

  it('starts a fifo-mode container when the exec fifo is opened (OCI create/start)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'iza-fifo-'));
    const fifo = join(dir, 'exec.fifo');
    try {
      mknod(fifo, constants().S_IFIFO | 0o622);
      const r = await runInContainer(rootfs.dir, 'echo started', {
        startWith: { kind: 'fifo', path: fifo },
      });
      expect(r.stdout).toBe('started\n');
      expect(existsSync(fifo)).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('makes the rootfs read-only on request', async () => {
    const r = await runInContainer(rootfs.dir, 'touch /iza-file; echo $?', {
      readonlyRootfs: true,
    });
    expect(r.stdout).toBe('1\n');
    expect(r.stderr).toMatch(/Read-only file system/);
  });

  it('applies bind mounts of host files and sysctls', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'iza-bind-'));
    try {
      const { writeFileSync } = await import('node:fs');
      writeFileSync(join(dir, 'hosts'), '127.0.0.1 localhost iza\n');
      const r = await runInContainer(
        rootfs.dir,
        'cat /etc/hosts; cat /proc/sys/net/ipv4/ip_unprivileged_port_start; echo x > /etc/hosts',
        {
          mounts: [
            ...baseSpec(rootfs.dir, '').mounts,
            {
              destination: '/etc/hosts',
              type: 'bind',
              source: join(dir, 'hosts'),
              options: ['rbind', 'ro'],
            },
          ],
          sysctl: { 'net.ipv4.ip_unprivileged_port_start': '0' },
        },
      );
      expect(r.stdout).toBe('127.0.0.1 localhost iza\n0\n');
      expect(r.stderr).toMatch(/Read-only file system/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
