import { afterEach, describe, expect, it } from '@jest/globals';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { createCgroupManager, detectCgroupLayout, updateCgroup } from './index.js';
import type { CgroupLayout, CreateCgroupOptions, LinuxResources } from './index.js';
import { createFakeCgroupFs, type FakeCgroupFs } from './test-support/fake-cgroupfs.js';
import * as texts from './test-support/host-texts.js';
import { createV2Host, SELF } from './test-support/v2-host.js';

// runc update's half of the library: new limits for a container cgroup that exists.
let fake: FakeCgroupFs;

afterEach(async () => {
  await fake.cleanup();
});

const read = (path: string) => readFile(path, 'utf8');

/** A pure v2 host and a container below podman's parent, created with `resources`. */
async function v2Container(resources: LinuxResources) {
  const host = await createV2Host({ procs: [SELF] });
  fake = host.fake;
  const cg = await host.manager.create('c1', resources, { parent: '/libpod_parent' });
  const dirs = [...new Set(Object.values(cg.paths))];
  fake.log.length = 0;
  const update = (r: LinuxResources, opts = {}) =>
    updateCgroup(dirs, r, { layout: host.manager.layout, fs: fake, ...opts });
  return { leaf: cg.paths['unified'] as string, update };
}

const V1_FILES = {
  'sys/fs/cgroup/memory': [
    'memory.limit_in_bytes',
    'memory.soft_limit_in_bytes',
    'memory.memsw.limit_in_bytes',
    'memory.usage_in_bytes',
  ],
  'sys/fs/cgroup/cpu': ['cpu.cfs_quota_us', 'cpu.cfs_period_us', 'cpu.shares'],
  'sys/fs/cgroup/cpuacct': ['cpuacct.usage'],
  'sys/fs/cgroup/cpuset': ['cpuset.cpus', 'cpuset.mems'],
  'sys/fs/cgroup/pids': ['pids.max'],
  'sys/fs/cgroup/freezer': ['freezer.state'],
};

/** This project's hybrid host and a container below iza's cgroup, created with `resources`. */
async function hybridContainer(resources: LinuxResources, create: CreateCgroupOptions = {}) {
  fake = await createFakeCgroupFs({ v2Root: 'sys/fs/cgroup/unified', v1Files: V1_FILES });
  await fake.seed('sys/fs/cgroup/unified', { 'cgroup.controllers': 'hugetlb' });
  for (const c of ['cpu', 'cpuacct', 'pids', 'freezer']) await fake.seed(`sys/fs/cgroup/${c}`);
  await fake.seed('sys/fs/cgroup/cpuset', { 'cpuset.cpus': '0-1', 'cpuset.mems': '0' });
  await fake.seed('sys/fs/cgroup/memory/process_api/6a2d');
  const layout: CgroupLayout = await detectCgroupLayout({
    mountinfo: texts.HYBRID_MOUNTINFO,
    procSelfCgroup: texts.HYBRID_PROC_CGROUP.replace('6a2d987d515270faaeb3e2112e9a91c8', '6a2d'),
    fsRoot: fake.root,
    fs: fake,
  });
  const cg = await createCgroupManager({ layout, fs: fake, selfPid: SELF }).create(
    'c1',
    resources,
    create,
  );
  const dirs = [...new Set(Object.values(cg.paths))];
  fake.log.length = 0;
  const update = (r: LinuxResources, opts = {}) =>
    updateCgroup(dirs, r, { layout, fs: fake, ...opts });
  return { paths: cg.paths, update };
}

describe('updateCgroup on cgroup v2', () => {
  it('enables a controller the container was created without, top-down, then limits', async () => {
    const { leaf, update } = await v2Container({ pids: { limit: 64 } });
    await update({ memory: { limit: 100 * 2 ** 20 } });

    expect(fake.log).toEqual([
      'write /sys/fs/cgroup/libpod_parent/cgroup.subtree_control +memory',
      'write /sys/fs/cgroup/libpod_parent/c1/memory.max 104857600',
    ]);
    expect(await read(join(leaf, 'memory.max'))).toBe('104857600');
    expect(await read(join(leaf, 'pids.max'))).toBe('64');
  });

  it('keeps the half of cpu.max an update leaves out', async () => {
    const { leaf, update } = await v2Container({ cpu: { quota: 50000, period: 100000 } });
    await update({ cpu: { quota: 20000 } });
    expect(await read(join(leaf, 'cpu.max'))).toBe('20000 100000');
    await update({ cpu: { period: 200000 } });
    expect(await read(join(leaf, 'cpu.max'))).toBe('20000 200000');
  });

  it('reads the memory limit back for a swap-only update (swap.max = memory+swap - limit)', async () => {
    const { leaf, update } = await v2Container({ memory: { limit: 100, swap: 150 } });
    await update({ memory: { swap: 300 } });
    expect(await read(join(leaf, 'memory.swap.max'))).toBe('200');
  });

  it('refuses a limit below the usage with checkBeforeUpdate, writing nothing', async () => {
    const { leaf, update } = await v2Container({ memory: { limit: 1000 } });
    await writeFile(join(leaf, 'memory.current'), '800');
    await expect(
      update({ memory: { limit: 500 } }, { checkBeforeUpdate: true }),
    ).rejects.toMatchObject({
      code: 'ERR_IZA_CGROUPS_INVALID_LIMIT',
    });
    expect(fake.log).toEqual([]);
    await update({ memory: { limit: 900 } }, { checkBeforeUpdate: true });
    expect(await read(join(leaf, 'memory.max'))).toBe('900');
  });
});

describe('updateCgroup on this hybrid host (v1 limits)', () => {
  it('raises memsw before the limit when the limit goes above it, lowers it after', async () => {
    const { paths, update } = await hybridContainer({ memory: { limit: 100, swap: 200 } });
    const dir = paths['memory'] as string;
    const file = (f: string) => `write ${dir.slice(fake.root.length)}/${f}`;

    await update({ memory: { limit: 300, swap: 400 } });
    expect(fake.log).toEqual([
      `${file('memory.memsw.limit_in_bytes')} 400`,
      `${file('memory.limit_in_bytes')} 300`,
    ]);

    fake.log.length = 0;
    await update({ memory: { limit: 50, swap: 60 } });
    expect(fake.log).toEqual([
      `${file('memory.limit_in_bytes')} 50`,
      `${file('memory.memsw.limit_in_bytes')} 60`,
    ]);
  });

  it('lifts memsw with the limit when the memory limit goes to unlimited (runc)', async () => {
    const { paths, update } = await hybridContainer({ memory: { limit: 100, swap: 200 } });
    await update({ memory: { limit: -1 } });
    const dir = paths['memory'] as string;
    expect(await read(join(dir, 'memory.memsw.limit_in_bytes'))).toBe('-1');
    expect(await read(join(dir, 'memory.limit_in_bytes'))).toBe('-1');
    expect(fake.log[0]).toMatch(/memsw.limit_in_bytes -1$/);
  });

  it('writes pids.max and cpu shares in their own hierarchies', async () => {
    const { paths, update } = await hybridContainer({});
    await update({ pids: { limit: 10 }, cpu: { shares: 512 } });
    expect(await read(join(paths['pids'] as string, 'pids.max'))).toBe('10');
    expect(await read(join(paths['cpu'] as string, 'cpu.shares'))).toBe('512');
  });

  it('refuses a cpuset update for a container created without a cpuset, naming it', async () => {
    const { update } = await hybridContainer({});
    await expect(update({ cpu: { cpus: '0' } })).rejects.toMatchObject({
      code: 'ERR_IZA_CGROUPS_CONTROLLER_UNAVAILABLE',
      message: 'the container has no cpuset cgroup to update',
    });
  });

  it('joins the v1 freezer at create, so that the container can be paused', async () => {
    const { paths } = await hybridContainer({});
    expect(paths['freezer']).toBe(`${fake.root}/sys/fs/cgroup/freezer/iza/c1`);
  });

  it('leaves the freezer out for a caller that never pauses (one migration less)', async () => {
    const { paths } = await hybridContainer({}, { freezer: false });
    expect(paths['freezer']).toBeUndefined();
    expect(paths['pids']).toBe(`${fake.root}/sys/fs/cgroup/pids/iza/c1`);
  });
});
