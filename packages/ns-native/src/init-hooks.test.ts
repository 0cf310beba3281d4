import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync, mkdtempSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ContainerStartError, createContainerProcess } from './index.js';
import type { HookSpec } from './index.js';
import { makeBusyboxRootfs, type TestRootfs } from './test-support/rootfs.js';
import { baseSpec, runInContainer } from './test-support/run.js';

// The OCI createContainer and startContainer hooks, which the init runs at points of its own
// setup. Real containers need root.
const asRoot = process.getuid?.() === 0 ? describe : describe.skip;

const sh = (script: string, timeout?: number): HookSpec => ({
  path: '/bin/sh',
  args: ['sh', '-c', script],
  env: ['PATH=/usr/bin:/bin'],
  ...(timeout === undefined ? {} : { timeout }),
});

asRoot('hooks the container init runs (needs root)', () => {
  let rootfs: TestRootfs;
  let out: string;
  beforeAll(() => {
    rootfs = makeBusyboxRootfs();
    out = mkdtempSync(join(tmpdir(), 'iza-hooks-'));
  });
  afterAll(() => {
    rootfs.remove();
    rmSync(out, { recursive: true, force: true });
  });

  it('runs createContainer before pivot_root, in the container namespaces', async () => {
    // Before pivot_root the host's files are there (the hook writes to the host's /tmp) but the
    // namespaces are the container's (its hostname, its mount namespace).
    const script =
      `cat > ${out}/state; hostname > ${out}/hostname; ` +
      `readlink /proc/self/ns/mnt > ${out}/mnt`;
    const proc = await createContainerProcess({
      ...baseSpec(rootfs.dir, 'true'),
      stdio: [0, 2, 2],
      hooks: { createContainer: [sh(script)], state: { ociVersion: '1.2.0', id: 'c1' } },
    });
    await proc.start();
    await proc.wait();

    const state = JSON.parse(readFileSync(join(out, 'state'), 'utf8')) as Record<string, unknown>;
    expect(state).toEqual({ pid: proc.pid, ociVersion: '1.2.0', id: 'c1', status: 'creating' });
    expect(readFileSync(join(out, 'hostname'), 'utf8')).toBe('iza-container\n');
    expect(readFileSync(join(out, 'mnt'), 'utf8').trim()).toMatch(/^mnt:\[\d+\]$/);
    expect(readFileSync(join(out, 'mnt'), 'utf8').trim()).not.toBe(
      readlinkSync('/proc/self/ns/mnt'),
    );
  });

  it('runs startContainer in the container after start, before the program', async () => {
    // The path and the file it writes are the container's: /tmp of the rootfs.
    const r = await runInContainer(rootfs.dir, 'cat /tmp/started; cat /tmp/state', {
      hooks: {
        startContainer: [sh('echo started > /tmp/started; cat > /tmp/state')],
        state: { id: 'c2' },
      },
    });
    expect(r.exit.status).toBe(0);
    const [started, json] = r.stdout.split('\n');
    expect(started).toBe('started');
    expect(JSON.parse(json ?? '')).toEqual({
      pid: expect.any(Number),
      id: 'c2',
      status: 'created',
    });
    expect(existsSync(join(out, 'started'))).toBe(false);
  });

  it.each([
    ['exits non-zero', sh('exit 3'), 'exited with status 3'],
    ['is killed', sh('kill -9 $$'), 'was killed by signal 9'],
    ['outlives its timeout', sh('sleep 10', 1), 'ETIMEDOUT'],
    ['cannot be executed', { path: '/no/such/hook' }, 'exited with status 127'],
  ])(
    'fails the container when a createContainer hook %s',
    async (_what, hook, why) => {
      const attempt = createContainerProcess({
        ...baseSpec(rootfs.dir, 'true'),
        stdio: [0, 2, 2],
        hooks: { createContainer: [sh('true'), hook], state: {} },
      });
      await expect(attempt).rejects.toBeInstanceOf(ContainerStartError);
      await expect(attempt).rejects.toMatchObject({
        stage: `hook ${hook.path}`,
        message: expect.stringContaining(`running createContainer hook ${hook.path}: ${why}`),
      });
    },
    20_000,
  );

  it('fails start, before the program runs, when a startContainer hook fails', async () => {
    const proc = await createContainerProcess({
      ...baseSpec(rootfs.dir, `touch /tmp/program-ran`),
      stdio: [0, 2, 2],
      hooks: { startContainer: [sh('exit 4')], state: {} },
    });
    await expect(proc.start()).rejects.toMatchObject({
      message: expect.stringContaining('running startContainer hook /bin/sh: exited with status 4'),
    });
    expect(existsSync(join(rootfs.dir, 'tmp', 'program-ran'))).toBe(false);
  });

  it('ignores a hook that does not read its state', async () => {
    const big = { blob: 'x'.repeat(300_000) };
    const r = await runInContainer(rootfs.dir, 'echo ran', {
      hooks: { startContainer: [sh('exit 0')], createContainer: [sh('exit 0')], state: big },
    });
    expect(r).toMatchObject({ stdout: 'ran\n', exit: { status: 0 } });
  });
});
