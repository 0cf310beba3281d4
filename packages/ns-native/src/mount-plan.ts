import type { NativeMountPlan } from './binding.js';
import type { MountSpec } from './container-spec.js';
import { MountFlags, parseMountOptions } from './mount-options.js';
import { checkCString, inRoot, invalid } from './plan-checks.js';
import type { SpawnHost } from './spawn-plan.js';

/**
 * Turns OCI mounts into the child's mount table. Binds keep only MS_BIND|MS_REC on the first
 * mount(2); the child applies ro/nosuid/nodev/noexec with a remount of the new bind. A bind of a
 * file gets a file as its target. `cgroup` mounts become cgroup2 mounts, made once the child is
 * in its cgroups and cgroup namespace; with `cgroupBind` (a user namespace without
 * a cgroup namespace) a recursive bind of the host's /sys/fs/cgroup.
 */
export function buildMounts(
  mounts: readonly MountSpec[],
  host: Pick<SpawnHost, 'pathKind'>,
  options: { cgroupBind?: boolean } = {},
): { plan: NativeMountPlan }[] {
  return mounts.map((m) => {
    const target = inRoot(m.destination, 'mount destination');
    if (target === '') throw invalid('a mount cannot cover the container root');
    checkCString(m.source, 'mount source');
    m.options.forEach((o) => checkCString(o, 'mount option'));

    checkProcMount(m, target);

    const parsed = parseMountOptions(m.options);
    const bind = isBindMount(m);
    if (bind) return { plan: bindMount(m, target, parsed, host) };

    const cgroup = m.type === 'cgroup' || m.type === 'cgroup2';
    if (cgroup && options.cgroupBind === true) {
      // A user namespace without a cgroup namespace of its own may not mount cgroupfs (EPERM):
      // the host's tree is bound instead, as runc does, read-only unless asked otherwise.
      const bind = { ...m, type: 'rbind', source: '/sys/fs/cgroup' };
      return { plan: bindMount(bind, target, parsed, host) };
    }
    const plan: NativeMountPlan = {
      source: m.source === '' ? null : m.source,
      target,
      fstype: cgroup ? 'cgroup2' : checkCString(m.type, 'mount type'),
      data: parsed.data,
      flags: parsed.flags,
      propagation: parsed.propagation,
      kind: 0,
      cgroupNs: cgroup,
    };
    return { plan };
  });
}

// The files lxcfs emulates, the only paths inside /proc a mount may cover (runc's list).
const PROC_FILES = new Set(
  ['cpuinfo', 'diskstats', 'meminfo', 'stat', 'swaps', 'uptime', 'loadavg', 'slabinfo'].map(
    (f) => `proc/${f}`,
  ),
);
PROC_FILES.add('proc/net/dev');
PROC_FILES.add('proc/sys/kernel/ns_last_pid');

/**
 * /proc is the container's procfs and nothing else, as runc's checkProcMount has it: the child
 * itself goes through /proc/self (the exec fifo, its host pid) and the masked paths must mask
 * the real files. So only a proc mount may be at /proc, and inside it only the files lxcfs
 * emulates may be covered.
 */
function checkProcMount(m: MountSpec, target: string): void {
  if (target === 'proc') {
    if (m.type === 'proc' && !isBindMount(m)) return;
    throw invalid(`${m.destination} cannot be mounted because it is not of type proc`);
  }
  if (target.startsWith('proc/') && !PROC_FILES.has(target)) {
    throw invalid(`${m.destination} cannot be mounted because it is inside /proc`);
  }
}

function bindMount(
  m: MountSpec,
  target: string,
  parsed: ReturnType<typeof parseMountOptions>,
  host: Pick<SpawnHost, 'pathKind'>,
): NativeMountPlan {
  if (!m.source.startsWith('/')) throw invalid(`bind source must be absolute: ${m.source}`);
  const kind = host.pathKind(m.source);
  if (kind === 'missing') throw invalid(`bind source ${m.source} does not exist`);

  let flags = parsed.flags | MountFlags.MS_BIND;
  if (m.type === 'rbind') flags |= MountFlags.MS_REC;
  return {
    source: m.source,
    target,
    fstype: null,
    data: null,
    flags,
    propagation: parsed.propagation,
    kind: kind === 'file' ? 2 : 1,
    cgroupNs: false,
  };
}

/** A bind mount: type `bind`/`rbind`, or a `bind`/`rbind` option (OCI mounts allow either). */
export function isBindMount(m: MountSpec): boolean {
  return (
    m.type === 'bind' || m.type === 'rbind' || m.options.some((o) => o === 'bind' || o === 'rbind')
  );
}
