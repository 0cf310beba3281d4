import type { CgroupFs } from '../cgroup-fs.js';
import { detectCgroupLayout } from '../detect.js';
import type { CgroupManager } from '../manager.js';
import { createCgroupManager } from '../manager.js';
import { createFakeCgroupFs } from './fake-cgroupfs.js';
import type { FakeCgroupFs } from './fake-cgroupfs.js';
import * as texts from './host-texts.js';

/** iza's own pid in the fake hosts. */
export const SELF = 1000;

/** iza's cgroup on the fake v2 host (texts.V2_PROC_CGROUP). */
export const SCOPE = '/user.slice/user-1000.slice/session-1.scope';

/**
 * A pure v2 host whose session scope holds `procs` and passes `scopeEnabled` down (the root
 * and the slices enable every controller below them, as systemd does). `wrapFs` lets a test
 * put a failing file operation between the manager and the fake.
 */
export async function createV2Host(options: {
  procs: number[];
  scopeEnabled?: string;
  wrapFs?: (fake: FakeCgroupFs) => CgroupFs;
}): Promise<{ fake: FakeCgroupFs; manager: CgroupManager }> {
  const fake = await createFakeCgroupFs({ v2Root: 'sys/fs/cgroup' });
  const all = 'cpuset cpu io memory pids';
  await fake.seed('sys/fs/cgroup', { 'cgroup.controllers': all, 'cgroup.subtree_control': all });
  for (const d of ['user.slice', 'user.slice/user-1000.slice']) {
    await fake.seed(`sys/fs/cgroup/${d}`, { 'cgroup.subtree_control': all });
  }
  await fake.seed(`sys/fs/cgroup${SCOPE}`, {
    'cgroup.controllers': all,
    'cgroup.subtree_control': options.scopeEnabled ?? '',
    'cgroup.procs': options.procs.join('\n'),
  });

  const fs = options.wrapFs?.(fake) ?? fake;
  const layout = await detectCgroupLayout({
    mountinfo: texts.V2_MOUNTINFO,
    procSelfCgroup: texts.V2_PROC_CGROUP,
    fsRoot: fake.root,
    fs,
  });
  return { fake, manager: createCgroupManager({ layout, fs, selfPid: SELF }) };
}
