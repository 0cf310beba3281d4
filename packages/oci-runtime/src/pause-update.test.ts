import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';

import {
  containerPids,
  containerPsTable,
  containerState,
  createContainer,
  deleteContainer,
  execContainer,
  killContainer,
  OciErrorCode,
  pauseContainer,
  processFromFlags,
  resumeContainer,
  startContainer,
  updateContainer,
} from './index.js';
import type { OciSpec, StoredState } from './index.js';

import { eventually, makeTestBundle, type TestBundle } from './test-support/bundle.js';

const isRoot = process.getuid?.() === 0;
// Cgroups and namespaces need root.
const describeRoot = isRoot ? describe : describe.skip;

let tb: TestBundle;
let id = '';
let n = 0;

function stored(): StoredState {
  return JSON.parse(readFileSync(join(tb.stateRoot, id, 'state.json'), 'utf8')) as StoredState;
}

const ref = () => ({ root: tb.stateRoot, id });
const status = () => containerState(ref()).status;

async function running(args: string[], edit?: (s: OciSpec) => void): Promise<number> {
  tb.writeConfig(args, edit);
  const created = await createContainer({ ...ref(), bundle: tb.bundle });
  await startContainer(ref());
  return created.pid;
}

/** The leaf of the container that has `file` (v1: that controller's hierarchy; v2: the leaf). */
function leafWith(file: string): string {
  const dir = stored().cgroupPaths.find((p) => existsSync(join(p, file)));
  if (dir === undefined) throw new Error(`no cgroup of the container has ${file}`);
  return dir;
}

const procState = (pid: number) =>
  /^State:\s+(\S)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];

describeRoot('ps, pause, resume and update (root, busybox bundle)', () => {
  beforeEach(() => {
    tb = makeTestBundle();
    id = `oci-pause-${process.pid}-${++n}`;
  });

  afterEach(async () => {
    await deleteContainer({ ...ref(), force: true }).catch(() => undefined);
    tb.remove();
  });

  it('ps lists the host pids of every process in the container, and ps -ef lines of them', async () => {
    const init = await running(['sh', '-c', 'sleep 100 & exec sleep 101']);
    expect(await eventually(() => containerPids(ref()).length === 2)).toBe(true);
    const pids = containerPids(ref());
    expect(pids).toContain(init);
    expect(pids).toEqual([...pids].sort((a, b) => a - b));

    const table = containerPsTable(ref()).trim().split('\n');
    expect(table[0]).toMatch(/^UID\s+PID\s+PPID/);
    expect(table.slice(1).map((l) => Number(l.trim().split(/\s+/)[1]))).toEqual(pids);
    expect(table.slice(1).every((l) => /sleep 10[01]$/.test(l))).toBe(true);
  });

  it('pause freezes every process (state paused), resume thaws them (running)', async () => {
    const init = await running(['sh', '-c', 'while :; do echo . >> /tmp/ticks; sleep 0.05; done']);
    const ticks = () => readFileSync(join(tb.rootfs, 'tmp', 'ticks'), 'utf8').length;
    expect(await eventually(() => existsSync(join(tb.rootfs, 'tmp', 'ticks')))).toBe(true);

    await pauseContainer(ref());
    expect(status()).toBe('paused');
    // What the kernel reports for the container's cgroup, and for its process: a v1 freezer
    // parks tasks in an uninterruptible sleep, the v2 one in an interruptible one.
    const freezer = stored().cgroupPaths.find((p) => existsSync(join(p, 'freezer.state')));
    if (freezer !== undefined) {
      expect(readFileSync(join(freezer, 'freezer.state'), 'utf8').trim()).toBe('FROZEN');
      expect(procState(init)).toBe('D');
    } else {
      expect(readFileSync(join(leafWith('cgroup.events'), 'cgroup.events'), 'utf8')).toMatch(
        /^frozen 1$/m,
      );
    }
    const frozenAt = ticks();
    await new Promise((r) => setTimeout(r, 300));
    expect(ticks()).toBe(frozenAt);

    await expect(pauseContainer(ref())).rejects.toMatchObject({ code: OciErrorCode.BadState });
    await expect(startContainer(ref())).rejects.toMatchObject({ code: OciErrorCode.BadState });
    await expect(
      execContainer({ ...ref(), process: processFromFlags(stored().process, { args: ['true'] }) }),
    ).rejects.toMatchObject({ code: OciErrorCode.BadState });

    await resumeContainer(ref());
    expect(status()).toBe('running');
    expect(await eventually(() => ticks() > frozenAt)).toBe(true);
    await expect(resumeContainer(ref())).rejects.toMatchObject({ code: OciErrorCode.BadState });
  });

  it('delete of a paused container needs --force, which thaws and kills it', async () => {
    const init = await running(['sleep', '100']);
    await pauseContainer(ref());
    await expect(deleteContainer(ref())).rejects.toMatchObject({
      code: OciErrorCode.BadState,
      message: `cannot delete container ${id}: it is paused`,
    });
    const paths = stored().cgroupPaths;
    await deleteContainer({ ...ref(), force: true });
    expect(existsSync(`/proc/${init}`) && procState(init) !== 'Z').toBe(false);
    for (const dir of paths) expect(existsSync(dir)).toBe(false);
  });

  it('kill -9 stops a paused container (it is thawed to die)', async () => {
    await running(['sleep', '100']);
    await pauseContainer(ref());
    killContainer({ ...ref(), signal: 'KILL' });
    expect(await eventually(() => status() === 'stopped')).toBe(true);
    await deleteContainer(ref());
  });

  it('pause of a stopped container is refused', async () => {
    await running(['true']);
    expect(await eventually(() => status() === 'stopped')).toBe(true);
    await expect(pauseContainer(ref())).rejects.toMatchObject({ code: OciErrorCode.BadState });
  });

  it('update changes the memory and pids limits of a running container', async () => {
    await running(['sleep', '100'], (s) => {
      s.linux = {
        ...s.linux,
        resources: { ...s.linux?.resources, memory: { limit: 50 * 2 ** 20 } },
      };
    });
    const memoryFile = existsSync(join(leafWith('cgroup.procs'), 'memory.max'))
      ? 'memory.max'
      : 'memory.limit_in_bytes';
    const memory = leafWith(memoryFile);
    expect(readFileSync(join(memory, memoryFile), 'utf8').trim()).toBe(String(50 * 2 ** 20));

    await updateContainer({
      ...ref(),
      resources: { memory: { limit: 80 * 2 ** 20 }, pids: { limit: 42 } },
    });
    expect(readFileSync(join(memory, memoryFile), 'utf8').trim()).toBe(String(80 * 2 ** 20));
    expect(readFileSync(join(leafWith('pids.max'), 'pids.max'), 'utf8').trim()).toBe('42');
  });

  it('update refuses what it cannot apply, naming it, and a stopped container', async () => {
    await running(['sleep', '100']);
    await expect(
      updateContainer({ ...ref(), resources: { blockIO: { weight: 100 } } }),
    ).rejects.toMatchObject({
      code: OciErrorCode.Unsupported,
      message: 'resources.blockIO: not supported yet',
    });
    killContainer({ ...ref(), signal: 'KILL' });
    expect(await eventually(() => status() === 'stopped')).toBe(true);
    await expect(
      updateContainer({ ...ref(), resources: { pids: { limit: 10 } } }),
    ).rejects.toMatchObject({ code: OciErrorCode.BadState });
  });
});
