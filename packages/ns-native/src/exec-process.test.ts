import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import {
  closeSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { createContainerProcess, type ContainerProcess } from './container-process.js';
import type { NamespaceSpec } from './container-spec.js';
import { createExecProcess } from './exec-process.js';
import type { ExecProcessSpec } from './exec-plan.js';
import { makeBusyboxRootfs, type TestRootfs } from './test-support/rootfs.js';
import { baseSpec } from './test-support/run.js';

// runc exec's half of the addon: one more process in the namespaces of a running container.
const asRoot = process.getuid?.() === 0 ? describe : describe.skip;

const KINDS: [NamespaceSpec['type'], string][] = [
  ['pid', 'pid'],
  ['network', 'net'],
  ['mount', 'mnt'],
  ['uts', 'uts'],
  ['ipc', 'ipc'],
  ['cgroup', 'cgroup'],
];

/** The namespaces of `pid` that differ from this process's, as exec joins them. */
function namespacesOf(pid: number): ExecProcessSpec['namespaces'] {
  return KINDS.filter(
    ([, file]) => readlinkSync(`/proc/${pid}/ns/${file}`) !== readlinkSync(`/proc/self/ns/${file}`),
  ).map(([type, file]) => ({ type, path: `/proc/${pid}/ns/${file}` }));
}

asRoot('createExecProcess (needs root)', () => {
  let rootfs: TestRootfs;
  let init: ContainerProcess | undefined;
  let dir: string;

  beforeAll(() => {
    rootfs = makeBusyboxRootfs();
  });
  afterAll(() => rootfs.remove());
  afterEach(async () => {
    if (init !== undefined) {
      process.kill(init.pid, 'SIGKILL');
      await init.wait();
    }
    init = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  async function startInit(): Promise<ContainerProcess> {
    dir = mkdtempSync(join(tmpdir(), 'iza-exec-'));
    const devnull = openSync('/dev/null', 'r+');
    try {
      init = await createContainerProcess({
        // sleep itself, not through sh: start() resolves once its execve is done.
        ...baseSpec(rootfs.dir, ''),
        args: ['/bin/sleep', '1000'],
        stdio: [devnull, devnull, devnull],
      });
    } finally {
      closeSync(devnull);
    }
    await init.start();
    return init;
  }

  /** Runs `script` with exec; stdout and stderr read back from files after it exits. */
  async function exec(initPid: number, script: string, edit: Partial<ExecProcessSpec> = {}) {
    const out = openSync(join(dir, 'out'), 'w');
    const err = openSync(join(dir, 'err'), 'w');
    const placed: number[] = [];
    try {
      const proc = await createExecProcess(
        {
          namespaces: namespacesOf(initPid),
          args: ['sh', '-c', script],
          env: ['PATH=/bin'],
          cwd: '/',
          user: { uid: 0, gid: 0 },
          stdio: [0, out, err],
          ...edit,
        },
        { placeInCgroups: async (pid) => void placed.push(pid) },
      );
      await proc.start();
      const exit = await proc.wait();
      return {
        exit,
        placed,
        pid: proc.pid,
        stdout: readFileSync(join(dir, 'out'), 'utf8'),
        stderr: readFileSync(join(dir, 'err'), 'utf8'),
      };
    } finally {
      closeSync(out);
      closeSync(err);
    }
  }

  it('runs in the container: its pid namespace, hostname, root and files', async () => {
    const { pid } = await startInit();
    writeFileSync(join(rootfs.dir, 'tmp', 'init-mark'), 'from-init\n');
    const script =
      'cat /proc/1/comm; echo $$; hostname; cat /tmp/init-mark; readlink /proc/self/ns/mnt';
    const r = await exec(pid, script);

    expect(r.stderr).toBe('');
    const [comm, ownPid, hostname, mark, mnt] = r.stdout.trim().split('\n');
    expect([comm, hostname, mark]).toEqual(['sleep', 'iza-container', 'from-init']);
    expect(Number(ownPid)).toBeGreaterThan(1);
    expect(mnt).toBe(readlinkSync(`/proc/${pid}/ns/mnt`));
    expect(r.exit).toMatchObject({ exitCode: 0, status: 0 });
    expect(r.placed).toEqual([r.pid]);
  });

  it('passes the status through and takes its user, cwd and env', async () => {
    const { pid } = await startInit();
    const r = await exec(pid, 'id -u; id -g; pwd; echo $GREETING; exit 7', {
      user: { uid: 1000, gid: 1000 },
      cwd: '/tmp',
      env: ['PATH=/bin', 'GREETING=hi'],
    });
    expect(r.stdout).toBe('1000\n1000\n/tmp\nhi\n');
    expect(r.exit.status).toBe(7);
  });

  it("loads the container's seccomp filter into the exec'd process", async () => {
    const { pid } = await startInit();
    const r = await exec(pid, 'grep ^Seccomp: /proc/self/status; mkdir /tmp/d || echo refused', {
      seccomp: {
        defaultAction: 'SCMP_ACT_ALLOW',
        syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 }],
      },
    });
    expect(r.stdout).toBe('Seccomp:\t2\nrefused\n');
  });

  it("gives a terminal from the container's devpts", async () => {
    const { pid } = await startInit();
    const proc = await createExecProcess(
      {
        namespaces: namespacesOf(pid),
        args: ['sh', '-c', 'tty > /tmp/tty-name'],
        env: ['PATH=/bin'],
        cwd: '/',
        user: { uid: 0, gid: 0 },
        terminal: true,
      },
      { placeInCgroups: async () => undefined },
    );
    expect(proc.terminal).not.toBeNull();
    await proc.start();
    expect((await proc.wait()).status).toBe(0);
    closeSync(proc.terminal as number);
    const ttyName = readFileSync(`/proc/${pid}/root/tmp/tty-name`, 'utf8').trim();
    expect(ttyName).toMatch(/^\/dev\/pts\/\d+$/);
  });

  it.each([
    ['a name not on PATH', 'no-such-program', 'ENOENT'],
    ['a directory', '/bin', 'EACCES'],
  ])('start rejects %s with stage exec', async (_what, program, code) => {
    const { pid } = await startInit();
    const proc = await createExecProcess(
      {
        namespaces: namespacesOf(pid),
        args: [program],
        env: ['PATH=/bin'],
        cwd: '/',
        user: { uid: 0, gid: 0 },
      },
      { placeInCgroups: async () => undefined },
    );
    await expect(proc.start()).rejects.toMatchObject({ stage: `exec ${program}`, code });
  });

  it('kills the child and rejects with the placement error', async () => {
    const { pid } = await startInit();
    let child = 0;
    const attempt = createExecProcess(
      {
        namespaces: namespacesOf(pid),
        args: ['true'],
        env: [],
        cwd: '/',
        user: { uid: 0, gid: 0 },
      },
      {
        placeInCgroups: async (p) => {
          child = p;
          throw new Error('no cgroup for you');
        },
      },
    );
    await expect(attempt).rejects.toThrow('no cgroup for you');
    expect(() => process.kill(child, 0)).toThrow();
  });

  it('refuses a spec without the mount namespace before cloning', async () => {
    const { pid } = await startInit();
    const attempt = createExecProcess(
      {
        namespaces: namespacesOf(pid).filter((ns) => ns.type !== 'mount'),
        args: ['true'],
        env: [],
        cwd: '/',
        user: { uid: 0, gid: 0 },
      },
      { placeInCgroups: async () => undefined },
    );
    await expect(attempt).rejects.toMatchObject({ code: 'ERR_IZA_NATIVE_INVALID_SPEC' });
  });
});
