import { describe, it, expect, afterEach } from '@jest/globals';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { createCgroupManager, detectCgroupLayout, removeStaleCgroups } from './index.js';
import type { LinuxResources } from './index.js';
import { createFakeCgroupFs } from './test-support/fake-cgroupfs.js';
import type { FakeCgroupFs } from './test-support/fake-cgroupfs.js';
import * as texts from './test-support/host-texts.js';
import { createV2Host, SCOPE, SELF } from './test-support/v2-host.js';

let fake: FakeCgroupFs;

afterEach(async () => {
  await fake.cleanup();
});

async function v2Host(procs: number[], scopeEnabled = '') {
  const host = await createV2Host({ procs, scopeEnabled });
  fake = host.fake;
  return host.manager;
}

const read = (dir: string, file: string) => readFile(join(dir, file), 'utf8');

describe('v2 manager', () => {
  it('refuses with a clear error when the scope holds another process, moving nothing', async () => {
    const manager = await v2Host([4242, SELF]);

    await expect(manager.create('c1', { memory: { limit: 1 << 26 } })).rejects.toMatchObject({
      code: 'ERR_IZA_CGROUPS_NO_DELEGATION',
      message: expect.stringContaining('memory'),
    });
    expect(fake.log).toEqual([]);
    expect(await read(join(fake.root, `sys/fs/cgroup${SCOPE}`), 'cgroup.procs')).toBe('4242\n1000');
  });

  it('moves only its own pid to iza/supervisor, then enables controllers top-down', async () => {
    const manager = await v2Host([SELF]);
    const s = `/sys/fs/cgroup${SCOPE}`;

    const cg = await manager.create('c1', {
      memory: { limit: 100 * 2 ** 20, swap: 150 * 2 ** 20, reservation: 50 * 2 ** 20 },
      cpu: { quota: 50000, period: 100000, shares: 1024 },
      pids: { limit: 64 },
    });
    await cg.addProcess(4321);

    expect(fake.log).toEqual([
      `mkdir ${s}/iza`,
      `mkdir ${s}/iza/supervisor`,
      `write ${s}/iza/supervisor/cgroup.procs 1000`,
      `write ${s}/cgroup.subtree_control +memory +cpu +pids`,
      `write ${s}/iza/cgroup.subtree_control +memory +cpu +pids`,
      `mkdir ${s}/iza/c1`,
      `write ${s}/iza/c1/memory.low 52428800`,
      `write ${s}/iza/c1/memory.max 104857600`,
      `write ${s}/iza/c1/memory.swap.max 52428800`,
      `write ${s}/iza/c1/cpu.max 50000 100000`,
      `write ${s}/iza/c1/cpu.weight 100`,
      `write ${s}/iza/c1/pids.max 64`,
      `write ${s}/iza/c1/cgroup.procs 4321`,
    ]);
    expect(cg.paths).toEqual({
      unified: `${fake.root}${s}/iza/c1`,
      memory: `${fake.root}${s}/iza/c1`,
      cpu: `${fake.root}${s}/iza/c1`,
      pids: `${fake.root}${s}/iza/c1`,
    });
  });

  it('uses a scope that already delegates controllers without touching it', async () => {
    const manager = await v2Host([], 'memory pids');
    const s = `/sys/fs/cgroup${SCOPE}`;

    await manager.create('c1', { pids: { limit: -1 } });

    expect(fake.log).toEqual([
      `mkdir ${s}/iza`,
      `write ${s}/iza/cgroup.subtree_control +pids`,
      `mkdir ${s}/iza/c1`,
      `write ${s}/iza/c1/pids.max max`,
    ]);
  });

  it('honours --cgroup-parent, enabling each ancestor it passes and removing what it made', async () => {
    const manager = await v2Host([]);

    const cg = await manager.create(
      'c1',
      { memory: { limit: 1 << 26 } },
      { parent: '/machine.slice/iza-x' },
    );
    expect(cg.paths['memory']).toBe(`${fake.root}/sys/fs/cgroup/machine.slice/iza-x/c1`);
    expect(fake.log.filter((l) => l.includes('subtree_control'))).toEqual([
      'write /sys/fs/cgroup/machine.slice/cgroup.subtree_control +memory',
      'write /sys/fs/cgroup/machine.slice/iza-x/cgroup.subtree_control +memory',
    ]);

    await cg.destroy();
    expect(fake.log.slice(-3)).toEqual([
      'rmdir /sys/fs/cgroup/machine.slice/iza-x/c1',
      'rmdir /sys/fs/cgroup/machine.slice/iza-x',
      'rmdir /sys/fs/cgroup/machine.slice',
    ]);
  });

  it('reads OOM kills from memory.events and kills through cgroup.kill', async () => {
    const manager = await v2Host([], 'memory');
    const cg = await manager.create('c1', { memory: { limit: 1 << 26 } });
    const dir = cg.paths['memory'] as string;
    await fake.seed(dir.slice(fake.root.length), { 'memory.events': 'oom 3\noom_kill 2\n' });

    expect(await cg.readOomKills()).toBe(2);
    await cg.killAll();
    expect(fake.log.at(-1)).toBe(`write ${dir.slice(fake.root.length)}/cgroup.kill 1`);
  });

  it('names the missing controller instead of ignoring a limit', async () => {
    const manager = await v2Host([]);
    const layout = {
      ...manager.layout,
      controllers: { ...manager.layout.controllers, pids: undefined },
    };

    await expect(
      createCgroupManager({ layout, fs: fake }).create('c1', { pids: { limit: 10 } }),
    ).rejects.toMatchObject({
      code: 'ERR_IZA_CGROUPS_CONTROLLER_UNAVAILABLE',
      message: 'cgroup controller pids is not available on this host',
    });
  });

  it.each<[string, NonNullable<LinuxResources['memory']>]>([
    ['swappiness', { swappiness: 10 }],
    ['kernelTCP', { kernelTCP: 1 << 24 }],
    ['disableOOMKiller', { disableOOMKiller: true }],
  ])('refuses memory %s, which cgroup v2 does not have', async (field, memory) => {
    const manager = await v2Host([], 'memory');
    await expect(manager.create('c1', { memory })).rejects.toMatchObject({
      code: 'ERR_IZA_CGROUPS_CONTROLLER_UNAVAILABLE',
      message: `cgroup v2 has no memory ${field} setting`,
    });
  });

  it.each(['../x', 'a/b', '', '.hidden'])('rejects the name %j', async (name) => {
    const manager = await v2Host([]);
    await expect(manager.create(name, {})).rejects.toMatchObject({
      code: 'ERR_IZA_CGROUPS_INVALID_NAME',
    });
  });
});

const V1_FILES = {
  'sys/fs/cgroup/memory': [
    'memory.limit_in_bytes',
    'memory.soft_limit_in_bytes',
    'memory.memsw.limit_in_bytes',
    'memory.oom_control',
    'memory.usage_in_bytes',
    'memory.max_usage_in_bytes',
  ],
  'sys/fs/cgroup/cpu': ['cpu.cfs_quota_us', 'cpu.cfs_period_us', 'cpu.shares'],
  'sys/fs/cgroup/cpuacct': ['cpuacct.usage'],
  'sys/fs/cgroup/cpuset': ['cpuset.cpus', 'cpuset.mems'],
  'sys/fs/cgroup/pids': ['pids.max', 'pids.current'],
};

async function hybridHost(memoryFiles = V1_FILES['sys/fs/cgroup/memory']) {
  fake = await createFakeCgroupFs({
    v2Root: 'sys/fs/cgroup/unified',
    v1Files: { ...V1_FILES, 'sys/fs/cgroup/memory': memoryFiles },
  });
  await fake.seed('sys/fs/cgroup/unified', { 'cgroup.controllers': 'hugetlb' });
  for (const c of ['cpu', 'cpuacct', 'pids']) await fake.seed(`sys/fs/cgroup/${c}`);
  await fake.seed('sys/fs/cgroup/cpuset', { 'cpuset.cpus': '0-1', 'cpuset.mems': '0' });
  await fake.seed('sys/fs/cgroup/memory/process_api/6a2d');
  const layout = await detectCgroupLayout({
    mountinfo: texts.HYBRID_MOUNTINFO,
    procSelfCgroup: texts.HYBRID_PROC_CGROUP.replace('6a2d987d515270faaeb3e2112e9a91c8', '6a2d'),
    fsRoot: fake.root,
    fs: fake,
  });
  return createCgroupManager({ layout, fs: fake, selfPid: SELF });
}

describe('dispatcher on this hybrid host', () => {
  it('puts limits on v1 below iza’s own memory cgroup and tracks in a bare v2 leaf', async () => {
    const manager = await hybridHost();

    const cg = await manager.create('c1', {
      memory: { limit: 100 * 2 ** 20, swap: 200 * 2 ** 20, reservation: 10 * 2 ** 20 },
      cpu: { quota: 150000, period: 100000, shares: 512, cpus: '1' },
      pids: { limit: 10 },
    });
    await cg.addProcess(4321);

    expect(fake.log).toEqual(
      expect.arrayContaining([
        'mkdir /sys/fs/cgroup/unified/iza/c1',
        'write /sys/fs/cgroup/memory/process_api/6a2d/iza/c1/memory.limit_in_bytes 104857600',
        'write /sys/fs/cgroup/memory/process_api/6a2d/iza/c1/memory.memsw.limit_in_bytes 209715200',
        'write /sys/fs/cgroup/memory/process_api/6a2d/iza/c1/memory.soft_limit_in_bytes 10485760',
        'write /sys/fs/cgroup/cpu/iza/c1/cpu.cfs_period_us 100000',
        'write /sys/fs/cgroup/cpu/iza/c1/cpu.cfs_quota_us 150000',
        'write /sys/fs/cgroup/cpu/iza/c1/cpu.shares 512',
        'write /sys/fs/cgroup/cpuset/iza/cpuset.cpus 0-1',
        'write /sys/fs/cgroup/cpuset/iza/c1/cpuset.cpus 1',
        'write /sys/fs/cgroup/pids/iza/c1/pids.max 10',
        'write /sys/fs/cgroup/unified/iza/c1/cgroup.procs 4321',
        'write /sys/fs/cgroup/memory/process_api/6a2d/iza/c1/cgroup.procs 4321',
      ]),
    );
    expect(
      fake.log.indexOf('write /sys/fs/cgroup/cpu/iza/c1/cpu.cfs_period_us 100000'),
    ).toBeLessThan(fake.log.indexOf('write /sys/fs/cgroup/cpu/iza/c1/cpu.cfs_quota_us 150000'));
    expect(fake.log.some((l) => l.includes('subtree_control'))).toBe(false);
    expect(cg.paths['memory']).toBe(`${fake.root}/sys/fs/cgroup/memory/process_api/6a2d/iza/c1`);

    // The fake's pid 4321 never exits: destroy gives up after its timeout and says why.
    await expect(cg.destroy({ timeoutMs: 50 })).rejects.toMatchObject({
      code: 'ERR_IZA_CGROUPS_DESTROY_FAILED',
    });
    const empty = await manager.create('c2', {});
    await empty.destroy();
    expect(fake.log.filter((l) => l.startsWith('rmdir') && l.endsWith('/c2')).length).toBe(5);
  });

  it('writes kernel TCP, swappiness and the OOM killer switch to the v1 memory controller', async () => {
    const manager = await hybridHost([
      ...V1_FILES['sys/fs/cgroup/memory'],
      'memory.kmem.tcp.limit_in_bytes',
      'memory.swappiness',
    ]);
    const mem = '/sys/fs/cgroup/memory/process_api/6a2d/iza/c1';

    await manager.create('c1', {
      memory: { limit: 1 << 26, kernelTCP: 1 << 24, swappiness: 10, disableOOMKiller: true },
    });

    expect(fake.log).toEqual(
      expect.arrayContaining([
        `write ${mem}/memory.kmem.tcp.limit_in_bytes 16777216`,
        `write ${mem}/memory.swappiness 10`,
        `write ${mem}/memory.oom_control 1`,
      ]),
    );
  });

  it('places a relative subpath below iza in every hierarchy and removes it again', async () => {
    const manager = await hybridHost();

    const cg = await manager.create('c1', { pids: { limit: 10 } }, { below: 'a/b' });

    expect(cg.paths['pids']).toBe(`${fake.root}/sys/fs/cgroup/pids/iza/a/b/c1`);
    expect(cg.paths['memory']).toBe(
      `${fake.root}/sys/fs/cgroup/memory/process_api/6a2d/iza/a/b/c1`,
    );
    await cg.destroy();
    for (const dir of Object.values(cg.paths)) {
      expect(existsSync(dirname(dirname(dirname(dir))))).toBe(false);
    }
  });

  it.each(['../x', 'a//b', '/abs', 'a/.b'])('rejects the subpath %j', async (below) => {
    const manager = await hybridHost();
    await expect(manager.create('c1', {}, { below })).rejects.toMatchObject({
      code: 'ERR_IZA_CGROUPS_INVALID_NAME',
    });
  });

  it('fails on swap without swap accounting, but accepts unlimited swap', async () => {
    const noMemsw = V1_FILES['sys/fs/cgroup/memory'].filter((f) => !f.includes('memsw'));
    const manager = await hybridHost(noMemsw);

    await expect(
      manager.create('c1', { memory: { limit: 1 << 26, swap: 1 << 27 } }),
    ).rejects.toMatchObject({
      code: 'ERR_IZA_CGROUPS_CONTROLLER_UNAVAILABLE',
      message: 'cgroup controller memory has no memory.memsw.limit_in_bytes on this host',
    });
    expect(await manager.create('c2', { memory: { limit: 1 << 26, swap: -1 } })).toBeDefined();
  });

  it('leaves the shared iza directories to the last container out', async () => {
    const manager = await hybridHost();
    const first = await manager.create('first', {});
    const second = await manager.create('second', {});
    const izaDirs = [...new Set(Object.values(first.paths).map((p) => dirname(p)))];

    await first.destroy();
    for (const dir of izaDirs) expect(existsSync(dir)).toBe(true);

    await second.destroy();
    for (const dir of izaDirs) expect(existsSync(dir)).toBe(false);
  });

  it('removes only the empty cgroups of dead runs below the iza directories', async () => {
    const manager = await hybridHost();
    const dead = await manager.create('dead', {});
    const alive = await manager.create('alive', {});
    await alive.addProcess(4321);

    const removed = await removeStaleCgroups(manager.layout, (n) => n === 'alive', fake);

    expect(removed.sort()).toEqual(
      Object.values(dead.paths)
        .filter((v, i, a) => a.indexOf(v) === i)
        .sort(),
    );
    expect(await alive.pids()).toEqual([4321]);
    // The iza directories still hold the live container: they stay.
    for (const p of Object.values(alive.paths)) expect(existsSync(dirname(p))).toBe(true);
  });
});
