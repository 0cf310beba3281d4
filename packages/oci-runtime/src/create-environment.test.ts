import { closeSync, existsSync, openSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';

import { createContainer, deleteContainer, runContainer } from './index.js';
import type { OciSpec, StoredState } from './index.js';

import { makeTestBundle, type TestBundle } from './test-support/bundle.js';

const isRoot = process.getuid?.() === 0;
const describeRoot = isRoot ? describe : describe.skip;

let tb: TestBundle;
let id = '';
let n = 0;

const withAdmin = (s: OciSpec) => {
  const caps = ['CAP_SYS_ADMIN'];
  (s.process as NonNullable<OciSpec['process']>).capabilities = {
    bounding: caps,
    effective: caps,
    permitted: caps,
  };
};

async function runWithOutput(): Promise<{ status: number; output: string }> {
  const outFile = join(tb.dir, 'out');
  const fd = openSync(outFile, 'w');
  try {
    const status = await runContainer({
      root: tb.stateRoot,
      id,
      bundle: tb.bundle,
      stdio: [0, fd, fd],
    });
    return { status, output: readFileSync(outFile, 'utf8') };
  } finally {
    closeSync(fd);
  }
}

/** The mountinfo lines of the host that mention the test's temp dir. */
const hostMountsUnder = (dir: string) =>
  readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter((l) => l.includes(dir));

// runtime-tools' runtimetest does the same: a recursive bind of / sees a later mount below /
// only when / is shared, and / cannot be bound at all when it is unbindable.
const PROPAGATION_PROBE = `mkdir -p /t /m
mount --rbind / /t 2>/dev/null || { echo bind-refused; exit 0; }
mount -t tmpfs tmpfs /m && touch /m/x
if [ -e /t/m/x ]; then echo exposed; else echo hidden; fi`;

describeRoot('what create sets up (root, busybox bundle)', () => {
  beforeEach(() => {
    tb = makeTestBundle();
    id = `oci-env-${process.pid}-${++n}`;
  });

  afterEach(async () => {
    await deleteContainer({ root: tb.stateRoot, id, force: true }).catch(() => undefined);
    tb.remove();
  });

  it.each([
    ['shared', 'exposed'],
    ['rshared', 'exposed'],
    ['slave', 'hidden'],
    ['private', 'hidden'],
    ['unbindable', 'bind-refused'],
  ])(
    'gives the container root %s propagation (%s), changing nothing on the host',
    async (propagation, seen) => {
      const hostRoot = hostMountsUnder(' / / ');
      tb.writeConfig(['sh', '-c', PROPAGATION_PROBE], (s) => {
        withAdmin(s);
        s.linux = { ...s.linux, rootfsPropagation: propagation };
      });

      const { status, output } = await runWithOutput();

      expect({ status, output }).toEqual({ status: 0, output: `${seen}\n` });
      expect(hostMountsUnder(tb.dir)).toEqual([]);
      expect(hostMountsUnder(' / / ')).toEqual(hostRoot);
    },
  );

  it('makes a fifo for a linux.devices entry of type p', async () => {
    tb.writeConfig(['sh', '-c', 'test -p /dev/fifo && ls -ln /dev/fifo'], (s) => {
      s.linux = { ...s.linux, devices: [{ path: '/dev/fifo', type: 'p', fileMode: 0o640 }] };
    });
    const { status, output } = await runWithOutput();
    expect(status).toBe(0);
    expect(output).toMatch(/^prw-r----- +1 0 +0 +0 .* \/dev\/fifo\n$/);
  });

  it('is in its cgroup namespace, rooted at its own cgroup, once create returns', async () => {
    tb.writeConfig(['sleep', '100'], (s) => {
      s.mounts = [
        ...(s.mounts ?? []),
        { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['ro'] },
      ];
      s.linux = { ...s.linux, namespaces: [...(s.linux?.namespaces ?? []), { type: 'cgroup' }] };
    });

    const created = await createContainer({ root: tb.stateRoot, id, bundle: tb.bundle });

    const ns = (pid: number | 'self') => readlinkSync(`/proc/${pid}/ns/cgroup`);
    expect(ns(created.pid)).not.toBe(ns('self'));
    const procs = join(`/proc/${created.pid}/root`, 'sys/fs/cgroup/cgroup.procs');
    expect(readFileSync(procs, 'utf8').trim()).toBe(String(created.pid));
  });

  it('places a relative cgroupsPath below the runtime and removes what it made on delete', async () => {
    const below = `iza-rel-${process.pid}-${n}`;
    tb.writeConfig(['sleep', '100'], (s) => {
      s.linux = { ...s.linux, cgroupsPath: `${below}/inner/leaf` };
    });

    await createContainer({ root: tb.stateRoot, id, bundle: tb.bundle });
    const state = JSON.parse(
      readFileSync(join(tb.stateRoot, id, 'state.json'), 'utf8'),
    ) as StoredState;
    for (const dir of state.cgroupPaths)
      expect(dir).toMatch(new RegExp(`/iza/${below}/inner/leaf$`));
    const made = (state.cgroupAncestors ?? []).filter((d) => d.includes(below));
    expect(made.length).toBeGreaterThan(0);

    await deleteContainer({ root: tb.stateRoot, id });
    for (const dir of [...state.cgroupPaths, ...made]) expect(existsSync(dir)).toBe(false);
  });

  it('writes swappiness, the kernel TCP limit and the OOM killer switch (cgroup v1 memory)', async () => {
    tb.writeConfig(['sleep', '100'], (s) => {
      s.linux = {
        ...s.linux,
        resources: {
          ...s.linux?.resources,
          memory: { limit: 64 << 20, kernelTCP: 16 << 20, swappiness: 10, disableOOMKiller: true },
        },
      };
    });
    const v1Memory = existsSync('/sys/fs/cgroup/memory/memory.swappiness');
    const attempt = createContainer({ root: tb.stateRoot, id, bundle: tb.bundle });
    if (!v1Memory) {
      await expect(attempt).rejects.toMatchObject({
        cause: expect.objectContaining({ code: 'ERR_IZA_CGROUPS_CONTROLLER_UNAVAILABLE' }),
      });
      return;
    }

    await attempt;
    const state = JSON.parse(
      readFileSync(join(tb.stateRoot, id, 'state.json'), 'utf8'),
    ) as StoredState;
    const dir = state.cgroupPaths.find((p) => existsSync(join(p, 'memory.swappiness'))) as string;
    const read = (file: string) => readFileSync(join(dir, file), 'utf8');
    expect(read('memory.swappiness').trim()).toBe('10');
    expect(read('memory.kmem.tcp.limit_in_bytes').trim()).toBe(String(16 << 20));
    expect(read('memory.oom_control')).toMatch(/^oom_kill_disable 1$/m);
  });

  it('fails create, naming the capability, when capset would refuse the sets', async () => {
    tb.writeConfig(['true'], (s) => {
      (s.process as NonNullable<OciSpec['process']>).capabilities = {
        bounding: ['CAP_SYS_ADMIN'],
        effective: ['CAP_SYS_ADMIN'],
        permitted: [],
      };
    });
    const err = await createContainer({ root: tb.stateRoot, id, bundle: tb.bundle }).catch(
      (e: unknown) => e,
    );
    expect(err).toMatchObject({
      cause: expect.objectContaining({
        stage: 'capabilities',
        code: 'EPERM',
        message: expect.stringContaining('CAP_SYS_ADMIN'),
      }),
    });
    expect(existsSync(join(tb.stateRoot, id))).toBe(false);
  });

  it('ignores a property the runtime spec does not define, with a warning', async () => {
    tb.writeConfig(['true'], (s) => {
      s['vendorExtension'] = { fast: true };
    });
    const warnings: string[] = [];
    await createContainer({
      root: tb.stateRoot,
      id,
      bundle: tb.bundle,
      onWarning: (m) => warnings.push(m),
    });
    expect(warnings).toEqual([
      'config.json: ignoring vendorExtension, which the runtime spec does not define',
    ]);
  });
});
