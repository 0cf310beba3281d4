import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import { eventually, makeTestBundle, type TestBundle } from './test-support/bundle.js';

// The executable as shipped: the launcher script, which starts the bundle.
const BIN = join(import.meta.dirname, '..', 'bin', 'iza-runtime');
const isRoot = process.getuid?.() === 0;

let tb: TestBundle;

// jest's NODE_OPTIONS is not an engine's: without it the launcher starts from the snapshot, as
// it does under podman or containerd.
const engineEnv: NodeJS.ProcessEnv = { ...process.env };
delete engineEnv['NODE_OPTIONS'];
delete engineEnv['IZA_RUNTIME_NO_FRONT'];

function rt(...args: string[]) {
  const r = spawnSync(BIN, ['--root', tb.stateRoot, ...args], {
    encoding: 'utf8',
    env: engineEnv,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** create hands its stdio to the container: files, not pipes that would stay open. */
function rtCreate(...args: string[]) {
  const outFile = join(tb.dir, 'create.out');
  const fd = openSync(outFile, 'w');
  try {
    const r = spawnSync(BIN, ['--root', tb.stateRoot, 'create', ...args], {
      stdio: ['ignore', fd, fd],
      env: engineEnv,
    });
    return { status: r.status, output: readFileSync(outFile, 'utf8') };
  } finally {
    closeSync(fd);
  }
}

describe('the iza-runtime executable', () => {
  beforeAll(() => {
    tb = makeTestBundle();
  });
  afterAll(() => {
    rt('delete', '--force', 'bin-c1');
    tb.remove();
  });

  it('prints its version and features without root', () => {
    expect(rt('--version').stdout).toMatch(
      /^iza-runtime version \d+\.\d+\.\d+\nspec: 1\.\d+\.\d+\n$/,
    );
    const features = JSON.parse(rt('features').stdout) as {
      ociVersionMax: string;
      linux: { namespaces: string[] };
    };
    expect(features.linux.namespaces).toContain('pid');
  }, 20_000);

  // V8 refuses a snapshot whose flags differ (node exits 14): the launcher takes the bundle.
  it('starts with V8 flags in NODE_OPTIONS', () => {
    const r = spawnSync(BIN, ['--version'], {
      encoding: 'utf8',
      env: { ...engineEnv, NODE_OPTIONS: '--max-old-space-size=200' },
    });
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
    expect(r.stdout).toMatch(/^iza-runtime version /);
  });

  // node 20 reads its own --env-file anywhere in argv: the launcher ends node's options with --.
  it.each([
    ['from the snapshot', undefined],
    ['from the bundle', '--max-old-space-size=200'],
  ])('leaves --env-file among its arguments to the runtime, %s', (_how, nodeOptions) => {
    const env: NodeJS.ProcessEnv = { ...engineEnv, IZA_RUNTIME_NO_FRONT: '1' };
    if (nodeOptions !== undefined) env['NODE_OPTIONS'] = nodeOptions;
    const r = spawnSync(BIN, ['--root', tb.stateRoot, 'state', 'nope', '--env-file=/no/such'], {
      encoding: 'utf8',
      env,
    });
    expect({ status: r.status, stderr: r.stderr }).toEqual({
      status: 1,
      stderr: 'iza-runtime: unknown flag --env-file=/no/such (hint: see iza-runtime --help)\n',
    });
  });

  it('writes errors to stderr and, as JSON lines, to --log; exits 1', () => {
    const logFile = join(tb.dir, 'log.json');
    const r = rt('--log', logFile, '--log-format', 'json', 'state', 'nope');
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(
      `iza-runtime: container nope does not exist (hint: list containers in ${tb.stateRoot})\n`,
    );
    const line = JSON.parse(readFileSync(logFile, 'utf8').trim()) as Record<string, string>;
    expect(line).toMatchObject({
      level: 'error',
      msg: expect.stringContaining('container nope does not exist'),
    });
    expect(Number.isNaN(Date.parse(line['time'] ?? ''))).toBe(false);
  });

  it('rejects --systemd-cgroup with a clear message', () => {
    const r = rt('--systemd-cgroup', 'state', 'x');
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('--systemd-cgroup is not supported');
  });

  it('refuses an unsupported config field at create, naming it', () => {
    if (!isRoot) return;
    tb.writeConfig(['true'], (s) => {
      s.linux = { ...s.linux, namespaces: [...(s.linux?.namespaces ?? []), { type: 'time' }] };
    });
    const r = rtCreate('--bundle', tb.bundle, 'bin-c0');
    expect(r.status).toBe(1);
    expect(r.output).toMatch(/linux\.namespaces\[\d+\]: time namespaces are not supported yet/);
    expect(existsSync(join(tb.stateRoot, 'bin-c0'))).toBe(false);
  }, 20_000);

  // Each command is its own process: the state lives only in --root between them. start and
  // delete are done by iza-runtime-front unless IZA_RUNTIME_NO_FRONT sends them to node: both
  // paths must behave alike.
  (isRoot ? it.each : it.skip.each)([
    ['through iza-runtime-front', undefined],
    ['with every command in node', '1'],
  ])(
    'keeps the state between separate invocations, %s (root)',
    async (_how, noFront) => {
      if (noFront === undefined) delete engineEnv['IZA_RUNTIME_NO_FRONT'];
      else engineEnv['IZA_RUNTIME_NO_FRONT'] = noFront;
      tb.writeConfig(['sh', '-c', 'echo up > /tmp/up; exec sleep 100']);
      const pidFile = join(tb.dir, 'pid');
      expect(rtCreate('--bundle', tb.bundle, '--pid-file', pidFile, 'bin-c1')).toEqual({
        status: 0,
        output: '',
      });
      const pid = Number(readFileSync(pidFile, 'utf8'));

      const created = JSON.parse(rt('state', 'bin-c1').stdout) as { status: string; pid: number };
      expect(created).toMatchObject({ status: 'created', pid });
      expect(rt('start', 'bin-c1').status).toBe(0);
      expect(await eventually(() => existsSync(join(tb.rootfs, 'tmp', 'up')))).toBe(true);
      expect(JSON.parse(rt('state', 'bin-c1').stdout)).toMatchObject({ status: 'running', pid });

      expect(rt('delete', 'bin-c1')).toMatchObject({
        status: 1,
        stderr: expect.stringContaining('it is running'),
      });
      expect(rt('kill', 'bin-c1', 'KILL').status).toBe(0);
      expect(
        await eventually(() => JSON.parse(rt('state', 'bin-c1').stdout).status === 'stopped'),
      ).toBe(true);
      expect(rt('delete', 'bin-c1').status).toBe(0);
      expect(rt('state', 'bin-c1').status).toBe(1);
      expect(rt('delete', '--force', 'bin-c1').status).toBe(0);
    },
    60_000,
  );
});
