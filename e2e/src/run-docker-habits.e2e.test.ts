import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';

import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { cgroupsUnder, newCgroups } from './harness/cgroups.js';
import { failureReport, lines } from './harness/cli-output.js';
import { iza, type IzaOptions } from './harness/iza.js';
import { makeIzaRoot, removeIzaRoot } from './harness/iza-root.js';
import { mountsUnder } from './harness/mountinfo.js';
import { pathsBelow } from './harness/path-list.js';
import { processesRootedUnder } from './harness/processes.js';
import { fixture } from './harness/suite-state.js';

// `iza run` as docker users type it from habit: flag spellings docker's parser takes, docker
// flags iza does not have, and edge values of the flags it does. The storage driver plays no
// part here (run.e2e.test.ts runs everything with both). After every test: no mount under the
// root, no new iza cgroup, no process rooted there, no container state left.

let root: string;
let cgroupsBefore: string[];
const image = () => fixture('minimal:latest').ref;
const run = (args: string[], opts: IzaOptions = {}) => iza(['run', ...args], { root, ...opts });

beforeAll(async () => {
  root = await makeIzaRoot('run-habits');
  cgroupsBefore = cgroupsUnder();
  expect(await iza(['pull', '-q', image()], { root })).toMatchObject({ exitCode: 0 });
});

afterEach(async () => {
  expect(mountsUnder(root)).toEqual([]);
  expect(newCgroups(cgroupsBefore)).toEqual([]);
  expect(processesRootedUnder(root)).toEqual([]);
  expect((await pathsBelow(root)).filter((p) => /^(containers|runtime)\/[^@]/.test(p))).toEqual([]);
});

afterAll(async () => {
  expect(await removeIzaRoot(root)).toEqual([]);
});

describe('flag spellings of docker (pflag)', () => {
  it.each([
    ['-eFOO=bar', ['-eFOO=bar'], ['sh', '-c', 'echo $FOO'], 'bar'],
    ['-e=FOO=bar', ['-e=FOO=bar'], ['sh', '-c', 'echo $FOO'], 'bar'],
    ['-uapp', ['-uapp'], ['id', '-un'], 'app'],
    ['-w/tmp', ['-w/tmp'], ['pwd'], '/tmp'],
    ['-iw/tmp (booleans, then a value to the end of the group)', ['-iw/tmp'], ['pwd'], '/tmp'],
  ])('reads %s', async (_what, flags, command, expected) => {
    const result = await run(['--rm', ...flags, image(), ...command]);
    expect(result).toMatchObject({ exitCode: 0, stdout: expected });
  });

  it('reads -m1x as --memory 1x (and refuses the size by the long name)', async () => {
    const report = failureReport(await run(['--rm', '-m1x', image(), 'true']));

    expect(report).toMatchObject({ exitCode: 125, stackFrames: [] });
    expect(report.errors).toEqual([
      'Error: invalid argument "1x" for "--memory" flag: invalid size: \'1x\'',
    ]);
  });
});

describe('docker flags iza does not have', () => {
  it.each([
    ['-d', ['-d'], /detached/],
    ['-itd', ['-itd'], /detached/],
    ['--detach', ['--detach'], /detached/],
    ['-p 8080:80', ['-p', '8080:80'], /loopback/],
    ['--publish=8080:80', ['--publish=8080:80'], /loopback/],
    ['--privileged', ['--privileged'], undefined],
  ])('refuses %s by name, before anything else (125)', async (_what, flags, hint) => {
    const result = await run([...flags, image(), 'true']);
    const report = failureReport(result);

    const flag = flags[0]?.startsWith('--') ? flags[0].split('=')[0] : `-${flags[0]?.slice(-1)}`;
    expect(report).toMatchObject({ exitCode: 125, stackFrames: [] });
    expect(report.errors).toEqual([`Error: unknown flag: ${flag ?? ''}`]);
    if (hint) expect(report.hints.join('\n')).toMatch(hint);
    expect(result.stderr).toContain("See 'iza run --help'.");
    expect(result.stderr).not.toMatch(/Pulling/);
  });

  it('says an IMAGE is needed when there is none (125)', async () => {
    const report = failureReport(await run(['--rm', '-it']));

    expect(report).toMatchObject({ exitCode: 125, stackFrames: [] });
    expect(report.errors).toEqual([
      'Error: "iza run" requires at least 1 argument: IMAGE, or /HOST/BINARY for no image',
    ]);
  });
});

describe('--security-opt values docker users paste', () => {
  it('takes apparmor=unconfined and label=disable: iza applies neither', async () => {
    const opts = ['--security-opt', 'apparmor=unconfined', '--security-opt', 'label=disable'];
    const result = await run(['--rm', ...opts, image(), 'true']);
    expect(result).toMatchObject({ exitCode: 0, stderr: '' });
  });

  it('refuses an AppArmor profile it would not apply (125)', async () => {
    const args = ['--rm', '--security-opt', 'apparmor=docker-default', image(), 'true'];
    const report = failureReport(await run(args));
    expect(report).toMatchObject({
      exitCode: 125,
      hints: ['hint: iza applies no AppArmor profile to containers'],
    });
  });

  it('says once why a seccomp profile cannot be read', async () => {
    const report = failureReport(
      await run(['--rm', '--security-opt', 'seccomp=/no/such.json', image(), 'true']),
    );
    expect(report.errors).toEqual([
      'Error: cannot load seccomp profile /no/such.json: no such file',
    ]);
  });
});

describe('edge values of the flags iza has', () => {
  it.each([
    ['--pids-limit 0 as no limit', ['--pids-limit', '0']],
    ['--memory-swap 0 as no setting', ['--memory', '100m', '--memory-swap', '0']],
  ])('takes %s, as docker', async (_what, flags) => {
    const result = await run(['--rm', ...flags, image(), 'sh', '-c', 'echo ok']);
    expect(result).toMatchObject({ exitCode: 0, stdout: 'ok' });
  });

  it('creates a missing -w under --read-only too, as docker does', async () => {
    const result = await run(['--rm', '--read-only', '-w', '/made/here', image(), 'pwd']);
    expect(result).toMatchObject({ exitCode: 0, stdout: '/made/here' });
  });

  it("refuses a relative -w in docker's words before anything else (125)", async () => {
    const report = failureReport(await run(['--rm', '-w', 'relative', image(), 'pwd']));

    expect(report).toMatchObject({ exitCode: 125, stackFrames: [] });
    expect(report.errors).toEqual([
      "Error: the working directory 'relative' is invalid, it needs to be an absolute path",
    ]);
  });

  it('uses the default hostname for --hostname "" (never the host name)', async () => {
    const result = await run([
      '--rm',
      '--hostname',
      '',
      image(),
      'sh',
      '-c',
      'hostname; echo $HOSTNAME',
    ]);
    expect(result).toMatchObject({ exitCode: 0 });
    expect(lines(result.stdout)).toEqual(['iza-container', 'iza-container']);
  });

  // docker: "the input device is not a TTY". iza gave the container a pty fed by the pipe,
  // whose end never reached the shell: `echo ls | iza run -it IMAGE sh` hung for ever.
  it('refuses -it when its stdin is not a terminal, at once (125)', async () => {
    const result = await run(['--rm', '-it', image(), 'sh'], {
      input: 'echo piped\n',
      timeout: 20_000,
    });
    const report = failureReport(result);

    expect(report).toMatchObject({ exitCode: 125, stackFrames: [] });
    expect(report.errors).toEqual(['Error: the input device is not a TTY']);
    expect(report.hints.join('\n')).toMatch(/-i without -t/);
  });

  it('still pipes stdin into -i without -t', async () => {
    const result = await run(['--rm', '-i', image(), 'sh'], { input: 'echo piped\n' });
    expect(result).toMatchObject({ exitCode: 0, stdout: 'piped' });
  });
});

describe('iza run --platform with the image already stored', () => {
  // docker checks the stored image against --platform: one of another platform is pulled for
  // the asked one, or refused; iza ran whatever it had under the name.
  const multi = () => fixture('minimal:multi').ref;
  const architecture = async (ref: string) =>
    (
      JSON.parse((await iza(['image', 'inspect', ref], { root })).stdout) as [
        { Architecture: string },
      ]
    )[0].Architecture;

  it('pulls the asked platform of an index when another one is stored', async () => {
    expect(await iza(['pull', '-q', multi()], { root })).toMatchObject({ exitCode: 0 });
    expect(await architecture(multi())).toBe('amd64');

    const result = await run(['--rm', '--platform', 'linux/arm64', multi(), 'true']);

    expect(result).toMatchObject({ exitCode: 0 });
    expect(await architecture(multi())).toBe('arm64');
  });

  it('refuses a single-platform image of another platform (125), naming both', async () => {
    const report = failureReport(await run(['--rm', '--platform', 'linux/s390x', image(), 'true']));

    expect(report).toMatchObject({ exitCode: 125, stackFrames: [] });
    expect(report.errors).toHaveLength(1);
    expect(report.errors[0]).toMatch(/linux\/amd64.*linux\/s390x|linux\/s390x.*linux\/amd64/);
  });

  it('refuses it with --pull never, saying how to pull it', async () => {
    const report = failureReport(
      await run(['--rm', '--pull', 'never', '--platform', 'linux/s390x', image(), 'true']),
    );

    expect(report).toMatchObject({ exitCode: 125, stackFrames: [] });
    expect(report.errors[0]).toMatch(/does not match the specified platform/);
    expect(report.hints).toEqual([`hint: pull it: iza pull --platform linux/s390x ${image()}`]);
  });

  it('refuses a --platform that is no platform before anything else (125)', async () => {
    const report = failureReport(
      await run(['--rm', '--platform', 'not/a/plat/form', image(), 'true']),
    );

    expect(report).toMatchObject({ exitCode: 125, stackFrames: [] });
    expect(report.errors).toEqual(['Error: invalid platform "not/a/plat/form"']);
  });
});

describe('-v as docker takes it', () => {
  let work: string;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'iza-e2e-habits-volume-'));
    await writeFile(join(work, 'from-host'), 'hello\n');
  });

  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('binds ./relative and . against the current directory (docker 23+)', async () => {
    const script = 'cat /data/from-host /here/from-host';
    const args = ['--rm', '-v', './:/data', '-v', '.:/here:ro', image(), 'sh', '-c', script];
    const result = await run(args, { cwd: work });
    expect(result).toMatchObject({ exitCode: 0, stdout: 'hello\nhello' });
  });

  it('takes the SELinux label modes z and Z (no SELinux here: nothing to relabel)', async () => {
    const args = ['--rm', '-v', `${work}:/data:ro,z`, '-v', `${work}:/z:Z`, image()];
    const result = await run([...args, 'sh', '-c', 'cat /data/from-host; touch /data/x']);
    expect(result).toMatchObject({ exitCode: 1, stdout: 'hello' });
    expect(result.stderr).toMatch(/Read-only file system/);
  });

  it('refuses the container root as a destination before anything else (125)', async () => {
    const report = failureReport(await run(['--rm', '-v', `${work}:/`, image(), 'true']));
    expect(report).toMatchObject({ exitCode: 125, stackFrames: [] });
    expect(report.errors).toEqual([`Error: invalid volume specification: '${work}:/'`]);
  });

  it('creates a missing host directory only for a run that starts', async () => {
    const missing = join(work, 'made-by-run');
    const failed = await run([
      '--rm',
      '--pull',
      'never',
      '-v',
      `${missing}:/m`,
      'absent:tag',
      'true',
    ]);
    expect(failed.exitCode).toBe(125);
    expect(existsSync(missing)).toBe(false);

    expect(await run(['--rm', '-v', `${missing}:/m`, image(), 'true'])).toMatchObject({
      exitCode: 0,
    });
    expect(existsSync(missing)).toBe(true);
  });
});
