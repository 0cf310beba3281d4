import { chmodSync, existsSync, readFileSync, readdirSync, openSync, closeSync } from 'node:fs';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';

import {
  containerState,
  createContainer,
  deleteContainer,
  killContainer,
  OciErrorCode,
  runContainer,
  startContainer,
} from './index.js';
import type { StoredState } from './index.js';

import { eventually, makeTestBundle, type TestBundle } from './test-support/bundle.js';

const isRoot = process.getuid?.() === 0;
// Namespaces, mounts and cgroups need root; the mapping tests cover the rest without it.
const describeRoot = isRoot ? describe : describe.skip;

let tb: TestBundle;
let id = '';
let n = 0;

function stored(): StoredState {
  return JSON.parse(readFileSync(join(tb.stateRoot, id, 'state.json'), 'utf8')) as StoredState;
}

/** `run` of the bundle with the container's stdout and stderr in a file, read back after. */
async function runWithOutput(): Promise<{ status: number; output: string }> {
  const outFile = join(tb.dir, 'out');
  const fd = openSync(outFile, 'w');
  try {
    const status = await runContainer({
      root: tb.stateRoot,
      id,
      bundle: tb.bundle,
      stdio: [0, fd, fd],
    });
    return { status, output: readFileSync(outFile, 'utf8') };
  } finally {
    closeSync(fd);
  }
}

const alive = (pid: number) =>
  existsSync(`/proc/${pid}`) && !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z');

describeRoot('lifecycle (root, busybox bundle)', () => {
  beforeEach(() => {
    tb = makeTestBundle();
    id = `oci-test-${process.pid}-${++n}`;
  });

  afterEach(async () => {
    await deleteContainer({ root: tb.stateRoot, id, force: true }).catch(() => undefined);
    tb.remove();
  });

  it('create leaves the init waiting with a pid file; start runs the program', async () => {
    tb.writeConfig(['sh', '-c', 'echo started > /tmp/marker; exec sleep 100']);
    const pidFile = join(tb.dir, 'pid');
    const created = await createContainer({ root: tb.stateRoot, id, bundle: tb.bundle, pidFile });

    expect(readFileSync(pidFile, 'utf8')).toBe(String(created.pid));
    expect(containerState({ root: tb.stateRoot, id })).toMatchObject({
      ociVersion: '1.0.2',
      id,
      status: 'created',
      pid: created.pid,
      bundle: tb.bundle,
      rootfs: tb.rootfs,
      owner: 'root',
    });
    expect(existsSync(join(tb.stateRoot, id, 'exec.fifo'))).toBe(true);
    expect(existsSync(join(tb.rootfs, 'tmp', 'marker'))).toBe(false);

    await startContainer({ root: tb.stateRoot, id });
    expect(await eventually(() => existsSync(join(tb.rootfs, 'tmp', 'marker')))).toBe(true);
    expect(containerState({ root: tb.stateRoot, id }).status).toBe('running');
    await expect(startContainer({ root: tb.stateRoot, id })).rejects.toMatchObject({
      code: OciErrorCode.BadState,
    });

    killContainer({ root: tb.stateRoot, id, signal: 'KILL' });
    expect(
      await eventually(() => containerState({ root: tb.stateRoot, id }).status === 'stopped'),
    ).toBe(true);
    expect(containerState({ root: tb.stateRoot, id }).pid).toBe(0);
  });

  it('puts the init in cgroups with the memory limit and removes them on delete', async () => {
    tb.writeConfig(['sleep', '100'], (s) => {
      s.linux = {
        ...s.linux,
        resources: { ...s.linux?.resources, memory: { limit: 50 * 1024 * 1024 } },
      };
    });
    const created = await createContainer({ root: tb.stateRoot, id, bundle: tb.bundle });
    const { cgroupPaths } = stored();
    const memoryDir = cgroupPaths.find(
      (p) => existsSync(join(p, 'memory.limit_in_bytes')) || existsSync(join(p, 'memory.max')),
    );
    expect(memoryDir).toBeDefined();
    const limitFile = existsSync(join(memoryDir as string, 'memory.max'))
      ? 'memory.max'
      : 'memory.limit_in_bytes';
    expect(readFileSync(join(memoryDir as string, limitFile), 'utf8').trim()).toBe(
      String(50 * 1024 * 1024),
    );
    for (const dir of cgroupPaths) {
      expect(readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n')).toContain(
        String(created.pid),
      );
    }

    await deleteContainer({ root: tb.stateRoot, id });
    expect(alive(created.pid)).toBe(false);
    for (const dir of cgroupPaths) expect(existsSync(dir)).toBe(false);
    expect(existsSync(join(tb.stateRoot, id))).toBe(false);
  });

  it('delete of a running container needs --force; with it, everything goes', async () => {
    tb.writeConfig(['sleep', '100']);
    const created = await createContainer({ root: tb.stateRoot, id, bundle: tb.bundle });
    await startContainer({ root: tb.stateRoot, id });

    await expect(deleteContainer({ root: tb.stateRoot, id })).rejects.toMatchObject({
      code: OciErrorCode.BadState,
    });
    expect(alive(created.pid)).toBe(true);
    await deleteContainer({ root: tb.stateRoot, id, force: true });
    expect(alive(created.pid)).toBe(false);
    expect(() => containerState({ root: tb.stateRoot, id })).toThrow(
      expect.objectContaining({ code: OciErrorCode.NotFound }),
    );
  });

  it('kill is refused once stopped, except with --all; a stopped container deletes without force', async () => {
    tb.writeConfig(['true']);
    await createContainer({ root: tb.stateRoot, id, bundle: tb.bundle });
    await startContainer({ root: tb.stateRoot, id });
    expect(
      await eventually(() => containerState({ root: tb.stateRoot, id }).status === 'stopped'),
    ).toBe(true);

    expect(() => killContainer({ root: tb.stateRoot, id, signal: 'TERM' })).toThrow(
      expect.objectContaining({ code: OciErrorCode.BadState }),
    );
    expect(() =>
      killContainer({ root: tb.stateRoot, id, signal: 'TERM', all: true }),
    ).not.toThrow();
    await deleteContainer({ root: tb.stateRoot, id });
  });

  it('SIGKILL stops a created container, which then deletes', async () => {
    tb.writeConfig(['sleep', '100']);
    const created = await createContainer({ root: tb.stateRoot, id, bundle: tb.bundle });
    killContainer({ root: tb.stateRoot, id, signal: 9 });
    expect(await eventually(() => !alive(created.pid))).toBe(true);
    expect(containerState({ root: tb.stateRoot, id }).status).toBe('stopped');
    await deleteContainer({ root: tb.stateRoot, id });
  });

  it('delete of a created container kills its init without starting it', async () => {
    tb.writeConfig(['sh', '-c', 'echo started > /tmp/marker']);
    const created = await createContainer({ root: tb.stateRoot, id, bundle: tb.bundle });
    await deleteContainer({ root: tb.stateRoot, id });
    expect(alive(created.pid)).toBe(false);
    expect(existsSync(join(tb.rootfs, 'tmp', 'marker'))).toBe(false);
  });

  it.each([
    ['a name not on PATH', 'no-such-program', 'ENOENT'],
    ['a missing absolute path', '/bin/no-such-program', 'ENOENT'],
    ['a directory', '/bin', 'EACCES'],
  ])('create fails on %s as runc does, leaving nothing', async (_what, program, code) => {
    tb.writeConfig([program]);
    const attempt = createContainer({ root: tb.stateRoot, id, bundle: tb.bundle });
    await expect(attempt).rejects.toMatchObject({
      message: `creating container ${id}`,
      cause: expect.objectContaining({ stage: `exec ${program}`, code }),
    });
    expect(existsSync(join(tb.stateRoot, id))).toBe(false);
  });

  it('a second create with the same id is refused', async () => {
    tb.writeConfig(['sleep', '100']);
    await createContainer({ root: tb.stateRoot, id, bundle: tb.bundle });
    await expect(
      createContainer({ root: tb.stateRoot, id, bundle: tb.bundle }),
    ).rejects.toMatchObject({ code: OciErrorCode.Exists });
  });

  it('hooks get the state JSON on stdin at each point of the lifecycle', async () => {
    const out = (name: string) => join(tb.dir, `${name}.json`);
    const hook = (name: string) => ({
      path: '/bin/sh',
      args: ['sh', '-c', `cat > ${out(name)}`],
      timeout: 5,
    });
    // startContainer runs in the container: its path and the file it writes are the rootfs's.
    const inContainer = { path: '/bin/sh', args: ['sh', '-c', 'cat > /startContainer.json'] };
    tb.writeConfig(['true'], (s) => {
      s.hooks = {
        prestart: [hook('prestart')],
        createRuntime: [hook('createRuntime')],
        createContainer: [hook('createContainer')],
        startContainer: [inContainer],
        poststart: [hook('poststart')],
        poststop: [hook('poststop')],
      };
    });
    const created = await createContainer({ root: tb.stateRoot, id, bundle: tb.bundle });
    const read = (name: string) =>
      JSON.parse(readFileSync(out(name), 'utf8')) as { status: string; pid: number; id: string };

    expect(read('prestart')).toMatchObject({ status: 'creating', pid: created.pid, id });
    expect(read('createRuntime')).toMatchObject({ status: 'creating', pid: created.pid });
    expect(read('createContainer')).toEqual({ ...created.state, status: 'creating' });
    expect(existsSync(join(tb.rootfs, 'startContainer.json'))).toBe(false);
    await startContainer({ root: tb.stateRoot, id });
    // The init runs the hook before its program: once stopped, the hook has written all of it
    // (the file exists as soon as the hook's `cat` opens it).
    await eventually(() => containerState({ root: tb.stateRoot, id }).status === 'stopped');
    const started = readFileSync(join(tb.rootfs, 'startContainer.json'), 'utf8');
    expect(JSON.parse(started)).toEqual({ ...created.state, status: 'created' });
    expect(read('poststart')).toMatchObject({ status: 'running', pid: created.pid });
    await deleteContainer({ root: tb.stateRoot, id });
    expect(read('poststop')).toMatchObject({ status: 'stopped', id });
  });

  it('a failing prestart hook fails create and undoes it', async () => {
    tb.writeConfig(['sleep', '100'], (s) => {
      s.hooks = { prestart: [{ path: '/bin/sh', args: ['sh', '-c', 'echo no way >&2; exit 3'] }] };
    });
    const err = await createContainer({ root: tb.stateRoot, id, bundle: tb.bundle }).catch(
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: OciErrorCode.HookFailed });
    expect(String((err as Error).cause)).toContain('exited with status 3: no way');
    expect(existsSync(join(tb.stateRoot, id))).toBe(false);
  });

  it('a hook past its timeout is killed and fails create', async () => {
    tb.writeConfig(['sleep', '100'], (s) => {
      s.hooks = { createRuntime: [{ path: '/bin/sleep', args: ['sleep', '30'], timeout: 1 }] };
    });
    const started = Date.now();
    await expect(
      createContainer({ root: tb.stateRoot, id, bundle: tb.bundle }),
    ).rejects.toMatchObject({ code: OciErrorCode.HookFailed });
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('run passes the exit status through and cleans up', async () => {
    tb.writeConfig(['sh', '-c', 'hostname; exit 7']);
    const { status, output } = await runWithOutput();
    expect(status).toBe(7);
    expect(output).toBe('oci-test\n');
    expect(existsSync(join(tb.stateRoot, id))).toBe(false);
  });

  it('runs in a user namespace of its own with the config mappings', async () => {
    tb.writeConfig(['sh', '-c', 'id -u; cat /proc/self/uid_map /proc/self/gid_map'], (s) => {
      s.linux = {
        ...s.linux,
        namespaces: [...(s.linux?.namespaces ?? []), { type: 'user' }],
        uidMappings: [{ containerID: 0, hostID: 400000, size: 65536 }],
        gidMappings: [{ containerID: 0, hostID: 500000, size: 65536 }],
      };
    });
    // The namespace's root is host uid 400000: as with runc, it must be able to reach the
    // rootfs (the bundle's temp dir is 0700).
    chmodSync(tb.dir, 0o711);
    const { status, output } = await runWithOutput();
    expect(status).toBe(0);
    const [uid, uidMap, gidMap] = output.trim().split('\n');
    expect(uid).toBe('0');
    expect(uidMap?.trim().split(/\s+/)).toEqual(['0', '400000', '65536']);
    expect(gidMap?.trim().split(/\s+/)).toEqual(['0', '500000', '65536']);
  });

  it('loads linux.seccomp: the errno a rule names comes back, Seccomp mode 2', async () => {
    tb.writeConfig(
      ['sh', '-c', 'grep ^Seccomp: /proc/self/status; mkdir /tmp/d || echo refused'],
      (s) => {
        s.linux = {
          ...s.linux,
          seccomp: {
            defaultAction: 'SCMP_ACT_ALLOW',
            architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86'],
            syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 13 }],
          },
        };
      },
    );
    const { status, output } = await runWithOutput();
    expect(status).toBe(0);
    const out = output;
    expect(out).toMatch(/^Seccomp:\t2\n/);
    expect(out).toMatch(/Permission denied\nrefused\n$/);
    expect(existsSync(join(tb.rootfs, 'tmp', 'd'))).toBe(false);
    // Compiled once into the root's cache, which no container id can name.
    expect(readdirSync(join(tb.stateRoot, '@seccomp'))).toHaveLength(1);
    await runContainer({ root: tb.stateRoot, id, bundle: tb.bundle, stdio: [0, 2, 2] });
    expect(readdirSync(join(tb.stateRoot, '@seccomp'))).toHaveLength(1);
    expect(readdirSync(tb.stateRoot)).toEqual(['@seccomp']);
  });
});
