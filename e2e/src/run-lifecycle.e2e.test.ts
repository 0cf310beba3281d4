import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { execa } from 'execa';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';

import { cgroupsUnder, newCgroups } from './harness/cgroups.js';
import { lines } from './harness/cli-output.js';
import { iza, izaBin } from './harness/iza.js';
import { makeIzaRoot, removeIzaRoot } from './harness/iza-root.js';
import { mountsUnder } from './harness/mountinfo.js';
import { processesWithArg } from './harness/processes.js';
import { fixture } from './harness/suite-state.js';

// The run lifecycle a user meets beyond exit codes: signals sent to iza, a terminal, iza itself
// killed with SIGKILL, cpu and pids limits by the cgroup's own accounting, limits refused before
// anything exists, and a container process trying to reach the host.

const image = () => fixture('minimal:latest').ref;

let root: string;
let cgroupsBefore: string[];

beforeAll(async () => {
  root = await makeIzaRoot('run-lifecycle');
  cgroupsBefore = cgroupsUnder();
  expect(await iza(['pull', '-q', image()], { root })).toMatchObject({ exitCode: 0 });
});

afterEach(() => {
  expect(mountsUnder(root)).toEqual([]);
  expect(newCgroups(cgroupsBefore)).toEqual([]);
});

afterAll(async () => {
  expect(await removeIzaRoot(root)).toEqual([]);
});

/**
 * Starts `iza run` in the background; resolves once the container printed `ready`. The child is
 * wrapped: an execa child is a promise, and returning it would wait for its exit.
 */
async function startRun(args: string[]) {
  const child = execa(izaBin(), ['--root', root, 'run', '--rm', ...args], {
    reject: false,
    env: { CI: '1' },
    stdin: 'ignore',
    timeout: 60_000,
    killSignal: 'SIGKILL',
  });
  await new Promise<void>((resolve, reject) => {
    let seen = '';
    child.stdout?.on('data', (d: Buffer) => {
      seen += d.toString();
      if (seen.includes('ready')) resolve();
    });
    child.on('exit', () => reject(new Error(`iza exited before the container was ready: ${seen}`)));
  });
  return { child };
}

describe('signals sent to iza', () => {
  it.each([
    ['SIGTERM', 'TERM', 43],
    ['SIGINT', 'INT', 44],
    ['SIGHUP', 'HUP', 45],
    ['SIGQUIT', 'QUIT', 46],
  ] as const)('passes %s on to the container', async (signal, trapName, code) => {
    const script = `trap "exit ${code}" ${trapName}; echo ready; while :; do sleep 0.1; done`;
    const { child } = await startRun([image(), 'sh', '-c', script]);

    child.kill(signal);
    const result = await child;

    expect(result.exitCode).toBe(code);
  });
});

describe('a signal sent to iza while it sets the container up', () => {
  // Ctrl-C, `timeout` or a closed terminal right after `iza run` starts: iza is then between
  // its first mount and the container's start. It used to die there at once, leaving a mount,
  // the state directory and (when create was half done) a container init blocked on its exec
  // fifo for ever, in cgroups nothing removed.
  it.each(['SIGTERM', 'SIGINT', 'SIGHUP'] as const)(
    'stops the run with 128+N and leaves nothing behind (%s)',
    async (signal) => {
      const marker = `iza-e2e-setup-${signal}-${process.pid}`;
      const containers = join(root, 'containers');
      const child = execa(
        izaBin(),
        ['--root', root, 'run', '--rm', '--init', image(), 'sh', '-c', 'sleep 30', marker],
        { reject: false, env: { CI: '1' }, stdin: 'ignore', timeout: 60_000 },
      );
      // The state directory is iza's first write of a run: signal as soon as it exists.
      for (let i = 0; i < 5000 && !hasEntries(containers); i++) {
        await new Promise((r) => setTimeout(r, 1));
      }
      child.kill(signal);
      const result = await child;

      expect(result.exitCode).toBe(128 + constants.signals[signal]);
      expect(readdirSync(containers)).toEqual([]);
      expect(mountsUnder(root)).toEqual([]);
      expect(newCgroups(cgroupsBefore)).toEqual([]);
      expect(processesWithArg(marker)).toEqual([]);
      expect(processesWithArg(root)).toEqual([]);
    },
  );
});

function hasEntries(dir: string): boolean {
  try {
    return readdirSync(dir).length > 0;
  } catch {
    return false;
  }
}

describe('iza killed with SIGKILL', () => {
  it('leaves the next iza command to remove its container, mount, cgroup and state', async () => {
    const marker = `iza-e2e-orphan-${process.pid}`;
    // `sh -c SCRIPT NAME`: NAME is the shell's $0, so the marker is in its command line.
    const { child } = await startRun([
      '--memory',
      '64m',
      image(),
      'sh',
      '-c',
      'echo ready; sleep 300',
      marker,
    ]);
    const containers = join(root, 'containers');
    expect(readdirSync(containers)).toHaveLength(1);
    expect(mountsUnder(root)).not.toEqual([]);

    child.kill('SIGKILL');
    await child;
    // The container's init dies with iza (PR_SET_PDEATHSIG); what it leaves is mounts and state.
    expect(processesWithArg(marker)).toEqual([]);

    expect(await iza(['images', '-q'], { root })).toMatchObject({ exitCode: 0 });
    expect(readdirSync(containers)).toEqual([]);
    expect(mountsUnder(root)).toEqual([]);
    expect(newCgroups(cgroupsBefore)).toEqual([]);
  });
});

describe('a terminal', () => {
  it('gives the container a pty, passes keystrokes and the exit status (script(1))', async () => {
    // script runs iza on a real pty, as a user's terminal; the container reads what we type.
    const script = 'tty; read line; echo got:$line; exit 7';
    const command = `${izaBin()} --root ${root} run --rm -it ${image()} sh -c '${script}'`;
    const result = await execa('script', ['-qec', command, '/dev/null'], {
      input: 'hello\n',
      reject: false,
      timeout: 60_000,
    });

    expect(result.stdout).toMatch(/\/dev\/pts\/0/);
    expect(result.stdout).toMatch(/got:hello/);
    expect(result.exitCode).toBe(7);
    // The host terminal is raw as docker makes it: the container's line ends arrive as they
    // were sent (\r\n), not translated once more (\r\r\n, Node's raw mode keeps ONLCR).
    expect(result.stdout).toContain('/dev/pts/0\r\n');
    expect(result.stdout).not.toContain('\r\r\n');
  });
});

describe('cgroup limits', () => {
  // The container's own cgroup2 view: usage_usec counts every cpu second its processes used.
  const busy = 'timeout 3 sh -c "while :; do :; done"; grep usage_usec /sys/fs/cgroup/cpu.stat';

  const cpuSeconds = (stdout: string) => {
    const m = /usage_usec (\d+)/.exec(stdout);
    if (!m?.[1]) throw new Error(`no usage_usec in: ${stdout}`);
    return Number(m[1]) / 1e6;
  };

  it('holds a 3 s busy loop to 1.2-1.9 s of cpu under --cpus 0.5', async () => {
    const result = await iza(['run', '--rm', '--cpus', '0.5', image(), 'sh', '-c', busy], {
      root,
    });

    expect(result.exitCode).toBe(0);
    const used = cpuSeconds(result.stdout);
    expect(used).toBeGreaterThanOrEqual(1.2);
    expect(used).toBeLessThanOrEqual(1.9);
  });

  it('lets the same loop use about 3 s of cpu without the limit', async () => {
    const result = await iza(['run', '--rm', image(), 'sh', '-c', busy], { root });

    expect(result.exitCode).toBe(0);
    expect(cpuSeconds(result.stdout)).toBeGreaterThanOrEqual(2.4);
  });

  it('contains a fork bomb under --pids-limit 20, and iza exits normally', async () => {
    const bomb = 'bomb() { bomb | bomb & }; bomb; sleep 3; echo survived; exit 0';
    const result = await iza(['run', '--rm', '--pids-limit', '20', image(), 'sh', '-c', bomb], {
      root,
      timeout: 60_000,
    });

    expect(result).toMatchObject({ exitCode: 0 });
    expect(lines(result.stdout)).toContain('survived');
  });

  it.each([
    [['--memory', 'abc'], /memory/i],
    [['--memory', '1m'], /minimum/i],
    [['--memory-swap', '100m'], /memory ?-?swap/i],
    [['--memory', '100m', '--memory-swap', '50m'], /memory ?-?swap/i],
    [['--cpus', '-1'], /range of CPUs/i],
    [['--cpus', '1000'], /range of CPUs/i],
    [['--cpuset-cpus', '999'], /CPUs are not available/i],
    [['--pids-limit', 'many'], /pids-limit/i],
  ])('refuses %j before creating anything (exit 125, one line)', async (flags, pattern) => {
    const containers = join(root, 'containers');
    const before = existsSync(containers) ? readdirSync(containers) : [];

    const result = await iza(['run', '--rm', ...flags, image(), 'true'], { root });

    expect(result.exitCode).toBe(125);
    const errors = lines(result.stderr).filter((l) => l.startsWith('Error:'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(pattern);
    expect(existsSync(containers) ? readdirSync(containers) : []).toEqual(before);
  });
});

describe('a container process trying to reach the host', () => {
  const run = (script: string) => iza(['run', '--rm', image(), 'sh', '-c', script], { root });

  it('cannot mount anything (no CAP_SYS_ADMIN)', async () => {
    const result = await run(
      'mount -t tmpfs none /mnt && echo MOUNTED; mount -o remount,rw /sys && echo RW',
    );
    expect(result.stdout).not.toMatch(/MOUNTED|RW/);
  });

  it('sees no host process, not even through /proc/1', async () => {
    const result = await run('ls /proc | grep -E "^[0-9]+$" | wc -l; readlink /proc/1/exe');
    const [count, exe] = lines(result.stdout);
    expect(Number(count)).toBeLessThanOrEqual(4);
    expect(exe).toBe('/bin/busybox');
  });

  it('cannot write kernel settings or the sysrq trigger, nor read kernel memory', async () => {
    const result = await run(
      [
        'echo 1 > /proc/sys/kernel/panic && echo PANIC',
        'echo h > /proc/sysrq-trigger && echo SYSRQ',
        'echo kcore=$(head -c 4 /proc/kcore | wc -c)',
      ].join('; '),
    );
    expect(result.stdout).not.toMatch(/PANIC|SYSRQ/);
    expect(lines(result.stdout)).toContain('kcore=0');
  });

  it('has no network but loopback: connecting out fails', async () => {
    const result = await run('ip route; ping -c 1 -W 1 1.1.1.1 && echo REACHED');
    expect(result.stdout).not.toMatch(/REACHED|default/);
  });

  it('cannot create device nodes for host disks or raise its capabilities', async () => {
    const result = await run(
      [
        'mknod /tmp/vda b 254 0 && head -c 1 /tmp/vda && echo DISK',
        'grep -E "^(CapEff|NoNewPrivs)" /proc/self/status',
      ].join('; '),
    );
    expect(result.stdout).not.toMatch(/DISK/);
    expect(result.stdout).toMatch(/CapEff:\s+00000000a80425fb/);
    expect(result.stdout).toMatch(/NoNewPrivs:\s+1/);
  });

  it("can make a device node (CAP_MKNOD, as docker's) but open none docker denies", async () => {
    // A loop device and /dev/fuse open on this host, as root, from a node the test makes; the
    // same nodes made in the container must not (the device cgroup: v1 devices.allow here, a
    // BPF program on cgroup v2, see the VM suite), while the default nodes work.
    const probe = (dir: string) =>
      `mknod ${dir}/loop b 7 0 && mknod ${dir}/fuse c 10 229 && echo made
       for n in loop fuse; do
         (exec 3<${dir}/$n) 2>/dev/null && echo "open $n" || echo "denied $n"
       done
       (exec 3>/dev/null) && echo "open null"`;
    const hostDir = mkdtempSync(join(tmpdir(), 'iza-e2e-devices-'));
    try {
      const host = await execa('/bin/sh', ['-c', probe(hostDir)], { reject: false });
      expect(lines(host.stdout)).toEqual(['made', 'open loop', 'open fuse', 'open null']);
    } finally {
      rmSync(hostDir, { recursive: true, force: true });
    }
    const result = await run(probe('/tmp'));
    expect(lines(result.stdout)).toEqual(['made', 'denied loop', 'denied fuse', 'open null']);
  });

  it("is under docker's default seccomp profile unless --security-opt says otherwise", async () => {
    const status = 'grep ^Seccomp: /proc/self/status';
    expect((await run(status)).stdout).toBe('Seccomp:\t2');
    const unconfined = ['run', '--rm', '--security-opt', 'seccomp=unconfined', image()];
    expect((await iza([...unconfined, 'sh', '-c', status], { root })).stdout).toBe('Seccomp:\t0');

    // A profile file of the user's (docker's format) replaces the default.
    const dir = mkdtempSync(join(tmpdir(), 'iza-e2e-seccomp-'));
    try {
      const profile = join(dir, 'profile.json');
      writeFileSync(
        profile,
        JSON.stringify({
          defaultAction: 'SCMP_ACT_ALLOW',
          syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 13 }],
        }),
      );
      const args = ['run', '--rm', '--security-opt', `seccomp=${profile}`, image()];
      const result = await iza([...args, 'sh', '-c', 'mkdir /tmp/d || echo refused'], { root });
      expect(result.stdout).toBe('refused');
      expect(result.stderr).toMatch(/Permission denied/);

      writeFileSync(profile, '{"defaultAction": "SCMP_ACT_SOMETIMES"}');
      const bad = await iza([...args, 'true'], { root });
      expect(bad.exitCode).toBe(125);
      const why = 'seccomp: unknown action SCMP_ACT_SOMETIMES in defaultAction';
      expect(lines(bad.stderr)[0]).toBe(`Error: invalid --security-opt seccomp=${profile}: ${why}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('leaves no process behind that it started in the background', async () => {
    const marker = `iza-e2e-bg-${process.pid}`;
    const result = await run(`sh -c 'sleep 300' ${marker} & echo started`);
    expect(result.exitCode).toBe(0);
    expect(processesWithArg(marker)).toEqual([]);
  });
});
