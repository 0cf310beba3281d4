import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execa } from 'execa';

import { fixture } from './harness/suite-state.js';

// iza-runtime driven by the real callers: podman (through conmon) and containerd's ctr (through
// the runc v2 shim), each with its own temp state so nothing of the machine's is touched.
// podman's own default seccomp profile (containers.conf) is in effect unless a test says otherwise.
// The ulimits: podman's default nofile/nproc exceed this host's hard limits (HOST.md).

const RUNTIME = resolve(import.meta.dirname, '..', '..', 'iza-runtime');
const tmp = mkdtempSync(join(tmpdir(), 'iza-e2e-oci-'));
// A container in a user namespace runs as an unprivileged host uid, which must reach its root
// in podman's storage below here (the same holds with runc).
chmodSync(tmp, 0o711);
const conf = join(tmp, 'containers.conf');
const image = () => fixture('minimal:latest').ref;

// After both engines' suites: the containerd one works below `tmp` too.
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

function podman(args: string[]) {
  // Its own tmpdir too: the default /run/libpod is shared by every podman on the machine, and
  // `system reset` removes it (another podman then takes that for a reboot and forgets which of
  // its containers run).
  const base = [
    '--root',
    join(tmp, 'root'),
    '--runroot',
    join(tmp, 'runroot'),
    '--tmpdir',
    join(tmp, 'tmpdir'),
  ];
  const flags = ['--cgroup-manager', 'cgroupfs', '--events-backend', 'file', '--runtime', RUNTIME];
  return execa('podman', [...base, ...flags, ...args], {
    reject: false,
    // conmon writes an `oom` file into its working directory after an OOM kill (with runc too):
    // keep it in this suite's temp dir.
    cwd: tmp,
    // Without jest's NODE_OPTIONS, which would reach iza-runtime through podman and conmon.
    env: { CONTAINERS_CONF: conf, NODE_OPTIONS: undefined },
    timeout: 120_000,
  });
}

const run = (args: string[]) => podman(['run', '--rm', '--network', 'none', ...args]);

const shellQuote = (word: string) => `'${word.replace(/'/g, `'\\''`)}'`;

/**
 * Runs `argv` with a terminal of its own, as a user at a shell would: `script` gives it a pty
 * (sized rows x cols first) and copies what it prints. `-t` callers ask their terminal's size.
 */
function inTerminal(argv: string[], env: Record<string, string> = {}) {
  const line = `stty rows 33 cols 101; exec ${argv.map(shellQuote).join(' ')}`;
  return execa('script', ['-qec', line, '/dev/null'], {
    reject: false,
    env: { ...env, NODE_OPTIONS: undefined },
    timeout: 120_000,
  });
}

const podmanArgv = (args: string[]) => [
  'podman',
  '--root',
  join(tmp, 'root'),
  '--runroot',
  join(tmp, 'runroot'),
  '--tmpdir',
  join(tmp, 'tmpdir'),
  '--cgroup-manager',
  'cgroupfs',
  '--events-backend',
  'file',
  '--runtime',
  RUNTIME,
  ...args,
];

describe('iza-runtime under podman', () => {
  beforeAll(async () => {
    writeFileSync(
      conf,
      '[containers]\ndefault_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]\n',
    );
    const pull = await podman(['pull', '--tls-verify=false', image()]);
    expect(pull.exitCode).toBe(0);
  });

  afterAll(async () => {
    await podman(['rm', '--all', '--force']);
    await podman(['system', 'reset', '--force']);
  });

  it('prints the output of echo', async () => {
    expect(await run([image(), 'echo', 'hello', 'oci'])).toMatchObject({
      exitCode: 0,
      stdout: 'hello oci',
    });
  });

  it('passes the exit code through', async () => {
    expect((await run([image(), 'sh', '-c', 'exit 42'])).exitCode).toBe(42);
  });

  it('runs in a user namespace with --uidmap and --gidmap, as root of that range', async () => {
    const maps = ['--uidmap', '0:100000:65536', '--gidmap', '0:200000:65536'];
    const script = 'id -u; id -g; cat /proc/self/uid_map /proc/self/gid_map';
    const result = await run([...maps, image(), 'sh', '-c', script]);

    expect(result.exitCode).toBe(0);
    const [uid, gid, uidMap, gidMap] = result.stdout.split('\n');
    expect([uid, gid]).toEqual(['0', '0']);
    expect(uidMap?.trim().split(/\s+/)).toEqual(['0', '100000', '65536']);
    expect(gidMap?.trim().split(/\s+/)).toEqual(['0', '200000', '65536']);
  });

  it("fails create with 127 and runc's message for a command the image does not have", async () => {
    const result = await run([image(), 'no-such-command']);
    expect(result.exitCode).toBe(127);
    expect(result.stderr).toContain('exec: "no-such-command": executable file not found in $PATH');
  });

  it('sets the hostname', async () => {
    expect((await run(['--hostname', 'oci-box', image(), 'hostname'])).stdout).toBe('oci-box');
  });

  it('shows only lo in ip addr', async () => {
    const { stdout } = await run([image(), 'ip', '-o', 'link']);
    const links = stdout.split('\n').map((l) => l.split(':')[1]?.trim());
    expect(links).toEqual(['lo']);
  });

  it('shows only the container processes in ps', async () => {
    const { stdout } = await run([image(), 'ps', '-o', 'pid,comm']);
    expect(
      stdout
        .split('\n')
        .slice(1)
        .map((l) => l.trim()),
    ).toEqual(['1 ps']);
  });

  it('exits 137 when --memory 50m is exceeded (OOM kill)', async () => {
    const dd = ['dd', 'if=/dev/zero', 'of=/dev/null', 'bs=100M', 'count=1'];
    expect((await run(['--memory', '50m', image(), ...dd])).exitCode).toBe(137);
  });

  it("loads podman's default seccomp profile, which refuses what it leaves out", async () => {
    // podman's profile answers swapon with EPERM whatever the capabilities; with CAP_SYS_ADMIN
    // and no filter the kernel gets to look at the file and refuses it as no swap area.
    const script = 'grep ^Seccomp: /proc/self/status; swapon /etc/passwd 2>&1';
    const admin = ['--cap-add', 'SYS_ADMIN', image(), 'sh', '-c', script];
    const filtered = await run(admin);
    expect(filtered.stdout).toMatch(/^Seccomp:\t2\n.*Operation not permitted$/);

    const unconfined = await run(['--security-opt', 'seccomp=unconfined', ...admin]);
    expect(unconfined.stdout).toMatch(/^Seccomp:\t0\n/);
    expect(unconfined.stdout).not.toMatch(/Operation not permitted/);
  });

  it('gives run -t a pty of the container devpts, through the console socket', async () => {
    const argv = podmanArgv(['run', '--rm', '-t', '--network', 'none']);
    const result = await inTerminal([...argv, image(), 'tty'], { CONTAINERS_CONF: conf });
    expect(result).toMatchObject({ exitCode: 0, stdout: '/dev/pts/0' });
  });

  describe('with a running container', () => {
    const name = 'iza-e2e-exec';
    let id = '';

    beforeAll(async () => {
      const started = await podman([
        'run',
        '-d',
        '--name',
        name,
        '--network',
        'none',
        image(),
        'sleep',
        '1000',
      ]);
      expect(started.exitCode).toBe(0);
      id = started.stdout.trim();
    });

    afterAll(async () => {
      await podman(['rm', '--force', '--time', '0', name]);
    });

    it('runs podman exec in the container: its pid namespace, hostname and files', async () => {
      const script = 'cat /proc/1/comm; hostname; echo $$ > /tmp/exec-ran; cat /tmp/exec-ran';
      const result = await podman(['exec', name, 'sh', '-c', script]);
      expect(result.exitCode).toBe(0);
      const [comm, hostname, pid] = result.stdout.split('\n');
      expect(comm).toBe('sleep');
      expect(hostname).toBe(id.slice(0, 12));
      expect(Number(pid)).toBeGreaterThan(1);
    });

    it('passes the exit code of podman exec through', async () => {
      expect((await podman(['exec', name, 'sh', '-c', 'exit 5'])).exitCode).toBe(5);
    });

    it("fails podman exec of a missing command with 127 and runc's message", async () => {
      const result = await podman(['exec', name, 'no-such-command']);
      expect(result.exitCode).toBe(127);
      expect(result.stderr).toContain(
        'exec: "no-such-command": executable file not found in $PATH',
      );
    });

    it('gives podman exec -t a pty of the container devpts', async () => {
      const argv = podmanArgv(['exec', '-t', name, 'tty']);
      const result = await inTerminal(argv, { CONTAINERS_CONF: conf });
      expect(result.exitCode).toBe(0);
      expect(result.stdout.trim()).toMatch(/^\/dev\/pts\/\d+$/);
    });

    it('pauses and unpauses with podman', async () => {
      const status = async () =>
        (await podman(['inspect', '--format', '{{.State.Status}}', name])).stdout;
      expect((await podman(['pause', name])).exitCode).toBe(0);
      expect(await status()).toBe('paused');
      expect((await podman(['unpause', name])).exitCode).toBe(0);
      expect(await status()).toBe('running');
      expect((await podman(['exec', name, 'true'])).exitCode).toBe(0);
    });

    it('changes the memory limit with podman update --memory', async () => {
      const result = await podman(['update', '--memory', '100m', name]);
      expect(result).toMatchObject({ exitCode: 0, stderr: '' });
      // podman's cgroupfs placement: /libpod_parent/libpod-<id> in each hierarchy.
      const files = [
        `/sys/fs/cgroup/memory/libpod_parent/libpod-${id}/memory.limit_in_bytes`,
        `/sys/fs/cgroup/libpod_parent/libpod-${id}/memory.max`,
      ].filter((f) => existsSync(f));
      expect(files).toHaveLength(1);
      expect(readFileSync(files[0] as string, 'utf8').trim()).toBe(String(100 * 2 ** 20));
    });
  });

  it('gives run -t the size of the caller terminal', async () => {
    const argv = podmanArgv(['run', '--rm', '-t', '--network', 'none']);
    const result = await inTerminal([...argv, image(), 'sh', '-c', 'stty size'], {
      CONTAINERS_CONF: conf,
    });
    expect(result).toMatchObject({ exitCode: 0, stdout: '33 101' });
  });
});

describe('iza-runtime under containerd (ctr)', () => {
  const dir = join(tmp, 'containerd');
  const sock = join(dir, 'containerd.sock');
  let containerd: ChildProcess | undefined;
  const ctr = (args: string[]) =>
    execa('ctr', ['-a', sock, ...args], { reject: false, timeout: 120_000 });

  beforeAll(async () => {
    const config = join(dir, 'config.toml');
    rmSync(dir, { recursive: true, force: true });
    await execa('mkdir', ['-p', dir]);
    writeFileSync(
      config,
      [
        'version = 2',
        `root = "${dir}/root"`,
        `state = "${dir}/state"`,
        'disabled_plugins = ["io.containerd.grpc.v1.cri"]',
        '[grpc]',
        `  address = "${sock}"`,
        '',
      ].join('\n'),
    );
    const env = { ...process.env };
    delete env['NODE_OPTIONS'];
    containerd = spawn('containerd', ['--config', config], { stdio: 'ignore', env });
    for (let i = 0; i < 200 && !existsSync(sock); i++) await new Promise((r) => setTimeout(r, 50));
    const pull = await ctr(['images', 'pull', '--plain-http', image()]);
    expect(pull.exitCode).toBe(0);
  });

  afterAll(async () => {
    if (containerd?.pid !== undefined) process.kill(containerd.pid, 'SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs a container with --runc-binary iza-runtime', async () => {
    const result = await ctr([
      'run',
      '--rm',
      '--runc-binary',
      RUNTIME,
      image(),
      'ctr-oci-1',
      'sh',
      '-c',
      'echo from ctr; exit 3',
    ]);
    expect(result).toMatchObject({ stdout: 'from ctr', exitCode: 3 });
  });

  describe('with a task running', () => {
    const name = 'ctr-oci-exec';

    beforeAll(async () => {
      const args = ['run', '-d', '--runc-binary', RUNTIME, image(), name, 'sleep', '1000'];
      expect((await ctr(args)).exitCode).toBe(0);
    });

    afterAll(async () => {
      await ctr(['task', 'kill', '--signal', 'SIGKILL', name]);
      for (let i = 0; i < 100; i++) {
        if ((await ctr(['task', 'delete', name])).exitCode === 0) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      await ctr(['container', 'delete', name]);
    });

    it('runs ctr task exec in the container with its exit code', async () => {
      const script = 'cat /proc/1/comm; echo from exec; exit 6';
      const result = await ctr(['task', 'exec', '--exec-id', 'e1', name, 'sh', '-c', script]);
      expect(result).toMatchObject({ exitCode: 6, stdout: 'sleep\nfrom exec' });
    });

    it('lists the task processes with ctr task ps', async () => {
      const result = await ctr(['task', 'ps', name]);
      expect(result.exitCode).toBe(0);
      // A header and the init: containerd asks iza-runtime ps --format json for the pids.
      const pids = result.stdout
        .split('\n')
        .slice(1)
        .map((l) => Number(l.trim().split(/\s+/)[0]));
      expect(pids).toHaveLength(1);
      expect(pids[0]).toBeGreaterThan(1);
    });

    it('pauses and resumes the task', async () => {
      const status = async () => {
        const line = (await ctr(['task', 'ls'])).stdout
          .split('\n')
          .find((l) => l.startsWith(`${name} `));
        return line?.trim().split(/\s+/)[2];
      };
      expect((await ctr(['task', 'pause', name])).exitCode).toBe(0);
      expect(await status()).toBe('PAUSED');
      expect((await ctr(['task', 'resume', name])).exitCode).toBe(0);
      expect(await status()).toBe('RUNNING');
    });
  });

  it('gives ctr run -t a pty of the container devpts, through the console socket', async () => {
    // ctr sets no consoleSize and resizes only after start, so the size is not checked here.
    const argv = ['ctr', '-a', sock, 'run', '--rm', '-t', '--runc-binary', RUNTIME];
    const result = await inTerminal([...argv, image(), 'ctr-oci-tty', 'tty']);
    // ctr's copy through script's pty leaves a carriage return of the line end behind.
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/^\/dev\/pts\/0\r*$/);
  });
});
