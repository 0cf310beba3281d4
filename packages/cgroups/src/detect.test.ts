import { describe, it, expect, afterEach } from '@jest/globals';
import { detectCgroupLayout } from './index.js';
import { createFakeCgroupFs } from './test-support/fake-cgroupfs.js';
import type { FakeCgroupFs } from './test-support/fake-cgroupfs.js';
import * as texts from './test-support/host-texts.js';

let fake: FakeCgroupFs;

afterEach(async () => {
  await fake.cleanup();
});

describe('detectCgroupLayout', () => {
  it('reads this hybrid host: controllers on v1, cgroup2 with only hugetlb', async () => {
    fake = await createFakeCgroupFs({ v2Root: 'sys/fs/cgroup/unified' });
    await fake.seed('sys/fs/cgroup/unified', { 'cgroup.controllers': 'hugetlb' });
    for (const c of ['cpu', 'cpuacct', 'cpuset', 'pids']) await fake.seed(`sys/fs/cgroup/${c}`);
    await fake.seed('sys/fs/cgroup/memory/process_api/6a2d987d515270faaeb3e2112e9a91c8');

    const layout = await detectCgroupLayout({
      mountinfo: texts.HYBRID_MOUNTINFO,
      procSelfCgroup: texts.HYBRID_PROC_CGROUP,
      fsRoot: fake.root,
      fs: fake,
    });

    expect(layout.mode).toBe('hybrid');
    expect(layout.controllers['memory']).toEqual({
      version: 1,
      mountPoint: `${fake.root}/sys/fs/cgroup/memory`,
      currentPath: '/process_api/6a2d987d515270faaeb3e2112e9a91c8',
      delegatable: true,
    });
    expect(layout.controllers['pids']).toMatchObject({ version: 1, currentPath: '/' });
    expect(layout.controllers['hugetlb']).toMatchObject({ version: 2, currentPath: '/' });
    expect(layout.controllers['systemd']).toBeUndefined();
    expect(layout.controllers['name=systemd']).toBeUndefined();
    // devices/freezer/blkio have no directory here: present but not writable.
    expect(layout.controllers['blkio']).toMatchObject({ version: 1, delegatable: false });
    expect(layout.unified).toEqual({
      mountPoint: `${fake.root}/sys/fs/cgroup/unified`,
      currentPath: '/',
      controllers: ['hugetlb'],
      writable: true,
    });
  });

  it('reads a pure v2 systemd host from a login session', async () => {
    fake = await createFakeCgroupFs({ v2Root: 'sys/fs/cgroup' });
    await fake.seed('sys/fs/cgroup/user.slice/user-1000.slice/session-1.scope', {
      'cgroup.controllers': 'cpuset cpu io memory pids',
    });

    const layout = await detectCgroupLayout({
      mountinfo: texts.V2_MOUNTINFO,
      procSelfCgroup: texts.V2_PROC_CGROUP,
      fsRoot: fake.root,
      fs: fake,
    });

    expect(layout.mode).toBe('v2');
    expect(Object.keys(layout.controllers).sort()).toEqual([
      'cpu',
      'cpuset',
      'io',
      'memory',
      'pids',
    ]);
    expect(layout.controllers['memory']).toEqual({
      version: 2,
      mountPoint: `${fake.root}/sys/fs/cgroup`,
      currentPath: '/user.slice/user-1000.slice/session-1.scope',
      delegatable: true,
    });
  });

  it('reads pure v1 with co-mounted cpu,cpuacct, ignoring name=systemd and a read-only mount', async () => {
    fake = await createFakeCgroupFs({});
    for (const m of ['cpu,cpuacct', 'memory', 'pids']) {
      await fake.seed(`sys/fs/cgroup/${m}/system.slice/sshd.service`);
    }

    const layout = await detectCgroupLayout({
      mountinfo: texts.V1_MOUNTINFO,
      procSelfCgroup: texts.V1_PROC_CGROUP,
      fsRoot: fake.root,
      fs: fake,
    });

    expect(layout.mode).toBe('v1');
    expect(layout.unified).toBeUndefined();
    expect(layout.controllers['cpu']?.mountPoint).toBe(`${fake.root}/sys/fs/cgroup/cpu,cpuacct`);
    expect(layout.controllers['cpuacct']).toEqual(layout.controllers['cpu']);
    expect(layout.controllers['memory']?.currentPath).toBe('/system.slice/sshd.service');
    expect(layout.controllers['pids']?.delegatable).toBe(false);
    expect(Object.keys(layout.controllers).sort()).toEqual(['cpu', 'cpuacct', 'memory', 'pids']);
  });

  it.each([
    ['a cgroup namespace (path /)', '/', '0::/\n', '/'],
    ['a mount of a subtree (container view)', '/docker/abc', '0::/docker/abc/sub\n', '/sub'],
  ])('places iza correctly inside %s', async (_what, root, procCgroup, expected) => {
    fake = await createFakeCgroupFs({ v2Root: 'sys/fs/cgroup' });
    await fake.seed(`sys/fs/cgroup${expected === '/' ? '' : expected}`, {
      'cgroup.controllers': 'memory pids',
    });
    const mountinfo = `30 23 0:26 ${root} /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n`;

    const layout = await detectCgroupLayout({
      mountinfo,
      procSelfCgroup: procCgroup,
      fsRoot: fake.root,
      fs: fake,
    });

    expect(layout.unified?.currentPath).toBe(expected);
    expect(layout.controllers['memory']?.delegatable).toBe(true);
  });

  it('fails with a hint when no cgroup hierarchy is mounted', async () => {
    fake = await createFakeCgroupFs({});
    await expect(
      detectCgroupLayout({
        mountinfo: '27 1 254:0 / / rw - ext4 /dev/vda rw\n',
        procSelfCgroup: '',
        fs: fake,
      }),
    ).rejects.toMatchObject({ code: 'ERR_IZA_CGROUPS_DETECT_FAILED' });
  });

  it('detects this machine as it really is', async () => {
    fake = await createFakeCgroupFs({});
    const layout = await detectCgroupLayout();

    expect(['v1', 'v2', 'hybrid']).toContain(layout.mode);
    expect(Object.keys(layout.controllers).length).toBeGreaterThan(0);
  });
});
