import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync, readlinkSync, statSync } from 'node:fs';

import { ContainerStartError, createContainerProcess } from './index.js';
import { makeBusyboxRootfs, type TestRootfs } from './test-support/rootfs.js';
import { baseSpec } from './test-support/run.js';

const asRoot = process.getuid?.() === 0 ? describe : describe.skip;

const sameFile = (a: string, b: string) => {
  const [x, y] = [statSync(a), statSync(b)];
  return x.dev === y.dev && x.ino === y.ino;
};

asRoot('the waits between the parent and the container child (needs root)', () => {
  let rootfs: TestRootfs;
  beforeAll(() => {
    rootfs = makeBusyboxRootfs();
  });
  afterAll(() => rootfs.remove());

  it('runs beforePivot after whileSettingUp, while the child waits on the host root', async () => {
    const seen: string[] = [];
    const proc = await createContainerProcess(baseSpec(rootfs.dir, 'true'), {
      whileSettingUp: async () => {
        await new Promise((r) => setTimeout(r, 20));
        seen.push('placed');
      },
      beforePivot: async (pid) => {
        const where = sameFile(`/proc/${pid}/root/`, '/') ? 'host root' : 'pivoted';
        const cgroupns =
          readlinkSync(`/proc/${pid}/ns/cgroup`) !== readlinkSync('/proc/self/ns/cgroup');
        seen.push(`hooks on the ${where}, own cgroup namespace: ${cgroupns}`);
      },
    });
    expect(sameFile(`/proc/${proc.pid}/root/`, rootfs.dir)).toBe(true);
    await proc.start();
    expect(await proc.wait()).toMatchObject({ status: 0 });
    expect(seen).toEqual(['placed', 'hooks on the host root, own cgroup namespace: true']);
  });

  it('is in its own cgroup namespace once it reports ready', async () => {
    const proc = await createContainerProcess(baseSpec(rootfs.dir, 'true'));
    expect(readlinkSync(`/proc/${proc.pid}/ns/cgroup`)).not.toBe(
      readlinkSync('/proc/self/ns/cgroup'),
    );
    await proc.abort();
  });

  it.each(['whileSettingUp', 'beforePivot'])(
    'rejects with the error of %s, the child killed and reaped',
    async (failing) => {
      let pid = 0;
      const fail = () => Promise.reject(new Error('no cgroup for you'));
      const err = await createContainerProcess(baseSpec(rootfs.dir, 'true'), {
        whileSettingUp: async (p) => {
          pid = p;
          if (failing === 'whileSettingUp') await fail();
        },
        beforePivot: async () => {
          if (failing === 'beforePivot') await fail();
        },
      }).catch((e: unknown) => e);
      expect(err).toEqual(new Error('no cgroup for you'));
      expect(existsSync(`/proc/${pid}`)).toBe(false);
    },
  );

  // The child fails before it reads the byte that lets it into its cgroup namespace: closing
  // with that byte unread makes the kernel report ECONNRESET once, ahead of the child's report.
  it('reports an early setup failure, not a reset socket, however the byte races it', async () => {
    const failures = new Set<string>();
    for (let i = 0; i < 100; i++) {
      const err = await createContainerProcess({
        ...baseSpec(rootfs.dir, 'true'),
        mounts: [{ destination: '/mnt', type: 'no-such-fs', source: 'x', options: [] }],
      }).catch((e: unknown) => e as Error);
      failures.add(`${err instanceof ContainerStartError} ${(err as Error).message}`);
    }
    expect([...failures]).toEqual(['true mounting /mnt: ENODEV: no such device']);
  });

  it('refuses before ready an effective capability outside the permitted set', async () => {
    const err = await createContainerProcess({
      ...baseSpec(rootfs.dir, 'true'),
      capabilities: { bounding: ['CAP_KILL'], effective: ['CAP_KILL'], permitted: [] },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ContainerStartError);
    expect(err).toMatchObject({ stage: 'capabilities', code: 'EPERM', syscall: 'capset' });
    expect((err as Error).message).toBe(
      'granting CAP_KILL (the runtime lacks it, or the other sets rule it out): EPERM: operation not permitted',
    );
  });
});
