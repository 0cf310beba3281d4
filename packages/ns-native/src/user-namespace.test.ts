import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync, readlinkSync } from 'node:fs';

import { createContainerProcess } from './index.js';
import type { ContainerProcessSpec } from './index.js';
import { makeBusyboxRootfs, type TestRootfs } from './test-support/rootfs.js';
import { baseSpec, runInContainer } from './test-support/run.js';

// A container in a user namespace of its own: root inside is an unprivileged host range.
const asRoot = process.getuid?.() === 0 ? describe : describe.skip;

const mapped: Partial<ContainerProcessSpec> = {
  namespaces: (['user', 'pid', 'network', 'mount', 'uts', 'ipc', 'cgroup'] as const).map(
    (type) => ({ type }),
  ),
  uidMappings: [{ containerID: 0, hostID: 200000, size: 65536 }],
  gidMappings: [{ containerID: 0, hostID: 300000, size: 65536 }],
};

asRoot('a container in a user namespace (needs root)', () => {
  let rootfs: TestRootfs;
  beforeAll(() => {
    rootfs = makeBusyboxRootfs();
  });
  afterAll(() => rootfs.remove());

  it('runs as root of its namespace, mapped to the given host ranges', async () => {
    const script =
      'id -u; id -g; cat /proc/self/uid_map /proc/self/gid_map; readlink /proc/self/ns/user';
    const r = await runInContainer(rootfs.dir, script, mapped);

    expect(r.exit.status).toBe(0);
    const [uid, gid, uidMap, gidMap, userns] = r.stdout.trim().split('\n');
    expect([uid, gid]).toEqual(['0', '0']);
    expect(uidMap?.trim().split(/\s+/)).toEqual(['0', '200000', '65536']);
    expect(gidMap?.trim().split(/\s+/)).toEqual(['0', '300000', '65536']);
    expect(userns).not.toBe(readlinkSync('/proc/self/ns/user'));
  });

  it('is an unprivileged user to the host, which sees its host ids', async () => {
    const proc = await createContainerProcess({
      ...baseSpec(rootfs.dir, 'true'),
      ...mapped,
      stdio: [0, 2, 2],
    });
    const status = readFileSync(`/proc/${proc.pid}/status`, 'utf8');
    expect(status).toMatch(/^Uid:\s+200000\s+200000\s+200000\s+200000$/m);
    expect(status).toMatch(/^Gid:\s+300000\s+300000\s+300000\s+300000$/m);
    await proc.start();
    expect((await proc.wait()).status).toBe(0);
  });

  it('cannot write a file the host root owns', async () => {
    const r = await runInContainer(
      rootfs.dir,
      'stat -c %u:%g /bin/busybox; touch /bin/new || echo refused',
      mapped,
    );
    expect(r.stdout.split('\n').slice(0, 2)).toEqual(['65534:65534', 'refused']);
  });
});
