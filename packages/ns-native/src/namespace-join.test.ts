import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { readlinkSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

import type { NamespaceSpec } from './container-spec.js';
import { defaultMounts } from './defaults.js';
import { makeBusyboxRootfs, type TestRootfs } from './test-support/rootfs.js';
import { hostMountsUnder, runInContainer } from './test-support/run.js';

// Containers that join namespaces other processes made (OCI linux.namespaces[].path), as a pod's
// containers join its sandbox's. The holders are util-linux `unshare` processes this test starts.
const asRoot = process.getuid?.() === 0 ? describe : describe.skip;

interface Holder {
  pid: number;
  /** The holder's namespace file of this kind, e.g. `/proc/123/ns/mnt`. */
  ns(kind: string): string;
}

const started: number[] = [];

/** Starts `unshare FLAGS --fork sleep` and waits until its namespaces differ from ours. */
async function holder(flags: string[], kinds: string[]): Promise<Holder> {
  const child = spawn('unshare', [...flags, '--fork', 'sleep', '1000'], {
    detached: true,
    stdio: 'ignore',
  });
  const pid = child.pid as number;
  started.push(pid);
  const ns = (kind: string) => `/proc/${pid}/ns/${kind}`;
  for (let i = 0; i < 200; i++) {
    const moved = kinds.every((k) => readlinkSync(ns(k)) !== readlinkSync(`/proc/self/ns/${k}`));
    if (moved) return { pid, ns };
    await sleep(10);
  }
  throw new Error(`unshare ${flags.join(' ')} did not make its namespaces`);
}

const fresh = (...types: NamespaceSpec['type'][]) => types.map((type) => ({ type }));

asRoot('joining existing namespaces by path (needs root)', () => {
  let rootfs: TestRootfs;
  beforeAll(() => {
    rootfs = makeBusyboxRootfs();
  });
  afterAll(() => rootfs.remove());
  afterEach(() => {
    // The holder's process group: unshare and the sleep it forked.
    for (const pid of started.splice(0)) process.kill(-pid, 'SIGKILL');
  });

  it('is born in a joined pid namespace, whose pid 1 it sees', async () => {
    const h = await holder(['--pid'], ['pid_for_children']);
    const r = await runInContainer(rootfs.dir, 'cat /proc/1/comm; readlink /proc/self/ns/pid', {
      namespaces: [{ type: 'pid', path: h.ns('pid_for_children') }, ...fresh('mount', 'uts')],
    });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(`sleep\n${readlinkSync(h.ns('pid_for_children'))}\n`);
    // Only the child was moved: this process still starts its children in its own namespace.
    expect(readlinkSync('/proc/self/ns/pid_for_children')).toBe(readlinkSync('/proc/self/ns/pid'));
  });

  it('sets up its root inside a joined mount namespace, not in the host one', async () => {
    const h = await holder(['--mount'], ['mnt']);
    const r = await runInContainer(rootfs.dir, 'readlink /proc/self/ns/mnt; ls /bin/sh', {
      namespaces: [{ type: 'mount', path: h.ns('mnt') }, ...fresh('pid', 'uts', 'ipc')],
    });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(`${readlinkSync(h.ns('mnt'))}\n/bin/sh\n`);
    expect(hostMountsUnder(rootfs.dir)).toEqual([]);
  });

  it('makes its new namespaces inside a joined user namespace', async () => {
    const h = await holder(['--map-root-user', '--pid', '--mount-proc'], ['user']);
    const script = 'readlink /proc/self/ns/user; cat /proc/self/uid_map; hostname; id -u';
    const r = await runInContainer(rootfs.dir, script, {
      namespaces: [
        { type: 'user', path: h.ns('user') },
        { type: 'pid', path: h.ns('pid_for_children') },
        ...fresh('mount', 'uts', 'ipc', 'network'),
      ],
      // Only root is mapped there: devpts cannot be given gid 5 (tty), which has no mapping.
      mounts: defaultMounts().map((m) =>
        m.destination === '/dev/pts'
          ? { ...m, options: m.options.filter((o) => o !== 'gid=5') }
          : m,
      ),
    });
    expect(r.stderr).toBe('');
    const [userns, map, hostname, uid] = r.stdout.trim().split('\n');
    expect(userns).toBe(readlinkSync(h.ns('user')));
    expect(map?.trim().split(/\s+/)).toEqual(['0', '0', '1']);
    expect([hostname, uid]).toEqual(['iza-container', '0']);
  });

  it('fails before clone, naming the path, when a namespace file does not exist', async () => {
    const missing = '/proc/self/ns/no-such-namespace';
    const err = await runInContainer(rootfs.dir, 'true', {
      namespaces: [{ type: 'network', path: missing }, ...fresh('mount', 'uts')],
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ENOENT', syscall: 'open', path: missing });
  });
});
