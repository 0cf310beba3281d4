import { spawn, spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import { eventually, makeTestBundle, type TestBundle } from './test-support/bundle.js';

// exec, ps, pause, resume and update as the engines run them: the shipped launcher, one
// process per command, the container created by another invocation.
const BIN = join(import.meta.dirname, '..', 'bin', 'iza-runtime');
const isRoot = process.getuid?.() === 0;
const describeRoot = isRoot ? describe : describe.skip;
const ID = `bin-exec-${process.pid}`;

let tb: TestBundle;

// Without jest's NODE_OPTIONS, as under podman or containerd (the snapshot path).
const engineEnv = { ...process.env };
delete engineEnv['NODE_OPTIONS'];

function rt(args: string[], input?: string) {
  const r = spawnSync(BIN, ['--root', tb.stateRoot, ...args], {
    encoding: 'utf8',
    env: engineEnv,
    ...(input === undefined ? {} : { input }),
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A command whose processes may outlive it: stdio on a file, never on a pipe left open. */
function rtToFile(args: string[]) {
  const outFile = join(tb.dir, 'out');
  const fd = openSync(outFile, 'w');
  try {
    const r = spawnSync(BIN, ['--root', tb.stateRoot, ...args], {
      stdio: ['ignore', fd, fd],
      env: engineEnv,
    });
    return { status: r.status, output: readFileSync(outFile, 'utf8') };
  } finally {
    closeSync(fd);
  }
}

const pids = () => JSON.parse(rt(['ps', '--format', 'json', ID]).stdout) as number[];

describeRoot('iza-runtime exec, ps, pause, resume, update (root)', () => {
  beforeAll(() => {
    tb = makeTestBundle();
    tb.writeConfig(['sleep', '1000']);
    expect(rtToFile(['create', '--bundle', tb.bundle, ID]).status).toBe(0);
    expect(rt(['start', ID]).status).toBe(0);
  }, 30_000);

  afterAll(() => {
    rt(['delete', '--force', ID]);
    tb.remove();
  }, 30_000);

  it('passes the status through; flags after the id belong to the command', () => {
    const r = rtToFile(['exec', ID, 'sh', '-c', 'echo -n in; hostname; exit 9']);
    expect(r).toEqual({ status: 9, output: 'inoci-test\n' });
  }, 20_000);

  it("exits 255 with runc's message for a program the container does not have", () => {
    const r = rt(['exec', ID, 'no-such-program']);
    expect(r.status).toBe(255);
    expect(r.stderr).toBe(
      'iza-runtime: exec failed: exec: "no-such-program": executable file not found in $PATH\n',
    );
  }, 20_000);

  it('forwards a signal to the process and exits with its status', async () => {
    const child = spawn(BIN, ['--root', tb.stateRoot, 'exec', ID, 'sleep', '300'], {
      stdio: 'ignore',
      env: engineEnv,
    });
    const exited = new Promise<number | null>((resolve) =>
      child.on('exit', (code) => resolve(code)),
    );
    expect(await eventually(() => pids().length === 2, 10_000)).toBe(true);
    process.kill(child.pid as number, 'SIGTERM');
    // sleep was killed by the SIGTERM iza-runtime passed on: 128 + 15.
    expect(await exited).toBe(143);
    expect(pids()).toHaveLength(1);
  }, 20_000);

  it('with --detach writes the pid file and leaves the process running', async () => {
    const pidFile = join(tb.dir, 'exec.pid');
    const r = rtToFile(['exec', '--detach', '--pid-file', pidFile, ID, 'sleep', '200']);
    expect(r).toEqual({ status: 0, output: '' });
    const pid = Number(readFileSync(pidFile, 'utf8'));
    expect(pids()).toContain(pid);
    process.kill(pid, 'SIGKILL');
    expect(await eventually(() => pids().length === 1)).toBe(true);
  }, 20_000);

  it('runs a process.json, as containerd and conmon pass it', () => {
    const file = join(tb.dir, 'process.json');
    const processJson = {
      user: { uid: 0, gid: 0 },
      args: ['sh', '-c', 'exit 4'],
      cwd: '/',
      env: [],
    };
    writeFileSync(file, JSON.stringify(processJson));
    expect(rtToFile(['exec', '--process', file, ID]).status).toBe(4);
  }, 20_000);

  it('ps prints the pids as a JSON array', () => {
    const r = rt(['ps', '--format', 'json', ID]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^\[\d+\]\n$/);
  }, 20_000);

  it('pause, state paused, resume, state running', () => {
    expect(rt(['pause', ID]).status).toBe(0);
    expect(JSON.parse(rt(['state', ID]).stdout)).toMatchObject({ status: 'paused' });
    expect(rt(['exec', ID, 'true'])).toMatchObject({
      status: 255,
      stderr: expect.stringContaining('cannot exec in a paused container'),
    });
    expect(rt(['resume', ID]).status).toBe(0);
    expect(JSON.parse(rt(['state', ID]).stdout)).toMatchObject({ status: 'running' });
    expect(rt(['resume', ID]).status).toBe(1);
  }, 30_000);

  it('update reads the LinuxResources JSON on stdin, or flags', () => {
    const r = rt(['update', '--resources', '-', ID], '{"pids":{"limit":77}}');
    expect(r).toMatchObject({ status: 0, stderr: '' });
    const state = JSON.parse(readFileSync(join(tb.stateRoot, ID, 'state.json'), 'utf8')) as {
      cgroupPaths: string[];
    };
    const pidsMax = () =>
      state.cgroupPaths
        .map((d) => {
          try {
            return readFileSync(join(d, 'pids.max'), 'utf8').trim();
          } catch {
            return undefined;
          }
        })
        .find((v) => v !== undefined);
    expect(pidsMax()).toBe('77');
    expect(rt(['update', '--pids-limit', '78', ID]).status).toBe(0);
    expect(pidsMax()).toBe('78');
    expect(rt(['update', '--blkio-weight', '10', ID])).toMatchObject({
      status: 1,
      stderr: expect.stringContaining('--blkio-weight: not supported yet'),
    });
  }, 30_000);
});
