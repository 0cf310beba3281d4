import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { createContainerProcess, resolveUser } from './index.js';
import { makeBusyboxRootfs, type TestRootfs } from './test-support/rootfs.js';
import { baseSpec, hostMountsUnder, runInContainer } from './test-support/run.js';

const asRoot = process.getuid?.() === 0 ? describe : describe.skip;
const helper = fileURLToPath(new URL('./test-support/container-helper.mjs', import.meta.url));

function isGone(pid: number): boolean {
  try {
    return /^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

asRoot('container hardening (needs root)', () => {
  let rootfs: TestRootfs;
  beforeAll(() => {
    rootfs = makeBusyboxRootfs();
  });
  afterAll(() => rootfs.remove());

  it('masks docker masked paths', async () => {
    const r = await runInContainer(
      rootfs.dir,
      'cat /proc/kcore | wc -c; cat /proc/keys | wc -c; ls -A /sys/firmware | wc -l',
    );
    expect(r.stdout).toBe('0\n0\n0\n');
  });

  it('makes docker read-only paths and /sys read-only', async () => {
    const r = await runInContainer(
      rootfs.dir,
      'echo 1 > /proc/sys/kernel/domainname; mkdir /sys/iza; echo done',
    );
    expect(r.stderr).toMatch(/can't create \/proc\/sys\/kernel\/domainname: Read-only file system/);
    expect(r.stderr).toMatch(/can't create directory '\/sys\/iza': Read-only file system/);
    expect(r.stdout).toBe('done\n');
  });

  it('gives docker default capabilities and no_new_privs', async () => {
    const r = await runInContainer(rootfs.dir, 'grep -E "^(Cap|NoNewPrivs)" /proc/self/status', {
      noNewPrivileges: true,
    });
    expect(r.stdout).toBe(
      'CapInh:\t0000000000000000\nCapPrm:\t00000000a80425fb\nCapEff:\t00000000a80425fb\n' +
        'CapBnd:\t00000000a80425fb\nCapAmb:\t0000000000000000\nNoNewPrivs:\t1\n',
    );
  });

  it('cannot see the host mounts or processes', async () => {
    const r = await runInContainer(
      rootfs.dir,
      'cat /proc/self/mountinfo; echo ---; ls /proc | grep -E "^[0-9]+$"; true',
    );
    const [mounts = '', pids = ''] = r.stdout.split('---\n');
    // Field 5 is the mount point; field 4 (the root within its fs) may name the host dir.
    const points = mounts
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split(' ')[4]);
    expect(points[0]).toBe('/');
    expect(points.filter((p) => !/^\/(proc|dev|sys)(\/|$)/.test(p ?? ''))).toEqual(['/']);
    expect(points).not.toContain('/sys/fs/cgroup/memory');
    // sh (1) and the ls | grep pipeline: nothing of the host's.
    const seen = pids.trim().split('\n').map(Number);
    expect(seen[0]).toBe(1);
    expect(seen.length).toBeLessThanOrEqual(3);
    expect(Math.max(...seen)).toBeLessThan(10);
  });

  it('closes inherited non-CLOEXEC fds (CVE-2024-21626)', async () => {
    const spec = baseSpec(rootfs.dir, 'ls /proc/$$/fd; readlink /proc/$$/cwd');
    const child = spawn(process.execPath, [helper, JSON.stringify(spec)], {
      stdio: ['ignore', 'pipe', 'pipe', 'pipe', 'pipe', 'pipe', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise((resolve) => child.on('close', resolve));
    expect(code).toBe(0);
    expect(out).toBe('0\n1\n2\n/\n');
  });

  it('kills the container when the spawning process is SIGKILLed (PDEATHSIG)', async () => {
    const child = spawn(
      process.execPath,
      [helper, JSON.stringify(baseSpec(rootfs.dir, 'sleep 100'))],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    const pid = await new Promise<number>((resolve) => {
      let err = '';
      child.stderr?.on('data', (d: Buffer) => {
        err += d.toString();
        const m = /pid (\d+)\n/.exec(err);
        if (m) resolve(Number(m[1]));
      });
    });
    expect(isGone(pid)).toBe(false);
    process.kill(child.pid as number, 'SIGKILL');

    const deadline = Date.now() + 1000;
    while (!isGone(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const gone = isGone(pid);
    if (!gone) process.kill(pid, 'SIGKILL');
    expect(gone).toBe(true);
  });

  it.each(['proc', 'dev'])('does not mount through a /%s symlink to a host dir', async (name) => {
    const canary = mkdtempSync(join(tmpdir(), 'iza-host-canary-'));
    writeFileSync(join(canary, 'keep'), 'host');
    const hostile = makeBusyboxRootfs('iza-hostile-');
    try {
      rmSync(join(hostile.dir, name), { recursive: true });
      symlinkSync(canary, join(hostile.dir, name));
      await runInContainer(hostile.dir, 'true').catch(() => undefined);
      expect(hostMountsUnder(canary)).toEqual([]);
      expect(readdirSync(canary)).toEqual(['keep']);
    } finally {
      hostile.remove();
      rmSync(canary, { recursive: true, force: true });
    }
  });

  it('mounts a relative escaping symlink target inside the rootfs', async () => {
    const hostile = makeBusyboxRootfs('iza-hostile-');
    try {
      mkdirSync(join(hostile.dir, 'tmp', 'inside'));
      symlinkSync('../../../../../../../tmp/inside', join(hostile.dir, 'mnt'));
      const r = await runInContainer(hostile.dir, 'grep -c " /tmp/inside " /proc/self/mountinfo', {
        mounts: [
          ...baseSpec(hostile.dir, '').mounts,
          { destination: '/mnt', type: 'tmpfs', source: 'tmpfs', options: [] },
        ],
      });
      expect(r.stdout).toBe('1\n');
      expect(hostMountsUnder('/tmp/inside')).toEqual([]);
    } finally {
      hostile.remove();
    }
  });

  it('resolveUser does not read a host /etc/passwd through a symlink', () => {
    const hostDir = mkdtempSync(join(tmpdir(), 'iza-host-passwd-'));
    const hostile = makeBusyboxRootfs('iza-hostile-');
    try {
      writeFileSync(join(hostDir, 'passwd'), 'evil:x:4242:4242::/evil:/bin/sh\n');
      rmSync(join(hostile.dir, 'etc', 'passwd'));
      symlinkSync(join(hostDir, 'passwd'), join(hostile.dir, 'etc', 'passwd'));
      expect(() => resolveUser(hostile.dir, 'evil')).toThrow(
        expect.objectContaining({ code: 'ERR_IZA_NATIVE_USER_NOT_FOUND' }),
      );
      expect(resolveUser(hostile.dir, '')).toEqual({
        uid: 0,
        gid: 0,
        additionalGids: [0],
        home: '/',
      });
    } finally {
      hostile.remove();
      rmSync(hostDir, { recursive: true, force: true });
    }
  });

  it('refuses an rlimit above the current hard limit, naming it', async () => {
    const err = await createContainerProcess({
      ...baseSpec(rootfs.dir, 'true'),
      rlimits: [{ type: 'RLIMIT_NOFILE', soft: 1024, hard: 2 ** 40 }],
    }).catch((e) => e);
    expect(err).toMatchObject({ code: 'ERR_IZA_NATIVE_RLIMIT_ABOVE_HARD' });
    expect(err.message).toMatch(/^rlimit RLIMIT_NOFILE hard limit/);
  });
});
