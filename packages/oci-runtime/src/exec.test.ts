import {
  chmodSync,
  closeSync,
  existsSync,
  openSync,
  readFileSync,
  readlinkSync,
  statSync,
} from 'node:fs';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';

import {
  containerPids,
  containerState,
  createContainer,
  deleteContainer,
  execContainer,
  OciErrorCode,
  processFromFlags,
  startContainer,
} from './index.js';
import type { OciProcess, OciSpec, StoredState } from './index.js';

import { eventually, makeTestBundle, type TestBundle } from './test-support/bundle.js';
import { startConsoleReceiver } from './test-support/console-receiver.js';

const isRoot = process.getuid?.() === 0;
// Namespaces, cgroups and a container to exec into need root.
const describeRoot = isRoot ? describe : describe.skip;

let tb: TestBundle;
let id = '';
let n = 0;

function stored(): StoredState {
  return JSON.parse(readFileSync(join(tb.stateRoot, id, 'state.json'), 'utf8')) as StoredState;
}

/** The container's process with `args` and `edit` applied, as `exec` without --process. */
function proc(args: string[], edit: (p: OciProcess) => void = () => undefined): OciProcess {
  const p = processFromFlags(stored().process, { args });
  edit(p);
  return p;
}

/** A foreground exec with stdout and stderr in a file, read back after. */
async function execWithOutput(p: OciProcess): Promise<{ status: number; output: string }> {
  const outFile = join(tb.dir, `exec-${++n}.out`);
  const fd = openSync(outFile, 'w');
  try {
    const { status } = await execContainer({
      root: tb.stateRoot,
      id,
      process: p,
      stdio: [0, fd, fd],
    });
    return { status, output: readFileSync(outFile, 'utf8') };
  } finally {
    closeSync(fd);
  }
}

async function running(args: string[] = ['sleep', '100'], edit?: (s: OciSpec) => void) {
  tb.writeConfig(args, edit);
  const created = await createContainer({ root: tb.stateRoot, id, bundle: tb.bundle });
  await startContainer({ root: tb.stateRoot, id });
  return created.pid;
}

const cgroupOf = (pid: number | string) => readFileSync(`/proc/${pid}/cgroup`, 'utf8');

describeRoot('exec (root, busybox bundle)', () => {
  beforeEach(() => {
    tb = makeTestBundle();
    id = `oci-exec-${process.pid}-${++n}`;
  });

  afterEach(async () => {
    await deleteContainer({ root: tb.stateRoot, id, force: true }).catch(() => undefined);
    tb.remove();
  });

  it('runs in the container: its pid namespace, hostname, mounts and cgroups', async () => {
    const init = await running();
    // start returns once the init has its byte; its execve of sleep follows.
    await eventually(() => readFileSync(`/proc/${init}/comm`, 'utf8') === 'sleep\n');
    const script = 'cat /proc/1/comm; hostname; echo $$ > /tmp/exec-pid; cat /proc/self/cgroup';
    const { status, output } = await execWithOutput(proc(['sh', '-c', script]));

    expect(status).toBe(0);
    const [comm, hostname, ...cgroup] = output.trim().split('\n');
    expect([comm, hostname]).toEqual(['sleep', 'oci-test']);
    // The pid it saw for itself is the container's, not the host's; its file is the rootfs's.
    expect(Number(readFileSync(join(tb.rootfs, 'tmp', 'exec-pid'), 'utf8'))).toBeGreaterThan(1);
    // Same cgroups as the init, hierarchy by hierarchy (no cgroup namespace: host paths).
    expect(`${cgroup.join('\n')}\n`).toBe(cgroupOf(init));
  });

  it('passes the status through, and a signal as 128+N', async () => {
    await running();
    expect((await execWithOutput(proc(['sh', '-c', 'exit 7']))).status).toBe(7);
    expect((await execWithOutput(proc(['sh', '-c', 'kill -TERM $$']))).status).toBe(143);
  });

  it("fails with runc's message for a program the container does not have", async () => {
    await running();
    const err = await execContainer({
      root: tb.stateRoot,
      id,
      process: proc(['no-such-program']),
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ message: 'exec failed', details: { exitCode: 255 } });
    expect(String((err as Error).cause)).toContain(
      'exec: "no-such-program": executable file not found in $PATH',
    );
    // Nothing left running in the container but its init.
    expect(containerPids({ root: tb.stateRoot, id })).toHaveLength(1);
  });

  it('is refused for a stopped container', async () => {
    await running(['true']);
    await eventually(() => containerState({ root: tb.stateRoot, id }).status === 'stopped');
    await expect(
      execContainer({ root: tb.stateRoot, id, process: proc(['true']) }),
    ).rejects.toMatchObject({
      code: OciErrorCode.BadState,
      cause: expect.objectContaining({ message: 'cannot exec in a stopped container' }),
    });
  });

  it('runs in a created container, before its program starts', async () => {
    tb.writeConfig(['sleep', '100']);
    await createContainer({ root: tb.stateRoot, id, bundle: tb.bundle });
    const { status, output } = await execWithOutput(proc(['cat', '/proc/1/cmdline']));
    expect(status).toBe(0);
    // The init still waits for start: what runs as pid 1 is iza's setup, not sleep yet.
    expect(output).not.toContain('sleep');
    expect(containerState({ root: tb.stateRoot, id }).status).toBe('created');
  });

  it('detached, returns once the program runs and writes its host pid', async () => {
    await running();
    const pidFile = join(tb.dir, 'exec.pid');
    const result = await execContainer({
      root: tb.stateRoot,
      id,
      process: proc(['sleep', '50']),
      detach: true,
      pidFile,
    });
    expect(result.status).toBe(0);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    expect(pid).toBe(result.pid);
    expect(readlinkSync(`/proc/${pid}/exe`)).toMatch(/busybox$/);
    expect(containerPids({ root: tb.stateRoot, id })).toContain(pid);
    // This process is its parent: it reaps it, as a subreaper would.
    process.kill(pid, 'SIGKILL');
    expect(await result.wait()).toBe(137);
  });

  it("applies the container's seccomp filter to the exec'd process", async () => {
    await running(['sleep', '100'], (s) => {
      s.linux = {
        ...s.linux,
        seccomp: {
          defaultAction: 'SCMP_ACT_ALLOW',
          syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 }],
        },
      };
    });
    const script = 'grep ^Seccomp: /proc/self/status; mkdir /tmp/d 2>/dev/null || echo refused';
    const { output } = await execWithOutput(proc(['sh', '-c', script]));
    expect(output).toBe('Seccomp:\t2\nrefused\n');
    expect(existsSync(join(tb.rootfs, 'tmp', 'd'))).toBe(false);
  });

  it('takes the user, cwd and env it is given', async () => {
    await running();
    const p = processFromFlags(stored().process, {
      args: ['sh', '-c', 'id -u; id -g; id -G; pwd; echo $EXTRA'],
      user: '1000:1001',
      additionalGids: ['1002'],
      cwd: '/tmp',
      env: ['EXTRA=yes'],
    });
    const { output } = await execWithOutput(p);
    expect(output).toBe('1000\n1001\n1001 1002\n/tmp\nyes\n');
  });

  it('adds the capabilities it is given to the sets of the container', async () => {
    // The base config grants none.
    await running();
    const script = 'grep ^CapEff /proc/self/status';
    expect((await execWithOutput(proc(['sh', '-c', script]))).output).toBe(
      'CapEff:\t0000000000000000\n',
    );
    const p = processFromFlags(stored().process, {
      args: ['sh', '-c', script],
      caps: ['CAP_KILL'],
    });
    // CAP_KILL is bit 5.
    expect((await execWithOutput(p)).output).toBe('CapEff:\t0000000000000020\n');
  });

  it('joins the user namespace of a container that has one', async () => {
    // Its root is host uid 400000, which must reach the rootfs and write to its /tmp.
    chmodSync(tb.dir, 0o711);
    chmodSync(join(tb.rootfs, 'tmp'), 0o1777);
    await running(['sleep', '100'], (s) => {
      s.linux = {
        ...s.linux,
        namespaces: [...(s.linux?.namespaces ?? []), { type: 'user' }],
        uidMappings: [{ containerID: 0, hostID: 400000, size: 65536 }],
        gidMappings: [{ containerID: 0, hostID: 400000, size: 65536 }],
      };
    });

    const { status, output } = await execWithOutput(
      proc(['sh', '-c', 'id -u; cat /proc/self/uid_map; touch /tmp/owned']),
    );
    expect(status).toBe(0);
    const [uid, map] = output.trim().split('\n');
    expect(uid).toBe('0');
    expect(map?.trim().split(/\s+/)).toEqual(['0', '400000', '65536']);
    // Made as the namespace's root: owned by the host uid that root maps to.
    expect(statSync(join(tb.rootfs, 'tmp', 'owned')).uid).toBe(400000);
  });

  it('sends a pty of the container devpts to the console socket with -t --detach', async () => {
    await running(['sleep', '100'], (s) => {
      s.mounts = [
        ...(s.mounts ?? []),
        {
          destination: '/dev/pts',
          type: 'devpts',
          source: 'devpts',
          options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620'],
        },
      ];
    });
    const socketPath = join(tb.dir, 'console.sock');
    const receiver = startConsoleReceiver(socketPath);
    try {
      await receiver.ready;
      const p = proc(['tty'], (x) => {
        x.terminal = true;
        x.consoleSize = { height: 30, width: 90 };
      });
      const result = await execContainer({
        root: tb.stateRoot,
        id,
        process: p,
        detach: true,
        consoleSocket: socketPath,
      });
      expect(await result.wait()).toBe(0);
      expect(await receiver.result).toMatchObject({
        name: '/dev/ptmx',
        fds: 1,
        rows: 30,
        cols: 90,
        output: '/dev/pts/0\r\n',
      });
    } finally {
      receiver.stop();
    }
  });

  it('refuses a terminal that would have no reader, as runc', async () => {
    await running();
    const p = proc(['tty'], (x) => (x.terminal = true));
    await expect(
      execContainer({ root: tb.stateRoot, id, process: p, detach: true }),
    ).rejects.toMatchObject({ code: OciErrorCode.Terminal });
    expect(containerPids({ root: tb.stateRoot, id })).toHaveLength(1);
  });
});
