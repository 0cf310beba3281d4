import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmdirSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';

import { describe, expect, it } from '@jest/globals';
import { detectCgroupLayout } from '@iza/cgroups';
import type { CgroupLayout, ControllerPlacement } from '@iza/cgroups';

import { createContainerCgroup } from './container-cgroup.js';
import { DEFAULT_DEVICE_RULES } from './map-linux.js';

const root = process.getuid?.() === 0;
const layout = root ? await detectCgroupLayout() : undefined;
// The v2 path needs root and a writable cgroup2 hierarchy (CI's hybrid host and the v2 VM).
const withV2 = layout?.unified?.writable === true ? describe : describe.skip;
// The v1 path needs root and a v1 devices hierarchy (CI's hybrid host; the v2 VM has none).
const v1Devices =
  layout?.controllers['devices']?.version === 1 ? layout.controllers['devices'] : undefined;
const withV1Devices = v1Devices?.delegatable === true ? describe : describe.skip;

/** The host's layout as a pure v2 host shows it: no v1 controller at all. */
function v2Only(l: CgroupLayout): CgroupLayout {
  return { mode: 'v2', controllers: {}, unified: l.unified! };
}

/** Runs `script` in a shell that waits for a line on stdin before it starts. */
async function inCgroup(addProcess: (pid: number) => Promise<void>, script: string) {
  const sh = spawn('/bin/sh', ['-c', `read go; ${script}`], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  sh.stdout.on('data', (d: Buffer) => (out += d.toString()));
  await addProcess(sh.pid as number);
  sh.stdin.end('go\n');
  await once(sh, 'exit');
  return out.split('\n').filter(Boolean);
}

withV2('device rules on cgroup v2 (root, writable cgroup2)', () => {
  it("attaches runc's defaults as a BPF filter: /dev/null works, not a denied node", async () => {
    const cg = await createContainerCgroup({
      placement: { name: `iza-devtest-${process.pid}`, parent: undefined },
      resources: {},
      deviceRules: [{ allow: false, type: 'a', access: 'rwm' }, ...DEFAULT_DEVICE_RULES],
      layout: v2Only(layout!),
    });
    try {
      const lines = await inCgroup(
        (pid) => cg.addProcess(pid),
        `echo x > /dev/null && echo null-ok
         { head -c1 /dev/tty0 >/dev/null; } 2>/dev/null || echo tty0-denied`,
      );
      expect(lines).toEqual(['null-ok', 'tty0-denied']);
    } finally {
      await cg.destroy(5000);
    }
    for (const p of cg.paths) expect(existsSync(p)).toBe(false);
  });

  it('removes what it created when the filter cannot be attached', async () => {
    const name = `iza-devfail-${process.pid}`;
    let leaf: string | undefined;
    await expect(
      createContainerCgroup({
        placement: { name, parent: undefined },
        resources: {},
        deviceRules: [{ allow: false, type: 'a' }],
        layout: v2Only(layout!),
        attachFilter: (dir) => {
          leaf = dir;
          throw new Error('verifier said no');
        },
      }),
    ).rejects.toThrow('verifier said no');
    expect(leaf).toBeDefined();
    expect(existsSync(leaf!)).toBe(false);
  });
});

withV1Devices('device rules on a cgroup v1 devices hierarchy (root)', () => {
  it('removes the devices iza directory with the last container out, whoever made it', async () => {
    // Cgroups of this test's own stand in for the ones iza runs in (devices, and pids to track
    // the container), so the `iza` directories below them are this test's alone: other tests'
    // containers use the real ones.
    const tracked = layout!.controllers['pids']!;
    const ownName = `iza-devparent-${process.pid}`;
    const own = (c: ControllerPlacement) => join(c.mountPoint, c.currentPath, ownName);
    const moved = (c: ControllerPlacement) => ({ ...c, currentPath: join(c.currentPath, ownName) });
    const testLayout: CgroupLayout = {
      mode: 'v1',
      controllers: { devices: moved(v1Devices!), pids: moved(tracked) },
    };
    const izaDir = join(own(v1Devices!), 'iza');
    const make = (name: string) =>
      createContainerCgroup({
        placement: { name, parent: undefined },
        resources: {},
        deviceRules: [{ allow: false, type: 'a', access: 'rwm' }, ...DEFAULT_DEVICE_RULES],
        layout: testLayout,
        pausable: false,
      });
    mkdirSync(own(v1Devices!));
    mkdirSync(own(tracked));
    try {
      const first = await make('first');
      const second = await make('second');
      expect(first.paths).toContain(join(izaDir, 'first'));
      // The first made `iza` and leaves while the second is still in it: it stays.
      await first.destroy(5000);
      expect(existsSync(izaDir)).toBe(true);
      // The second did not make it, but is the last out: it goes.
      await second.destroy(5000);
      expect(existsSync(izaDir)).toBe(false);
    } finally {
      for (const base of [own(v1Devices!), own(tracked)]) {
        for (const dir of ['iza/first', 'iza/second', 'iza', '.'].map((d) => join(base, d))) {
          if (existsSync(dir)) rmdirSync(dir);
        }
      }
    }
  });
});
