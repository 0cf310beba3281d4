import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync, mkdirSync, readFileSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';

import type { NativeBinding } from './binding.js';
import { ContainerStartError, createContainerProcess } from './index.js';
import { loadBinding } from './load.js';
import { makeBusyboxRootfs, type TestRootfs } from './test-support/rootfs.js';
import { baseSpec } from './test-support/run.js';

/** This process's cgroup in the v1 pids hierarchy and in the v2 one, from /proc/self/cgroup. */
function ownCgroups(): { pids?: string; unified?: string } {
  const out: { pids?: string; unified?: string } = {};
  for (const line of readFileSync('/proc/self/cgroup', 'utf8').split('\n')) {
    const [, controllers, path] = line.split(':');
    if (path === undefined) continue;
    if (controllers === 'pids') out.pids = path;
    if (controllers === '') out.unified = path;
  }
  return out;
}

const own = ownCgroups();
const pidsRoot = '/sys/fs/cgroup/pids';
const unifiedRoot = existsSync('/sys/fs/cgroup/unified/cgroup.procs')
  ? '/sys/fs/cgroup/unified'
  : undefined;
// Needs root and a hybrid host (a v1 pids hierarchy and a cgroup2 mount beside it), as CI's.
const hybrid =
  process.getuid?.() === 0 &&
  own.pids !== undefined &&
  own.unified !== undefined &&
  existsSync(join(pidsRoot, 'tasks')) &&
  unifiedRoot !== undefined;
const onHybridHost = hybrid ? describe : describe.skip;

/** The cgroup `pid` is in, per hierarchy line of /proc/<pid>/cgroup ('pids', '' for v2). */
function cgroupOf(pid: number, controllers: string): string | undefined {
  for (const line of readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n')) {
    const [, c, path] = line.split(':');
    if (c === controllers) return path;
  }
  return undefined;
}

onHybridHost('a container child that places itself in its cgroups (root, hybrid host)', () => {
  let rootfs: TestRootfs;
  // Cgroups of this test's own, below the ones it runs in.
  const name = `iza-selfjoin-${process.pid}`;
  const v1 = join(pidsRoot, own.pids ?? '/', name);
  const v2 = join(unifiedRoot ?? '/', own.unified ?? '/', name);

  beforeAll(() => {
    rootfs = makeBusyboxRootfs();
    mkdirSync(v1);
    mkdirSync(v2);
  });
  afterAll(() => {
    rootfs.remove();
    for (const dir of [v1, v2]) if (existsSync(dir)) rmdirSync(dir);
  });

  it('is in the v1 leaf and born in the v2 one before it reports ready', async () => {
    const proc = await createContainerProcess(baseSpec(rootfs.dir, 'true'), {
      cgroups: { v1: [v1], v2 },
    });
    try {
      expect(cgroupOf(proc.pid, 'pids')).toBe(join(own.pids ?? '/', name));
      expect(cgroupOf(proc.pid, '')).toBe(join(own.unified ?? '/', name));
      expect(readFileSync(join(v1, 'cgroup.procs'), 'utf8').trim()).toBe(String(proc.pid));
    } finally {
      await proc.start();
      expect(await proc.wait()).toMatchObject({ status: 0 });
    }
  });

  it('joins the v2 leaf itself where clone3 is refused', async () => {
    const binding = loadBinding();
    // As under docker's default seccomp profile, where clone3 fails with ENOSYS.
    const noClone3: NativeBinding = {
      ...binding,
      spawnContainer: (plan) => binding.spawnContainer({ ...plan, noClone3: true }),
    };
    const proc = await createContainerProcess(baseSpec(rootfs.dir, 'true'), {
      binding: noClone3,
      cgroups: { v1: [v1], v2 },
    });
    try {
      expect(cgroupOf(proc.pid, 'pids')).toBe(join(own.pids ?? '/', name));
      expect(cgroupOf(proc.pid, '')).toBe(join(own.unified ?? '/', name));
    } finally {
      await proc.start();
      expect(await proc.wait()).toMatchObject({ status: 0 });
    }
  });

  it('fails naming the cgroup it could not join, and leaves the one it joined', async () => {
    const missing = join(pidsRoot, own.pids ?? '/', `${name}-missing`);
    const err = await createContainerProcess(baseSpec(rootfs.dir, 'true'), {
      cgroups: { v1: [v1, missing] },
    }).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(ContainerStartError);
    expect((err as Error).message).toBe(
      `joining cgroup ${missing}: ENOENT: no such file or directory`,
    );
    expect(readFileSync(join(v1, 'cgroup.procs'), 'utf8')).toBe('');
  });

  it('refuses a v2 leaf that does not exist before cloning anything', async () => {
    const missing = `${v2}-missing`;
    const err = await createContainerProcess(baseSpec(rootfs.dir, 'true'), {
      cgroups: { v1: [], v2: missing },
    }).catch((e: unknown) => e);

    expect(err).toMatchObject({ code: 'ENOENT', syscall: 'open', path: missing });
  });
});
