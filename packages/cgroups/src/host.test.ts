import { describe, it, expect, afterEach } from '@jest/globals';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { detectCgroupLayout, createCgroupManager } from './index.js';
import type { Cgroup } from './index.js';

const isRoot = process.getuid?.() === 0;
// Creating cgroups below our own needs root; these tests drive the real kernel.
const describeRoot = isRoot ? describe : describe.skip;

const children: ChildProcess[] = [];
const cgroups: Cgroup[] = [];

afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  for (const cg of cgroups.splice(0)) {
    await cg.killAll().catch(() => undefined);
    await cg.destroy({ timeoutMs: 5000 }).catch(() => undefined);
  }
});

function start(command: string, args: string[]): ChildProcess {
  const child = spawn(command, args, { stdio: ['pipe', 'ignore', 'ignore'] });
  children.push(child);
  return child;
}

function exited(child: ChildProcess): Promise<{ code: number | null; signal: string | null }> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  }
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

const name = () => `test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;

describeRoot('cgroups on this host (root)', () => {
  it('creates limited cgroups, tracks a child, reports stats, kills and leaves nothing', async () => {
    const layout = await detectCgroupLayout();
    const manager = createCgroupManager({ layout });
    const cg = await manager.create(name(), {
      memory: { limit: 64 * 1024 * 1024, swap: 64 * 1024 * 1024 },
      cpu: { quota: 50000, period: 100000, shares: 512 },
      pids: { limit: 32 },
    });
    cgroups.push(cg);
    const dirs = [...new Set(Object.values(cg.paths))];
    const read = (controller: string, file: string) =>
      readFile(join(cg.paths[controller] as string, file), 'utf8').then((t) => t.trim());
    expect(await read('memory', 'memory.limit_in_bytes')).toBe(String(64 * 1024 * 1024));
    expect(await read('cpu', 'cpu.cfs_quota_us')).toBe('50000');
    expect(await read('cpu', 'cpu.shares')).toBe('512');
    expect(await read('pids', 'pids.max')).toBe('32');

    // v1 does not move charges with a task: start sleep inside the cgroup so its pages count.
    const child = start('/bin/busybox', ['sh', '-c', 'read _; exec /bin/busybox sleep 30']);
    await cg.addProcess(child.pid as number);
    child.stdin?.write('go\n');

    expect(await cg.pids()).toEqual([child.pid]);
    let stats = await cg.stats();
    for (let i = 0; i < 50 && !((stats.memoryCurrent ?? 0) > 0); i++) {
      await new Promise((r) => setTimeout(r, 20));
      stats = await cg.stats();
    }
    expect(stats.pidsCurrent).toBe(1);
    expect(stats.memoryCurrent).toBeGreaterThan(0);
    expect(stats.memoryPeak).toBeGreaterThanOrEqual(stats.memoryCurrent as number);
    expect(stats.cpuUsageUsec).toBeGreaterThanOrEqual(0);

    await cg.killAll();
    expect((await exited(child)).signal).toBe('SIGKILL');
    await cg.destroy({ timeoutMs: 5000 });

    for (const dir of dirs) expect(await exists(dir)).toBe(false);
    expect(await cg.pids()).toEqual([]);
  });

  it('counts a real OOM kill under a 50 MiB limit', async () => {
    const layout = await detectCgroupLayout();
    const placement = layout.controllers['memory'];
    expect(placement?.delegatable).toBe(true);

    const limit = 50 * 1024 * 1024;
    const cg = await createCgroupManager({ layout }).create(name(), {
      memory: { limit, swap: limit },
    });
    cgroups.push(cg);
    expect(await cg.readOomKills()).toBe(0);

    // `read` holds the shell until it is in the cgroup; dd then allocates one 100 MB buffer.
    const child = start('/bin/busybox', [
      'sh',
      '-c',
      'read _; exec dd if=/dev/zero of=/dev/null bs=100M count=1',
    ]);
    await cg.addProcess(child.pid as number);
    child.stdin?.end('go\n');

    expect((await exited(child)).signal).toBe('SIGKILL');
    expect(await cg.readOomKills()).toBeGreaterThanOrEqual(1);
    await cg.destroy();
  });

  it('refuses to destroy a cgroup that still holds a process, after the timeout', async () => {
    const cg = await createCgroupManager({ layout: await detectCgroupLayout() }).create(name(), {});
    cgroups.push(cg);
    const child = start('sleep', ['30']);
    await cg.addProcess(child.pid as number);

    await expect(cg.destroy({ timeoutMs: 100 })).rejects.toMatchObject({
      code: 'ERR_IZA_CGROUPS_DESTROY_FAILED',
    });

    await cg.killAll('SIGTERM');
    expect((await exited(child)).signal).toBe('SIGTERM');
    await cg.destroy({ timeoutMs: 5000 });
  });
});
