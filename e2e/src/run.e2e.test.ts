import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cgroupsUnder, newCgroups } from './harness/cgroups.js';
import { failureReport, lines } from './harness/cli-output.js';
import { iza, type IzaOptions } from './harness/iza.js';
import { makeIzaRoot, removeIzaRoot } from './harness/iza-root.js';
import { mountsUnder } from './harness/mountinfo.js';
import { pathsBelow } from './harness/path-list.js';
import { processesRootedUnder, processesWithArg } from './harness/processes.js';
import { fixture } from './harness/suite-state.js';

// `iza run` with the minimal busybox image, once per storage driver. After every test: no mount
// under the root, no new iza cgroup, no process rooted in the root.

function expectNothingLeft(root: string, cgroupsBefore: string[]): void {
  expect(mountsUnder(root)).toEqual([]);
  expect(newCgroups(cgroupsBefore)).toEqual([]);
  expect(processesRootedUnder(root)).toEqual([]);
}

const IMAGE_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

describe.each(['overlay', 'copy'] as const)('iza run --storage-driver %s', (driver) => {
  let root: string;
  let cgroupsBefore: string[];
  const image = () => fixture('minimal:latest').ref;
  const run = (args: string[], opts: IzaOptions = {}) =>
    iza(['--storage-driver', driver, 'run', ...args], { root, ...opts });

  beforeAll(async () => {
    root = await makeIzaRoot(`run-${driver}`);
    cgroupsBefore = cgroupsUnder();
    for (const tag of ['latest', 'entrypoint', 'user']) {
      const pull = await iza(['pull', '-q', fixture(`minimal:${tag}`).ref], { root });
      expect(pull).toMatchObject({ exitCode: 0 });
    }
  });

  afterEach(() => expectNothingLeft(root, cgroupsBefore));

  afterAll(async () => {
    expect(await removeIzaRoot(root)).toEqual([]);
  });

  describe('isolation', () => {
    it('shows the image root at /', async () => {
      const result = await run(['--rm', image(), 'ls', '-1', '/']);

      expect(result).toMatchObject({ exitCode: 0 });
      const names = lines(result.stdout);
      expect(names).toEqual(expect.arrayContaining(['bin', 'etc', 'home', 'proc', 'tmp']));
      // The host has /usr and /work; this image has neither.
      expect(names).not.toContain('usr');
      expect(names).not.toContain('work');
    });

    it('sets the hostname to iza-container', async () => {
      const result = await run(['--rm', image(), 'hostname']);
      expect(result).toMatchObject({ exitCode: 0, stdout: 'iza-container' });
    });

    it('honours --hostname', async () => {
      const result = await run(['--rm', '--hostname', 'box-1', image(), 'hostname']);
      expect(result).toMatchObject({ exitCode: 0, stdout: 'box-1' });
    });

    it('shows only the container processes to ps, the command as pid 1', async () => {
      const result = await run(['--rm', image(), 'ps', '-o', 'pid,comm']);

      expect(result).toMatchObject({ exitCode: 0 });
      const rows = lines(result.stdout)
        .slice(1)
        .map((l) => l.trim().split(/\s+/));
      expect(rows).toEqual([['1', 'ps']]);
    });

    it('has only the loopback interface', async () => {
      const result = await run(['--rm', image(), 'ip', '-o', 'link', 'show']);

      expect(result).toMatchObject({ exitCode: 0 });
      const names = lines(result.stdout).map((l) => l.split(':')[1]?.trim());
      expect(names).toEqual(['lo']);
    });

    it('keeps a file written in one run out of the host and of the next run', async () => {
      const name = `iza-e2e-${randomUUID()}`;
      const write = await run(['--rm', image(), 'sh', '-c', `echo x > /${name} && cat /${name}`]);
      expect(write).toMatchObject({ exitCode: 0, stdout: 'x' });

      expect(existsSync(`/${name}`)).toBe(false);
      const next = await run(['--rm', image(), 'ls', `/${name}`]);
      expect(next.exitCode).not.toBe(0);
    });

    it('leaves no state behind in the root after --rm', async () => {
      const before = await pathsBelow(root);
      const result = await run(['--rm', image(), 'true']);

      expect(result).toMatchObject({ exitCode: 0 });
      expect(await pathsBelow(root)).toEqual(before);
    });

    it('leaves no cgroup behind when two runs overlap and the first out made them', async () => {
      // The first run makes iza's `iza` cgroup directories; the second starts while it runs,
      // finds them made, and is the last out: it removes them (the leak check after each test).
      expect(cgroupsUnder().filter((c) => c.endsWith('/iza'))).toEqual([]);
      const first = run(['--rm', image(), 'sh', '-c', 'sleep 2; true']);
      let running: number[] = [];
      for (let i = 0; i < 100 && running.length === 0; i++) {
        await new Promise((r) => setTimeout(r, 20));
        running = processesRootedUnder(root).filter((pid) => argv0(pid) === 'sh');
      }
      expect(running).toHaveLength(1);
      expect(cgroupsUnder().filter((c) => c.endsWith('/iza')).length).toBeGreaterThan(0);
      const second = run(['--rm', image(), 'sh', '-c', 'sleep 3; true']);

      expect(await first).toMatchObject({ exitCode: 0 });
      expect(await second).toMatchObject({ exitCode: 0 });
    });

    it('is seen by the leak check while it runs (pivoted roots included)', async () => {
      const marker = `iza-e2e-${randomUUID().slice(0, 8)}`;
      const running = run(['--rm', image(), 'sh', '-c', 'sleep 2; true', marker]);
      let seen: number[] = [];
      for (let i = 0; i < 100 && seen.length === 0; i++) {
        await new Promise((r) => setTimeout(r, 20));
        seen = processesRootedUnder(root).filter((pid) => argv0(pid) === 'sh');
      }
      expect(seen).toHaveLength(1);
      expect(await running).toMatchObject({ exitCode: 0 });
    });

    it('leaves no process behind when the container backgrounds one', async () => {
      const marker = `iza-e2e-${randomUUID().slice(0, 8)}`;
      // The marker is $0 of a background shell, so the process is findable by argv from the
      // host; `; true` keeps busybox sh from exec-ing sleep in its place.
      const script = `sh -c 'sleep 300; true' ${marker} & echo started`;
      const result = await run(['--rm', image(), 'sh', '-c', script]);

      expect(result).toMatchObject({ exitCode: 0, stdout: 'started' });
      expect(processesWithArg(marker)).toEqual([]);
    });
  });

  describe('exit codes', () => {
    it.each([
      ['the command exits 0', ['true'], 0],
      ['the command exits 3', ['sh', '-c', 'exit 3'], 3],
      ['the command is not executable', ['/bin/not-executable'], 126],
      ['the command does not exist', ['/no/such/binary'], 127],
      ['the command is not on PATH', ['no-such-command'], 127],
    ])('passes the status through when %s', async (_, command, expected) => {
      const result = await run(['--rm', image(), ...command]);
      expect(result).toMatchObject({ exitCode: expected });
    });

    it('exits 137 when the container process is SIGKILLed from the host', async () => {
      const marker = `iza-e2e-${randomUUID().slice(0, 8)}`;
      const running = run(['--rm', image(), 'sh', '-c', 'sleep 300; true', marker]);
      let pids: number[] = [];
      // The container's command once it runs: in a pid namespace of its own and exec'd (before
      // execve the container's init still has iza's argv, which carries the marker too).
      const inContainer = () =>
        processesWithArg(marker).filter((pid) => inChildPidNamespace(pid) && argv0(pid) === 'sh');
      for (let i = 0; i < 200 && pids.length === 0; i++) {
        await new Promise((r) => setTimeout(r, 50));
        pids = inContainer();
      }
      // The kernel ignores SIGKILL sent to a pid-namespace init from inside; from the host it
      // kills it, and iza must report 128 + 9.
      for (const pid of pids) process.kill(pid, 'SIGKILL');

      expect(pids).toHaveLength(1);
      expect(await running).toMatchObject({ exitCode: 137 });
    });

    it.each([
      ['SIGKILL', 9, 137],
      ['SIGTERM', 15, 143],
    ])('exits 128+N under --init when the command dies of %s', async (_, signal, expected) => {
      // Without --init the command is pid 1: `kill $$` from inside is ignored (pid_namespaces(7)).
      const result = await run([
        '--rm',
        '--init',
        image(),
        'sh',
        '-c',
        `kill -${String(signal)} $$`,
      ]);
      expect(result).toMatchObject({ exitCode: expected });
    });

    it('exits 125 on a usage error such as --memory abc', async () => {
      const result = await run(['--rm', '--memory', 'abc', image(), 'true']);

      const report = failureReport(result);
      expect(report).toMatchObject({ exitCode: 125, stackFrames: [] });
      expect(report.errors).toHaveLength(1);
    });

    it('exits 125 with a hint to pull for --pull never and an absent image', async () => {
      const result = await run(['--rm', '--pull', 'never', 'absent:tag', 'true']);

      const report = failureReport(result);
      expect(report).toMatchObject({ exitCode: 125, stackFrames: [] });
      expect(report.errors).toEqual(["Error: Image 'absent:tag' not found"]);
      expect(report.hints.join('\n')).toMatch(/iza pull/);
    });
  });

  describe('the image config and its overrides', () => {
    it('takes Env, Cmd and WorkingDir from the image', async () => {
      const env = await run(['--rm', image(), 'env']);
      expect(lines(env.stdout)).toContain(IMAGE_PATH);
      const pwd = await run(['--rm', image(), 'pwd']);
      expect(pwd).toMatchObject({ exitCode: 0, stdout: '/' });
      const cmd = await run(['--rm', '-i', image()], { input: 'echo from-default-cmd\n' });
      expect(cmd).toMatchObject({ exitCode: 0, stdout: 'from-default-cmd' });
    });

    it('runs Entrypoint with Cmd, and replaces Cmd with the arguments', async () => {
      const ref = fixture('minimal:entrypoint').ref;
      const defaults = await run(['--rm', ref]);
      expect(defaults).toMatchObject({ exitCode: 0, stdout: 'from-entrypoint default-arg' });
      const args = await run(['--rm', ref, 'a', 'b']);
      expect(args).toMatchObject({ exitCode: 0, stdout: 'from-entrypoint a b' });
    });

    it('replaces the entrypoint with --entrypoint (and drops the image Cmd)', async () => {
      const ref = fixture('minimal:entrypoint').ref;
      const result = await run(['--rm', '--entrypoint', '/bin/echo', ref, 'only-this']);
      expect(result).toMatchObject({ exitCode: 0, stdout: 'only-this' });
    });

    it('runs as the image User in its WorkingDir, with supplementary groups', async () => {
      const ref = fixture('minimal:user').ref;
      const id = await run(['--rm', ref, 'id']);
      expect(id).toMatchObject({ exitCode: 0 });
      expect(id.stdout).toMatch(/^uid=1000\(app\) gid=1000\(app\) groups=/);
      expect(id.stdout).toMatch(/\b50\(staff\)/);
      const pwd = await run(['--rm', ref, 'pwd']);
      expect(pwd).toMatchObject({ exitCode: 0, stdout: '/home/app' });
    });

    it('sets variables with -e and --env-file', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'iza-e2e-envfile-'));
      const envFile = join(dir, 'env');
      await writeFile(envFile, '# a comment\nFROM_FILE=yes\n\nSPACED=a b\n');
      const result = await run(['--rm', '-e', 'FOO=bar', '--env-file', envFile, image(), 'env']);
      await rm(dir, { recursive: true, force: true });

      expect(result).toMatchObject({ exitCode: 0 });
      expect(lines(result.stdout)).toEqual(
        expect.arrayContaining(['FOO=bar', 'FROM_FILE=yes', 'SPACED=a b', IMAGE_PATH]),
      );
    });

    it('changes the directory with -w, creating it when missing', async () => {
      const result = await run(['--rm', '-w', '/made/by/iza', image(), 'pwd']);
      expect(result).toMatchObject({ exitCode: 0, stdout: '/made/by/iza' });
    });

    it.each([
      ['1234:5678', /^uid=1234 gid=5678/],
      ['app', /^uid=1000\(app\) gid=1000\(app\)/],
      ['app:staff', /^uid=1000\(app\) gid=50\(staff\)/],
      ['0', /^uid=0\(root\) gid=0\(root\)/],
    ])('runs as -u %s', async (user, expected) => {
      const result = await run(['--rm', '-u', user, image(), 'id']);
      expect(result).toMatchObject({ exitCode: 0 });
      expect(result.stdout).toMatch(expected);
    });
  });

  describe('volumes and read-only roots', () => {
    let hostDir: string;

    beforeAll(async () => {
      hostDir = await mkdtemp(join(tmpdir(), 'iza-e2e-volume-'));
      await writeFile(join(hostDir, 'from-host'), 'hello from the host\n');
    });

    afterAll(async () => {
      await rm(hostDir, { recursive: true, force: true });
    });

    it('binds a host directory with -v, both ways', async () => {
      const script = 'cat /data/from-host && echo from-container > /data/from-container';
      const result = await run(['--rm', '-v', `${hostDir}:/data`, image(), 'sh', '-c', script]);

      expect(result).toMatchObject({ exitCode: 0, stdout: 'hello from the host' });
      expect(await readFile(join(hostDir, 'from-container'), 'utf8')).toBe('from-container\n');
    });

    it('refuses writes to a :ro volume', async () => {
      const args = ['--rm', '-v', `${hostDir}:/data:ro`, image(), 'touch', '/data/nope'];
      const result = await run(args);

      expect(result.exitCode).not.toBe(0);
      expect(result.stderr).toMatch(/read-only file system/i);
      expect(existsSync(join(hostDir, 'nope'))).toBe(false);
    });

    it('refuses writes to the root with --read-only', async () => {
      const result = await run(['--rm', '--read-only', image(), 'touch', '/nope']);

      expect(result.exitCode).not.toBe(0);
      expect(result.stderr).toMatch(/read-only file system/i);
    });
  });
});

// docker pulls an image `run` does not have. bin/iza moves NODE_EXTRA_CA_CERTS aside for run
// (Node pays for it at start-up) and pulls in a child that has it back: both ways are covered.
describe('iza run of an image not in the store', () => {
  let root: string | undefined;
  let cgroupsBefore: string[];

  beforeAll(() => {
    cgroupsBefore = cgroupsUnder();
  });

  afterEach(async () => {
    if (root !== undefined) {
      expectNothingLeft(root, cgroupsBefore);
      expect(await removeIzaRoot(root)).toEqual([]);
    }
    root = undefined;
  });

  it.each([
    ['without NODE_EXTRA_CA_CERTS', {}],
    ['with NODE_EXTRA_CA_CERTS (pulled by a child iza)', { NODE_EXTRA_CA_CERTS: caFile() }],
  ])('pulls it first and runs it, %s', async (_how, env: Record<string, string>) => {
    root = await makeIzaRoot('run-pull');
    const ref = fixture('minimal:latest').ref;

    const result = await iza(['run', '--rm', ref, 'hostname'], { root, env });

    expect(result).toMatchObject({ exitCode: 0, stdout: 'iza-container' });
    expect(result.stderr).toMatch(/Status: Downloaded newer image/);
    const images = await iza(['images', '-q'], { root });
    expect(lines(images.stdout)).toHaveLength(1);
  });

  it('pulls again with --pull always, in the child when NODE_EXTRA_CA_CERTS is set', async () => {
    root = await makeIzaRoot('run-pull');
    const ref = fixture('minimal:latest').ref;
    const env = { NODE_EXTRA_CA_CERTS: caFile() };
    expect(await iza(['pull', '-q', ref], { root })).toMatchObject({ exitCode: 0 });

    const result = await iza(['run', '--rm', '--pull', 'always', ref, 'true'], { root, env });

    expect(result).toMatchObject({ exitCode: 0 });
    expect(result.stderr).toMatch(/Image is up to date/);
  });

  it('exits 125 with the pull error when the image exists nowhere', async () => {
    root = await makeIzaRoot('run-pull');
    const ref = fixture('minimal:latest').ref.replace(/minimal:latest$/, 'nowhere:latest');

    const result = await iza(['run', '--rm', ref, 'true'], {
      root,
      env: { NODE_EXTRA_CA_CERTS: caFile() },
    });

    expect(result.exitCode).toBe(125);
    expect(result.stderr).toMatch(/nowhere/);
    expect(lines((await iza(['images', '-q'], { root })).stdout)).toEqual([]);
  });
});

/** A CA bundle node accepts: the system's, as on hosts that set NODE_EXTRA_CA_CERTS. */
function caFile(): string {
  return '/etc/ssl/certs/ca-certificates.crt';
}

// The same claims on a glibc image of another size and shape (debian:bookworm minbase, Cmd
// bash, no busybox): only bash builtins and coreutils are used. Both storage drivers.
describe.each(['overlay', 'copy'] as const)(
  'iza run of debian:bookworm --storage-driver %s',
  (driver) => {
    let root: string;
    let cgroupsBefore: string[];
    const image = () => fixture('debian:bookworm').ref;
    const run = (args: string[], opts: IzaOptions = {}) =>
      iza(['--storage-driver', driver, 'run', ...args], { root, ...opts });

    beforeAll(async () => {
      root = await makeIzaRoot(`run-debian-${driver}`);
      cgroupsBefore = cgroupsUnder();
      expect(await iza(['pull', '-q', image()], { root })).toMatchObject({ exitCode: 0 });
    });

    afterEach(() => expectNothingLeft(root, cgroupsBefore));

    afterAll(async () => {
      expect(await removeIzaRoot(root)).toEqual([]);
    });

    it('shows the image root, the hostname iza-container and only lo', async () => {
      const script = 'cat /etc/iza-e2e-release; hostname; ls /sys/class/net; ls /';
      const result = await run(['--rm', image(), 'bash', '-c', script]);

      expect(result.exitCode).toBe(0);
      const [release, hostname, net, ...names] = lines(result.stdout);
      expect([release, hostname, net]).toEqual(['debian bookworm minbase', 'iza-container', 'lo']);
      expect(names).toEqual(expect.arrayContaining(['bin', 'etc', 'usr', 'var', 'proc']));
      expect(names).not.toContain('work');
    });

    it('runs the command as pid 1 and sees no other process', async () => {
      const script = 'echo $$; for p in /proc/[0-9]*; do echo "${p#/proc/}"; done';
      const result = await run(['--rm', image(), 'bash', '-c', script]);
      // $$ first, then every pid /proc lists: bash alone, as pid 1 (the glob needs no child).
      expect(lines(result.stdout)).toEqual(['1', '1']);
    });

    it('keeps a file written in one run out of the host and of the next run', async () => {
      const name = `iza-e2e-${randomUUID()}`;
      expect((await run(['--rm', image(), 'bash', '-c', `echo x > /tmp/${name}`])).exitCode).toBe(
        0,
      );
      expect(existsSync(join('/tmp', name))).toBe(false);
      expect((await run(['--rm', image(), 'test', '-e', `/tmp/${name}`])).exitCode).toBe(1);
    });

    it('runs the image Cmd with its Env, and honours -e, -w and -u', async () => {
      expect(await run(['--rm', '-i', image()], { input: 'echo "$PATH"; exit 4\n' })).toMatchObject(
        {
          exitCode: 4,
          stdout: IMAGE_PATH.slice('PATH='.length),
        },
      );
      const script = 'echo "$GREETING"; pwd; id -un';
      const args = ['--rm', '-e', 'GREETING=hi', '-w', '/var/tmp', '-u', 'nobody', image()];
      expect(await run([...args, 'bash', '-c', script])).toMatchObject({
        exitCode: 0,
        stdout: 'hi\n/var/tmp\nnobody',
      });
    });

    it.each([
      ['the exit status', [], ['bash', '-c', 'exit 3'], 3],
      // pid 1 ignores signals sent from inside its namespace: --init puts tini in front of bash.
      ['128+9 for SIGKILL, under --init', ['--init'], ['bash', '-c', 'kill -9 $$'], 137],
      ['127 for a missing command', [], ['no-such-command'], 127],
      ['126 for a directory', [], ['/usr'], 126],
    ])('exits with %s', async (_what, flags, command, code) => {
      expect((await run(['--rm', ...flags, image(), ...command])).exitCode).toBe(code);
    });
  },
);

/** True when `pid` lives in a pid namespace below this one (its NSpid line has two pids). */
function inChildPidNamespace(pid: number): boolean {
  try {
    const line = readFileSync(`/proc/${String(pid)}/status`, 'utf8').match(/^NSpid:(.*)$/m);
    return (line?.[1]?.trim().split(/\s+/).length ?? 0) > 1;
  } catch {
    return false;
  }
}

function argv0(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${String(pid)}/cmdline`, 'utf8').split('\0')[0];
  } catch {
    return undefined;
  }
}
