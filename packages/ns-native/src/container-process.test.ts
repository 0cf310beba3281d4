import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { writeFileSync, chmodSync, existsSync } from 'node:fs';
import { join } from 'node:path';

import { ContainerStartError, createContainerProcess } from './index.js';
import { makeBusyboxRootfs, type TestRootfs } from './test-support/rootfs.js';
import { baseSpec, hostMountsUnder, runInContainer } from './test-support/run.js';

// Real containers need root (CAP_SYS_ADMIN for namespaces and mounts).
const asRoot = process.getuid?.() === 0 ? describe : describe.skip;

asRoot('a container process (needs root)', () => {
  let rootfs: TestRootfs;
  beforeAll(() => {
    rootfs = makeBusyboxRootfs();
  });
  afterAll(() => rootfs.remove());

  it('passes stdout through and exits 0', async () => {
    const r = await runInContainer(rootfs.dir, 'echo hello from iza');
    expect(r.stdout).toBe('hello from iza\n');
    expect(r.exit).toEqual({ exitCode: 0, signal: null, status: 0 });
  });

  it('passes the exit code through', async () => {
    const r = await runInContainer(rootfs.dir, 'exit 42');
    expect(r.exit).toEqual({ exitCode: 42, signal: null, status: 42 });
  });

  it('reports death by signal as the signal and 128+N', async () => {
    const proc = await createContainerProcess(baseSpec(rootfs.dir, 'sleep 30'));
    await proc.start();
    // pid 1 of a pid namespace only takes SIGKILL from outside (pid_namespaces(7)).
    process.kill(proc.pid, 'SIGKILL');
    expect(await proc.wait()).toEqual({ exitCode: null, signal: 'SIGKILL', status: 137 });
  });

  it('runs as pid 1 and sees only its own processes', async () => {
    const r = await runInContainer(rootfs.dir, 'echo $$; ps -o pid,comm; true');
    const [pid, header, ...procs] = r.stdout.trim().split('\n');
    expect(pid).toBe('1');
    expect(header).toMatch(/PID/);
    expect(procs.map((l) => l.trim().split(/\s+/)[0])).toEqual(['1', expect.any(String)]);
  });

  it('sets the hostname', async () => {
    const r = await runInContainer(rootfs.dir, 'hostname');
    expect(r.stdout).toBe('iza-container\n');
  });

  it('has only lo, and lo is up', async () => {
    const r = await runInContainer(rootfs.dir, 'ip -o link');
    const links = r.stdout.trim().split('\n');
    expect(links).toHaveLength(1);
    expect(links[0]).toMatch(/^1: lo: <LOOPBACK,UP,LOWER_UP>/);
  });

  it('applies uid, gid and supplementary groups', async () => {
    const r = await runInContainer(rootfs.dir, 'id', {
      user: { uid: 1000, gid: 1000, additionalGids: [10, 29] },
    });
    expect(r.stdout).toBe('uid=1000(app) gid=1000(app) groups=10(wheel),29(audio)\n');
  });

  it('applies cwd, env and umask', async () => {
    const r = await runInContainer(rootfs.dir, 'pwd; echo $GREETING; umask', {
      cwd: '/work',
      env: ['PATH=/bin', 'GREETING=hi there'],
      user: { uid: 0, gid: 0, umask: 0o027 },
    });
    expect(r.stdout).toBe('/work\nhi there\n0027\n');
  });

  it('creates a missing cwd? no: fails at chdir with ENOENT', async () => {
    const err = await runInContainer(rootfs.dir, 'true', { cwd: '/no/such/dir' }).catch((e) => e);
    expect(err).toBeInstanceOf(ContainerStartError);
    expect(err).toMatchObject({ stage: 'chdir /no/such/dir', code: 'ENOENT', syscall: 'chdir' });
  });

  it('resolves args[0] through the container PATH', async () => {
    const r = await runInContainer(rootfs.dir, '', { args: ['echo', 'found'] });
    expect(r.stdout).toBe('found\n');
  });

  it('reports a missing program as stage exec ENOENT', async () => {
    const err = await runInContainer(rootfs.dir, '', { args: ['no-such-program'] }).catch((e) => e);
    expect(err).toBeInstanceOf(ContainerStartError);
    expect(err).toMatchObject({ stage: 'exec no-such-program', code: 'ENOENT', errno: -2 });
    expect(err.message).toBe('exec: "no-such-program": executable file not found in $PATH');

    const abs = await runInContainer(rootfs.dir, '', { args: ['/bin/nope'] }).catch((e) => e);
    expect(abs).toMatchObject({ stage: 'exec /bin/nope', code: 'ENOENT', path: '/bin/nope' });
  });

  it('reports a non-executable program as EACCES', async () => {
    writeFileSync(join(rootfs.dir, 'bin', 'not-exec'), '#!/bin/sh\necho no\n');
    chmodSync(join(rootfs.dir, 'bin', 'not-exec'), 0o644);
    const err = await runInContainer(rootfs.dir, '', { args: ['not-exec'] }).catch((e) => e);
    expect(err).toMatchObject({ stage: 'exec not-exec', code: 'EACCES' });
    const dir = await runInContainer(rootfs.dir, '', { args: ['/work'] }).catch((e) => e);
    expect(dir).toMatchObject({ stage: 'exec /work', code: 'EACCES' });
  });

  it('reports a setup failure with its stage and reaps the child', async () => {
    const err = await createContainerProcess({
      ...baseSpec(rootfs.dir, 'true'),
      mounts: [{ destination: '/mnt', type: 'no-such-fs', source: 'x', options: [] }],
    }).catch((e) => e);
    expect(err).toBeInstanceOf(ContainerStartError);
    expect(err).toMatchObject({ stage: 'mount /mnt', code: 'ENODEV', syscall: 'mount' });
    expect(err.message).toBe('mounting /mnt: ENODEV: no such device');
  });

  it('leaves no mount on the host, and the rootfs can be removed', async () => {
    const own = makeBusyboxRootfs();
    try {
      await runInContainer(own.dir, 'true');
      expect(hostMountsUnder(own.dir)).toEqual([]);
    } finally {
      own.remove();
    }
    expect(existsSync(own.dir)).toBe(false);
  });

  it('aborts a created container that is never started', async () => {
    const proc = await createContainerProcess({ ...baseSpec(rootfs.dir, 'echo never') });
    const exit = await proc.abort();
    expect(exit.exitCode).toBe(127);
    await expect(proc.start()).rejects.toMatchObject({ code: 'ERR_IZA_NATIVE_START_STATE' });
  });
});
