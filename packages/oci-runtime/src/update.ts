import { detectCgroupLayout, updateCgroup } from '@iza/cgroups';
import type { CgroupLayout, LinuxResources } from '@iza/cgroups';
import { IzaError, wrapError } from '@iza/errors';

import { invalidConfig, OciErrorCode } from './errors.js';
import type { OciResources } from './oci-config.js';
import { must, type ContainerRef } from './operations.js';
import { refuseUnknown } from './check-fields.js';
import { DEFAULT_ROOT } from './state-store.js';
import { containerStatus } from './status.js';

// runc update ignores what it cannot change on a live container: the device list (runc sets
// SkipDevices) and hugetlb limits, which the kubelet sends with every update.
const IGNORED = ['devices', 'hugepageLimits'];
// runc: kernel memory is obsolete and only warned about.
const MEMORY_IGNORED = ['kernel', 'kernelTCP', 'useHierarchy'];

/** A number field that asks for a change: 0 and absent leave the current value (runc). */
function given(value: unknown, field: string, min: number): number | undefined {
  if (value === undefined || value === null || value === 0) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min)
    throw invalidConfig(field, `must be an integer of at least ${min}, not ${String(value)}`);
  return value;
}

function text(value: unknown, field: string): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw invalidConfig(field, 'must be a string');
  return value;
}

/**
 * The OCI LinuxResources of an update (containerd's `update --resources -`) as @iza/cgroups
 * limits, plus memory.checkBeforeUpdate. Fields iza does not apply are refused by name, except
 * those runc ignores on update too.
 */
export function updateResources(r: OciResources): {
  resources: LinuxResources;
  checkBeforeUpdate: boolean;
} {
  if (typeof r !== 'object' || r === null || Array.isArray(r))
    throw invalidConfig('resources', 'must be an object');
  refuseUnknown(r, ['memory', 'cpu', 'pids', ...IGNORED], 'resources');
  refuseUnknown(
    r.memory,
    ['limit', 'reservation', 'swap', 'checkBeforeUpdate', ...MEMORY_IGNORED],
    'resources.memory',
  );
  refuseUnknown(r.cpu, ['shares', 'quota', 'period', 'cpus', 'mems'], 'resources.cpu');
  refuseUnknown(r.pids, ['limit'], 'resources.pids');

  const out: LinuxResources = {};
  const memory = {
    limit: given(r.memory?.limit, 'resources.memory.limit', -1),
    reservation: given(r.memory?.reservation, 'resources.memory.reservation', -1),
    swap: given(r.memory?.swap, 'resources.memory.swap', -1),
  };
  const cpu = {
    shares: given(r.cpu?.shares, 'resources.cpu.shares', 2),
    quota: given(r.cpu?.quota, 'resources.cpu.quota', -1),
    period: given(r.cpu?.period, 'resources.cpu.period', 1),
    cpus: text(r.cpu?.cpus, 'resources.cpu.cpus'),
    mems: text(r.cpu?.mems, 'resources.cpu.mems'),
  };
  const pids = given(r.pids?.limit, 'resources.pids.limit', -1);
  const defined = <T extends object>(o: T) =>
    Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as {
      [K in keyof T]?: Exclude<T[K], undefined>;
    };
  if (Object.values(memory).some((v) => v !== undefined)) out.memory = defined(memory);
  if (Object.values(cpu).some((v) => v !== undefined)) out.cpu = defined(cpu);
  if (pids !== undefined) out.pids = { limit: pids };
  return { resources: out, checkBeforeUpdate: r.memory?.checkBeforeUpdate === true };
}

/**
 * runc's `update`: applies `resources` (OCI LinuxResources) to the cgroups of a created,
 * running or paused container through @iza/cgroups, v1 or v2 as the host has them.
 */
export async function updateContainer(
  ref: ContainerRef & { resources: OciResources; layout?: CgroupLayout },
): Promise<void> {
  const root = ref.root ?? DEFAULT_ROOT;
  const stored = must(root, ref.id);
  const status = containerStatus(root, stored);
  if (status === 'stopped') {
    throw new IzaError(OciErrorCode.BadState, `cannot update container ${ref.id}: it is stopped`);
  }
  const { resources, checkBeforeUpdate } = updateResources(ref.resources);
  try {
    const layout = ref.layout ?? (await detectCgroupLayout());
    await updateCgroup(stored.cgroupPaths, resources, { layout, checkBeforeUpdate });
  } catch (err) {
    throw wrapError(`updating container ${ref.id}`, err);
  }
}
