import { afterEach, describe, expect, it } from '@jest/globals';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LinuxResources } from '../index.js';
import type { CgroupFs } from '../cgroup-fs.js';
import type { FakeCgroupFs } from '../test-support/fake-cgroupfs.js';
import { createV2Host, SCOPE, SELF } from '../test-support/v2-host.js';

const S = `/sys/fs/cgroup${SCOPE}`;
let fake: FakeCgroupFs;

afterEach(async () => {
  await fake.cleanup();
});

async function v2Host(options: Parameters<typeof createV2Host>[0]) {
  const host = await createV2Host(options);
  fake = host.fake;
  return host.manager;
}

const at = (path: string) => join(fake.root, path);
const read = (path: string) => readFile(at(path), 'utf8');

/** The fake with one operation on a path ending in `suffix` failing as the kernel would. */
function failing(op: string, suffix: string, code: string): (f: FakeCgroupFs) => CgroupFs {
  const fail = (path: string) => {
    throw Object.assign(new Error(`${code}: ${op} '${path}'`), { code, syscall: op, path });
  };
  return (f) => ({
    ...f,
    write: async (path, data) => {
      if (op === 'write' && path.endsWith(suffix)) fail(path);
      return f.write(path, data);
    },
    mkdir: async (path) => {
      if (op === 'mkdir' && path.endsWith(suffix)) fail(path);
      return f.mkdir(path);
    },
  });
}

// cpu, cpuset and pids are threaded controllers (cgroup-v2.rst "Threads"): the kernel lets
// them be enabled beside processes, which turns the scope into a thread root whose children
// can host nothing. iza must leave the scope before enabling anything.
describe.each<[string, LinuxResources, string]>([
  ['cpu', { cpu: { quota: 50000, period: 100000 } }, 'cpu.max 50000 100000'],
  ['pids', { pids: { limit: 20 } }, 'pids.max 20'],
  ['cpuset', { cpu: { cpus: '0' } }, 'cpuset.cpus 0'],
])('the threaded controller %s from a scope holding only iza', (controller, resources, write) => {
  it('is enabled after iza moved its own pid into iza/supervisor', async () => {
    const manager = await v2Host({ procs: [SELF] });

    await manager.create('c1', resources);

    expect(fake.log).toEqual([
      `mkdir ${S}/iza`,
      `mkdir ${S}/iza/supervisor`,
      `write ${S}/iza/supervisor/cgroup.procs ${SELF}`,
      `write ${S}/cgroup.subtree_control +${controller}`,
      `write ${S}/iza/cgroup.subtree_control +${controller}`,
      `mkdir ${S}/iza/c1`,
      `write ${S}/iza/c1/${write}`,
    ]);
    expect(await read(`${S}/cgroup.procs`)).toBe('');
  });

  it('is refused, moving and enabling nothing, when another process shares the scope', async () => {
    const manager = await v2Host({ procs: [4242, SELF] });

    await expect(manager.create('c1', resources)).rejects.toMatchObject({
      code: 'ERR_IZA_CGROUPS_NO_DELEGATION',
      message: expect.stringContaining(controller),
      hint: expect.stringContaining('systemd-run --scope'),
    });
    expect(fake.log).toEqual([]);
  });
});

describe('a failed delegation', () => {
  it.each([
    ['creating iza', 'mkdir', '/iza', 'EACCES', 'ERR_IZA_CGROUPS_WRITE_FAILED'],
    ['creating iza/supervisor', 'mkdir', '/supervisor', 'ENOSPC', 'ERR_IZA_CGROUPS_WRITE_FAILED'],
    [
      'moving iza itself',
      'write',
      '/supervisor/cgroup.procs',
      'EACCES',
      'ERR_IZA_CGROUPS_NO_DELEGATION',
    ],
    [
      'enabling in the scope',
      'write',
      `${SCOPE}/cgroup.subtree_control`,
      'EACCES',
      'ERR_IZA_CGROUPS_NO_DELEGATION',
    ],
    [
      'enabling in iza',
      'write',
      '/iza/cgroup.subtree_control',
      'ENOTSUP',
      'ERR_IZA_CGROUPS_NO_DELEGATION',
    ],
  ])(
    'when %s fails (%s), the error has a code and a hint and it is undone',
    async (_what, op, suffix, errno, code) => {
      const manager = await v2Host({ procs: [SELF], wrapFs: failing(op, suffix, errno) });

      const err = await manager.create('c1', { memory: { limit: 1 << 26 } }).catch((e) => e);

      expect(err).toMatchObject({ code, hint: expect.any(String), cause: { code: errno } });
      expect(await read(`${S}/cgroup.procs`)).toBe(String(SELF));
      expect(await read(`${S}/cgroup.subtree_control`)).toBe('');
      expect(existsSync(at(`${S}/iza`))).toBe(false);
    },
  );

  it('undoes the move when a limit write fails after it', async () => {
    const wrapFs = failing('write', '/c1/pids.max', 'EINVAL');
    const manager = await v2Host({ procs: [SELF], wrapFs });

    await expect(manager.create('c1', { pids: { limit: 20 } })).rejects.toMatchObject({
      code: 'ERR_IZA_CGROUPS_WRITE_FAILED',
    });
    expect(await read(`${S}/cgroup.procs`)).toBe(String(SELF));
    expect(await read(`${S}/cgroup.subtree_control`)).toBe('');
    expect(existsSync(at(`${S}/iza`))).toBe(false);
  });
});

describe('the last container out', () => {
  const limits: LinuxResources = { memory: { limit: 1 << 26 }, pids: { limit: 20 } };

  it('disables what iza enabled, moves iza back and removes supervisor and iza', async () => {
    const manager = await v2Host({ procs: [SELF] });
    const cg = await manager.create('c1', limits);
    const before = fake.log.length;

    await cg.destroy();

    // Kernel order: a controller is disabled below before above, a process can only return
    // to a cgroup that passes nothing down, and a cgroup is removed only when empty.
    expect(fake.log.slice(before)).toEqual([
      `rmdir ${S}/iza/c1`,
      `write ${S}/iza/cgroup.subtree_control -memory -pids`,
      `write ${S}/cgroup.subtree_control -memory -pids`,
      `write ${S}/cgroup.procs ${SELF}`,
      `rmdir ${S}/iza/supervisor`,
      `rmdir ${S}/iza`,
    ]);
    expect(await read(`${S}/cgroup.procs`)).toBe(String(SELF));
    expect(await read(`${S}/cgroup.subtree_control`)).toBe('');
  });

  it('removes a relative subpath below iza before undoing the delegation', async () => {
    const manager = await v2Host({ procs: [SELF] });
    const cg = await manager.create('c1', limits, { below: 'a/b' });
    expect(cg.paths['memory']).toBe(at(`${S}/iza/a/b/c1`));
    expect(fake.log).toContain(`write ${S}/iza/a/b/cgroup.subtree_control +memory +pids`);
    const before = fake.log.length;

    await cg.destroy();

    expect(fake.log.slice(before)).toEqual([
      `rmdir ${S}/iza/a/b/c1`,
      `rmdir ${S}/iza/a/b`,
      `rmdir ${S}/iza/a`,
      `write ${S}/iza/cgroup.subtree_control -memory -pids`,
      `write ${S}/cgroup.subtree_control -memory -pids`,
      `write ${S}/cgroup.procs ${SELF}`,
      `rmdir ${S}/iza/supervisor`,
      `rmdir ${S}/iza`,
    ]);
  });

  it('waits for the last of several containers of one iza, then undoes all of it', async () => {
    const manager = await v2Host({ procs: [SELF] });
    const first = await manager.create('first', { memory: { limit: 1 << 26 } });
    const second = await manager.create('second', { cpu: { quota: 50000 } });

    await first.destroy();
    expect(existsSync(at(`${S}/iza/supervisor`))).toBe(true);
    expect(await read(`${S}/cgroup.subtree_control`)).toBe('memory cpu');

    await second.destroy();
    expect(existsSync(at(`${S}/iza`))).toBe(false);
    expect(await read(`${S}/cgroup.subtree_control`)).toBe('');
    expect(await read(`${S}/cgroup.procs`)).toBe(String(SELF));
  });

  it('creates again after undoing, and destroy is idempotent', async () => {
    const manager = await v2Host({ procs: [SELF] });
    const first = await manager.create('c1', limits);
    await first.destroy();
    await first.destroy();

    const second = await manager.create('c2', limits);
    expect(await read(`${S}/iza/supervisor/cgroup.procs`)).toBe(String(SELF));
    await second.destroy();
    expect(existsSync(at(`${S}/iza`))).toBe(false);
  });

  it('leaves everything to another iza that still shares the supervisor', async () => {
    const manager = await v2Host({ procs: [SELF] });
    const cg = await manager.create('c1', limits);
    await writeFile(at(`${S}/iza/supervisor/cgroup.procs`), `${SELF}\n2000`);

    await cg.destroy();

    expect(fake.log.at(-1)).toBe(`rmdir ${S}/iza/c1`);
    expect(await read(`${S}/cgroup.subtree_control`)).toBe('memory pids');
  });

  it('leaves everything while another container is below iza', async () => {
    const manager = await v2Host({ procs: [SELF] });
    const cg = await manager.create('c1', limits);
    await fake.seed(`${S}/iza/other`);

    await cg.destroy();

    expect(fake.log.at(-1)).toBe(`rmdir ${S}/iza/c1`);
    expect(await read(`${S}/iza/supervisor/cgroup.procs`)).toBe(String(SELF));
  });

  it.each([
    ['a controller someone else enabled in the scope', 'write', 'cgroup.subtree_control'],
    ['a cgroup someone else made in the scope', 'mkdir', 'other'],
  ])('stays in supervisor, undoing nothing, beside %s', async (_what, op, file) => {
    const manager = await v2Host({ procs: [SELF] });
    const cg = await manager.create('c1', limits);
    if (op === 'write') await fake.write(at(`${S}/${file}`), '+io');
    else await fake.mkdir(at(`${S}/${file}`));
    const before = fake.log.length;

    await cg.destroy();

    // Back in the scope iza would be an internal process, and taking memory or pids from the
    // scope would take them from that cgroup too.
    expect(fake.log.slice(before)).toEqual([`rmdir ${S}/iza/c1`]);
    expect(await read(`${S}/iza/supervisor/cgroup.procs`)).toBe(String(SELF));
  });

  it('disables only the controllers iza enabled, not those it found', async () => {
    const manager = await v2Host({ procs: [], scopeEnabled: 'memory' });
    const cg = await manager.create('c1', { memory: { limit: 1 << 26 }, cpu: { quota: 50000 } });

    await cg.destroy();

    expect(fake.log).toContain(`write ${S}/cgroup.subtree_control -cpu`);
    expect(await read(`${S}/cgroup.subtree_control`)).toBe('memory');
    expect(existsSync(at(`${S}/iza`))).toBe(false);
  });
});
