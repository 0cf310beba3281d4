import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';

import { mknod, constants as nativeConstants } from '@iza/ns-native';

import { readProcStat } from './proc-stat.js';
import type { StoredState } from './state-store.js';

// iza-runtime-front (native/front) on its own: a state directory written by hand, a `sleep` as
// the container's init, and a launcher that only records that it was handed the command. What
// is checked is the front's decision: do start/delete itself, or hand over, changing nothing.
const FRONT = join(import.meta.dirname, '..', 'dist', 'front', 'iza-runtime-front');

let dir: string;
let launcher: string;
let handedOver: string;
const children: ChildProcess[] = [];

function front(...args: string[]) {
  const r = spawnSync(FRONT, [launcher, '--root', join(dir, 'state'), ...args], {
    encoding: 'utf8',
  });
  const record = existsSync(handedOver) ? readFileSync(handedOver, 'utf8') : undefined;
  return { status: r.status, stderr: r.stderr, handedOver: record };
}

/** A live process to stand for the init, with the start time the state must name. */
function fakeInit(): { pid: number; startTime: string } {
  const child = spawn('sleep', ['1000'], { stdio: 'ignore' });
  children.push(child);
  const pid = child.pid as number;
  const stat = readProcStat(pid);
  if (stat === undefined) throw new Error('sleep did not start');
  return { pid, startTime: stat.startTime };
}

/** Writes <state>/<id>/state.json (and the exec fifo for a created container). */
function writeState(id: string, over: Partial<StoredState> & Record<string, unknown> = {}) {
  const init = fakeInit();
  const cdir = join(dir, 'state', id);
  mkdirSync(cdir, { recursive: true });
  // A plain directory stands for the cgroup leaf: no cgroup.procs to list, removable by rmdir.
  const cgroup = join(dir, `cgroup-${id}`);
  mkdirSync(cgroup);
  const state = {
    ociVersion: '1.2.0',
    id,
    pid: init.pid,
    initStartTime: init.startTime,
    bundle: dir,
    rootfs: join(dir, 'rootfs'),
    created: new Date().toISOString(),
    owner: 'root',
    annotations: { 'org.example/note': 'a "quoted" \\ value, \u00e9t\u00e9 \ud83d\ude00\n' },
    cgroupPaths: [cgroup],
    ownPidNamespace: true,
    poststart: [],
    poststop: [],
    ...over,
  };
  writeFileSync(join(cdir, 'state.json'), JSON.stringify(state));
  return { cdir, cgroup, init };
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'iza-front-'));
  handedOver = join(dir, 'handed-over');
  launcher = join(dir, 'launcher');
  writeFileSync(
    launcher,
    `#!/bin/sh\necho "$IZA_RUNTIME_NO_FRONT $*" > '${handedOver}'\nexit 42\n`,
  );
  chmodSync(launcher, 0o755);
});

afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

describe('iza-runtime-front', () => {
  it('hands every command it does not do to the launcher, with IZA_RUNTIME_NO_FRONT=1', () => {
    for (const args of [
      ['create', '--bundle', '/b', 'c1'],
      ['state', 'c1'],
      ['kill', 'c1', 'KILL'],
      ['start', 'a', 'b'],
      ['delete', '--bogus', 'c1'],
      ['--debug', 'start', 'c1'],
      ['--version'],
    ]) {
      rmSync(handedOver, { force: true });
      const r = front(...args);
      expect(r).toMatchObject({
        status: 42,
        handedOver: `1 --root ${dir}/state ${args.join(' ')}\n`,
      });
    }
  });

  it('hands over a container it has no state for, or a bad id, for the runtime to report', () => {
    expect(front('start', 'missing').status).toBe(42);
    expect(front('delete', '--force', '../escape').status).toBe(42);
  });

  it('deletes a stopped container itself: cgroup leaves and state directory gone', async () => {
    const { cdir, cgroup } = writeState('c1');
    const init = children.pop() as ChildProcess;
    init.kill('SIGKILL');
    await new Promise((done) => init.on('exit', done));

    const r = front('delete', 'c1');
    expect(r).toMatchObject({ status: 0, handedOver: undefined });
    expect(existsSync(cdir)).toBe(false);
    expect(existsSync(cgroup)).toBe(false);
  });

  it('removes the cgroup directories create made above the leaves, when empty', async () => {
    const above = join(dir, 'iza', 'a');
    const busy = join(dir, 'iza', 'b');
    mkdirSync(join(busy, 'other-container'), { recursive: true });
    mkdirSync(above);
    const { cdir } = writeState('c9', {
      cgroupAncestors: [join(dir, 'iza'), above, busy],
    });
    const init = children.pop() as ChildProcess;
    init.kill('SIGKILL');
    await new Promise((done) => init.on('exit', done));

    expect(front('delete', 'c9')).toMatchObject({ status: 0, handedOver: undefined });
    expect(existsSync(cdir)).toBe(false);
    expect(existsSync(above)).toBe(false);
    expect(existsSync(join(busy, 'other-container'))).toBe(true);
  });

  it('kills the init of a created container on delete', () => {
    const { cdir, init } = writeState('c2');
    const fifo = join(cdir, 'exec.fifo');
    mknod(fifo, nativeConstants().S_IFIFO | 0o622, 0, 0);

    const r = front('delete', 'c2');
    expect(r).toMatchObject({ status: 0, handedOver: undefined });
    expect(readProcStat(init.pid)?.state ?? 'gone').toMatch(/^(Z|gone)$/);
    expect(existsSync(cdir)).toBe(false);
  });

  it('hands over a running container deleted without --force (the runtime refuses it)', () => {
    const { cdir } = writeState('c3');
    expect(front('delete', 'c3')).toMatchObject({ status: 42 });
    expect(existsSync(join(cdir, 'state.json'))).toBe(true);
  });

  it('starts a created container through its exec fifo and removes the fifo', async () => {
    const { cdir } = writeState('c4');
    const fifo = join(cdir, 'exec.fifo');
    mknod(fifo, nativeConstants().S_IFIFO | 0o622, 0, 0);
    // The init's side of the handshake: blocks opening the fifo until start reads it.
    const writer = spawn('sh', ['-c', `printf 0 > '${fifo}'`], { stdio: 'ignore' });
    children.push(writer);
    // The init is the process that must be alive: make it the writer.
    const stat = readProcStat(writer.pid as number);
    const state = JSON.parse(readFileSync(join(cdir, 'state.json'), 'utf8')) as StoredState;
    writeFileSync(
      join(cdir, 'state.json'),
      JSON.stringify({ ...state, pid: writer.pid, initStartTime: stat?.startTime }),
    );

    const r = front('start', 'c4');
    expect(r).toMatchObject({ status: 0, handedOver: undefined });
    expect(existsSync(fifo)).toBe(false);
    const code = await new Promise((done) => writer.on('exit', done));
    expect(code).toBe(0);
  });

  it('returns from start only when the init closes its end of the fifo (at execve)', () => {
    const { cdir } = writeState('c10');
    const fifo = join(cdir, 'exec.fifo');
    const marker = join(dir, 'closing');
    mknod(fifo, nativeConstants().S_IFIFO | 0o622, 0, 0);
    // An init that writes its byte, then holds the fifo open a while before it "executes".
    const script = `exec 3>'${fifo}'; printf 0 >&3; sleep 0.5; echo > '${marker}'; exec 3>&-`;
    const writer = spawn('sh', ['-c', script], { stdio: 'ignore' });
    children.push(writer);
    const stat = readProcStat(writer.pid as number);
    const state = JSON.parse(readFileSync(join(cdir, 'state.json'), 'utf8')) as StoredState;
    writeFileSync(
      join(cdir, 'state.json'),
      JSON.stringify({ ...state, pid: writer.pid, initStartTime: stat?.startTime }),
    );

    expect(front('start', 'c10')).toMatchObject({ status: 0, handedOver: undefined });
    expect(existsSync(marker)).toBe(true);
  });

  it('deletes a container whose state has what exec reads (the process, the seccomp filter)', async () => {
    const { cdir } = writeState('c9', {
      process: { user: { uid: 0, gid: 0 }, args: ['sleep'], cwd: '/', env: ['A=[1]'] },
      seccomp: {
        defaultAction: 'SCMP_ACT_ERRNO',
        syscalls: [{ names: ['read'], action: 'SCMP_ACT_ALLOW' }],
      },
    });
    const init = children.pop() as ChildProcess;
    init.kill('SIGKILL');
    await new Promise((done) => init.on('exit', done));
    expect(front('delete', 'c9')).toMatchObject({ status: 0, handedOver: undefined });
    expect(existsSync(cdir)).toBe(false);
  });

  it.each<[string, Record<string, unknown>]>([
    ['poststart hooks', { poststart: [{ path: '/bin/true' }] }],
    ['a state field it does not know', { pausedAt: '2026-12-04T00:00:00Z' }],
  ])('hands over start with %s, before touching the fifo', (_what, over) => {
    const { cdir } = writeState('c5', over);
    const fifo = join(cdir, 'exec.fifo');
    mknod(fifo, nativeConstants().S_IFIFO | 0o622, 0, 0);
    expect(front('start', 'c5')).toMatchObject({ status: 42 });
    expect(existsSync(fifo)).toBe(true);
  });

  it.each<[string, string, string]>([
    ['cgroup v2', 'cgroup.freeze', '1\n'],
    ['cgroup v1', 'freezer.state', 'FROZEN\n'],
  ])(
    'hands over delete of a paused container (%s), which must be thawed first',
    (_v, file, text) => {
      const { cdir, cgroup, init } = writeState('c6', { poststop: [] });
      writeFileSync(join(cgroup, file), text);
      expect(front('delete', '--force', 'c6')).toMatchObject({ status: 42 });
      expect(readProcStat(init.pid)?.state).not.toBe('Z');
      expect(existsSync(cdir)).toBe(true);
    },
  );

  it('hands over delete with poststop hooks, which the runtime runs', () => {
    const { cdir } = writeState('c7', { poststop: [{ path: '/bin/true' }] });
    expect(front('delete', '--force', 'c7')).toMatchObject({ status: 42 });
    expect(existsSync(cdir)).toBe(true);
  });

  it('hands over a state file it cannot parse', () => {
    mkdirSync(join(dir, 'state', 'c8'), { recursive: true });
    writeFileSync(join(dir, 'state', 'c8', 'state.json'), '{"pid": 1, ');
    expect(front('delete', '--force', 'c8')).toMatchObject({ status: 42 });
  });
});
