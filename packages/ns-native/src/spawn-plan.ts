import { join } from 'node:path';

import type { NativeHookPlan, NativeSpawnConstants, NativeSpawnPlan } from './binding.js';
import { capabilityNumber, defaultCapabilities } from './capabilities.js';
import type {
  CapabilitySets,
  ContainerProcessSpec,
  HookSpec,
  IdMapping,
  InitHooksSpec,
  NamespaceSpec,
} from './container-spec.js';
import {
  defaultDevices,
  defaultMaskedPaths,
  defaultPath,
  defaultReadonlyPaths,
} from './defaults.js';
import { buildMounts, isBindMount } from './mount-plan.js';
import { propagationFlags } from './mount-options.js';
import { planSysctls } from './sysctl.js';
import { checkCString, inRoot, invalid } from './plan-checks.js';
import { ContainerSpecError } from './spawn-errors.js';

/** The host facts a plan depends on; `nodeSpawnHost()` reads the real ones. */
export interface SpawnHost {
  /** /proc/sys/kernel/cap_last_cap. */
  capLast: number;
  constants: NativeSpawnConstants;
  /** The caller's hard limit for an rlimit resource; -1 = unlimited. */
  hardLimit(resource: number): number;
  pathKind(hostPath: string): 'file' | 'dir' | 'missing';
}

/** Names for the report's stage indexes, so errors can say which mount or path failed. */
export interface PlanLabels {
  rootfs: string;
  cwd: string;
  arg0: string;
  joins: string[];
  mounts: string[];
  devices: string[];
  symlinks: string[];
  masked: string[];
  readonly: string[];
  sysctls: string[];
  rlimits: string[];
  createContainerHooks: string[];
  startContainerHooks: string[];
  /** The cgroups the child joins itself: `cgroupTasks`' directories, then `cgroupInto`. */
  cgroups: string[];
}

/**
 * Cgroups a new process places itself in before anything else, instead of being moved by its
 * parent (a pid written to cgroup.procs from outside waits for an RCU grace period, 5-15 ms):
 * v1 leaf directories it joins through their `tasks` file, and the v2 leaf it is born in.
 */
export interface CgroupSelfPlacement {
  v1: readonly string[];
  v2?: string | undefined;
}

/** Puts `placement` into a plan and its labels (for the stage of a failed join). */
export function placeSelfIn(
  plan: NativeSpawnPlan,
  labels: PlanLabels,
  { v1, v2 }: CgroupSelfPlacement,
): void {
  plan.cgroupTasks = v1.map((dir) => join(dir, 'tasks'));
  plan.cgroupInto = v2 ?? null;
  labels.cgroups = v2 === undefined ? [...v1] : [...v1, v2];
}

const rlimitNumbers: Record<string, number> = {
  RLIMIT_CPU: 0,
  RLIMIT_FSIZE: 1,
  RLIMIT_DATA: 2,
  RLIMIT_STACK: 3,
  RLIMIT_CORE: 4,
  RLIMIT_RSS: 5,
  RLIMIT_NPROC: 6,
  RLIMIT_NOFILE: 7,
  RLIMIT_MEMLOCK: 8,
  RLIMIT_AS: 9,
  RLIMIT_LOCKS: 10,
  RLIMIT_SIGPENDING: 11,
  RLIMIT_MSGQUEUE: 12,
  RLIMIT_NICE: 13,
  RLIMIT_RTPRIO: 14,
  RLIMIT_RTTIME: 15,
};

// S_IFCHR, S_IFBLK, S_IFIFO (inode(7)).
const deviceFileType = { c: 0o20000, b: 0o60000, p: 0o10000 } as const;

/** The rlimit number of `RLIMIT_NOFILE` (or `nofile`), or undefined. */
export function rlimitNumber(name: string): number | undefined {
  const upper = name.toUpperCase();
  return rlimitNumbers[upper.startsWith('RLIMIT_') ? upper : `RLIMIT_${upper}`];
}

function namespaceFlags(namespaces: NamespaceSpec[], c: NativeSpawnConstants) {
  const flagOf = {
    pid: c.CLONE_NEWPID,
    network: c.CLONE_NEWNET,
    mount: c.CLONE_NEWNS,
    uts: c.CLONE_NEWUTS,
    ipc: c.CLONE_NEWIPC,
    cgroup: c.CLONE_NEWCGROUP,
    user: c.CLONE_NEWUSER,
  };
  let cloneFlags = 0;
  let unshareCgroup = false;
  // Joined by the child with setns(2), a user namespace first: the others it joins or creates
  // must then be owned by it.
  const joins: { path: string; nstype: number }[] = [];
  // A pid namespace is joined by the parent around clone(2): setns(CLONE_NEWPID) only changes
  // where the caller's next child is born (pid_namespaces(7)).
  let pidJoin: string | null = null;
  const seen = new Set<string>();

  for (const ns of namespaces) {
    const flag = flagOf[ns.type];
    if (flag === undefined) throw invalid(`unknown namespace type ${String(ns.type)}`);
    if (seen.has(ns.type)) throw invalid(`namespace ${ns.type} is listed twice`);
    seen.add(ns.type);

    if (ns.path !== undefined) {
      const path = checkCString(ns.path, 'namespace path');
      if (!path.startsWith('/')) throw invalid(`namespace path must be absolute: ${path}`);
      if (ns.type === 'pid') pidJoin = path;
      else if (ns.type === 'user') joins.unshift({ path, nstype: flag });
      else joins.push({ path, nstype: flag });
    } else if (ns.type === 'cgroup') {
      // Unshared by the child once the caller has placed it in its cgroups, so that the
      // namespace root is the container's cgroup (runc does the same).
      unshareCgroup = true;
    } else {
      cloneFlags |= flag;
    }
  }

  if (!seen.has('mount')) {
    throw invalid('a mount namespace is required', "add { type: 'mount' } to namespaces");
  }
  // Namespaces made by clone(2) belong to the caller's user namespace, where a child that has
  // joined another one holds no capability: it makes them itself with unshare(2) after setns.
  let unshareFlags = 0;
  if (joins[0]?.nstype === c.CLONE_NEWUSER) {
    if ((cloneFlags & c.CLONE_NEWPID) !== 0) {
      throw new ContainerSpecError(
        'ERR_IZA_NATIVE_UNSUPPORTED',
        'a new pid namespace inside a joined user namespace is not supported',
        'join a pid namespace as well, or give the container a new user namespace',
      );
    }
    unshareFlags = cloneFlags;
    cloneFlags = 0;
  }
  return { cloneFlags, unshareFlags, joins, pidJoin, unshareCgroup, seen };
}

function capabilityList(names: readonly string[] | undefined, capLast: number, set: string) {
  return (names ?? []).map((name) => {
    const n = capabilityNumber(name);
    if (n === undefined) throw invalid(`unknown capability ${name} in the ${set} set`);
    if (n > capLast) throw invalid(`capability ${name} is not supported by this kernel`);
    return n;
  });
}

/** Capability names per set → numbers; docker's default sets when `caps` is undefined. */
export function capabilitySets(caps: CapabilitySets | undefined, capLast: number) {
  const c = caps ?? defaultCapabilities();
  return {
    bounding: capabilityList(c.bounding, capLast, 'bounding'),
    effective: capabilityList(c.effective, capLast, 'effective'),
    permitted: capabilityList(c.permitted, capLast, 'permitted'),
    inheritable: capabilityList(c.inheritable, capLast, 'inheritable'),
    ambient: capabilityList(c.ambient, capLast, 'ambient'),
  };
}

/** Checked rlimits: known names, soft ≤ hard, never above this process's hard limit. */
export function rlimits(spec: Pick<ContainerProcessSpec, 'rlimits'>, host: SpawnHost) {
  return (spec.rlimits ?? []).map((r) => {
    const resource = rlimitNumber(r.type);
    if (resource === undefined) throw invalid(`unknown rlimit ${r.type}`);
    if (!(r.soft >= -1 && r.hard >= -1)) throw invalid(`rlimit ${r.type} must not be negative`);
    const above = (a: number, b: number) => b !== -1 && (a === -1 || a > b);
    if (above(r.soft, r.hard)) throw invalid(`rlimit ${r.type}: soft limit above hard limit`);

    const current = host.hardLimit(resource);
    if (above(r.hard, current)) {
      throw new ContainerSpecError(
        'ERR_IZA_NATIVE_RLIMIT_ABOVE_HARD',
        `rlimit ${r.type} hard limit ${r.hard} is above this process's hard limit ${current}`,
        `lower ${r.type} to at most ${current}; raising it needs CAP_SYS_RESOURCE`,
      );
    }
    return { resource, soft: r.soft, hard: r.hard, label: r.type };
  });
}

/** Throws unless the uid, gid and additional gids are ids the kernel takes. */
export function checkIdentity(spec: Pick<ContainerProcessSpec, 'user'>) {
  const ids = [spec.user.uid, spec.user.gid, ...(spec.user.additionalGids ?? [])];
  for (const id of ids) {
    if (!Number.isInteger(id) || id < 0 || id > 2 ** 31 - 1) throw invalid(`bad uid or gid ${id}`);
  }
}

/** Throws unless args, env, cwd and stdio are what execve and the child can take. */
export function checkCommand(spec: Pick<ContainerProcessSpec, 'args' | 'env' | 'cwd' | 'stdio'>) {
  if (spec.args.length === 0 || spec.args[0] === '') throw invalid('args must name a program');
  spec.args.forEach((a) => checkCString(a, 'an argument'));
  for (const e of spec.env) {
    checkCString(e, 'an environment entry');
    if (!e.includes('=')) throw invalid(`environment entry without '=': ${e}`);
  }
  inRoot(spec.cwd, 'cwd');
  for (const fd of spec.stdio ?? [0, 1, 2]) {
    if (!Number.isInteger(fd) || fd < 0) throw invalid(`bad stdio fd ${fd}`);
  }
}

function checkProcess(spec: ContainerProcessSpec) {
  checkCommand(spec);
  checkCString(spec.rootfs, 'rootfs');
  if (!spec.rootfs.startsWith('/')) throw invalid(`rootfs must be absolute: ${spec.rootfs}`);
}

/** The PATH the child searches for args[0]: the last PATH= entry of `env`, or the default. */
export function pathEnv(env: readonly string[]): string {
  const entry = [...env].reverse().find((e) => e.startsWith('PATH='));
  return entry === undefined ? defaultPath : entry.slice('PATH='.length);
}

/**
 * Validates `spec` and flattens it into what the child reads. Pure but for `host`, so most of
 * the spawn logic is unit-tested without root. Throws ContainerSpecError.
 */
export function buildSpawnPlan(
  spec: ContainerProcessSpec,
  host: SpawnHost,
): { plan: NativeSpawnPlan; labels: PlanLabels } {
  checkProcess(spec);
  checkIdentity(spec);
  if (host.pathKind(spec.rootfs) !== 'dir')
    throw invalid(`rootfs ${spec.rootfs} is not a directory`);

  const ns = namespaceFlags(spec.namespaces, host.constants);
  if (spec.hostname !== undefined && !ns.seen.has('uts')) {
    throw invalid('setting a hostname needs a uts namespace', "add { type: 'uts' }");
  }
  const hostname = spec.hostname === undefined ? null : checkCString(spec.hostname, 'hostname');

  const cgroupBind = ns.seen.has('user') && !ns.seen.has('cgroup');
  const mounts = buildMounts(spec.mounts, host, { cgroupBind });
  // A /dev bound from the host (the last mount there wins) is the host's directory: nothing is
  // created in it, as runc's needsSetupDev decides.
  const devMount = spec.mounts.findLast(
    (m) => inRoot(m.destination, 'mount destination') === 'dev',
  );
  const devIsBind = devMount !== undefined && isBindMount(devMount);
  const hasDev = devMount !== undefined && !devIsBind;
  const devices = devIsBind ? [] : (spec.devices ?? (hasDev ? defaultDevices() : []));
  const symlinks = hasDev ? devSymlinks(host) : [];

  const rootPropagation = propagationFlags(spec.rootfsPropagation ?? 'rprivate');
  if (rootPropagation === undefined)
    throw invalid(`bad rootfsPropagation ${spec.rootfsPropagation}`);

  const sysctls = planSysctls(spec.sysctl ?? {}, ns.seen);
  const limits = rlimits(spec, host);
  const masked = spec.maskedPaths ?? defaultMaskedPaths();
  const readonly = spec.readonlyPaths ?? defaultReadonlyPaths();
  const fifo = spec.startWith?.kind === 'fifo' ? spec.startWith.path : null;
  if (fifo !== null && !fifo.startsWith('/')) throw invalid(`exec fifo path must be absolute`);
  // After pivot_root the init reopens its exec fifo through /proc/self/fd: without a procfs
  // there it could only die after create had reported it ready (runc refuses it at create too).
  const procMounted = spec.mounts.some(
    (m) => m.type === 'proc' && inRoot(m.destination, 'mount destination') === 'proc',
  );
  if (fifo !== null && !procMounted) {
    throw invalid(
      'a container started through an exec fifo needs a proc mount at /proc',
      "add { destination: '/proc', type: 'proc', source: 'proc' } to mounts",
    );
  }

  const plan: NativeSpawnPlan = {
    rootfs: spec.rootfs,
    readonlyRootfs: spec.readonlyRootfs ?? false,
    rootPropagation,
    cloneFlags: ns.cloneFlags,
    unshareFlags: ns.unshareFlags,
    joins: ns.joins,
    pidJoin: ns.pidJoin,
    unshareCgroup: ns.unshareCgroup,
    // Set by createContainerProcess when it is given runtime hooks to run.
    runtimeHooks: false,
    mounts: mounts.map((m) => m.plan),
    devices: devices.map((d) => ({
      path: inRoot(d.path, 'device path'),
      hostPath: d.type === 'c' || d.type === 'b' ? d.path : '',
      mode: deviceFileType[d.type] | ((d.fileMode ?? 0o666) & 0o7777),
      major: d.major,
      minor: d.minor,
      uid: d.uid ?? 0,
      gid: d.gid ?? 0,
    })),
    symlinks,
    masked: masked.map((p) => inRoot(p, 'masked path')),
    readonly: readonly.map((p) => inRoot(p, 'read-only path')),
    hostname,
    loopback:
      ns.seen.has('network') && ns.joins.every((j) => j.nstype !== host.constants.CLONE_NEWNET),
    sysctls: sysctls.map(({ path, value }) => ({ path, value })),
    oomScoreAdj: spec.oomScoreAdj ?? null,
    rlimits: limits.map(({ resource, soft, hard }) => ({ resource, soft, hard })),
    uid: spec.user.uid,
    gid: spec.user.gid,
    groups: spec.user.additionalGids ?? [],
    caps: capabilitySets(spec.capabilities, host.capLast),
    capLast: host.capLast,
    noNewPrivileges: spec.noNewPrivileges ?? false,
    umask: spec.user.umask ?? 0o022,
    cwd: spec.cwd,
    args: spec.args,
    env: spec.env,
    pathEnv: pathEnv(spec.env),
    stdio: spec.stdio ?? [0, 1, 2],
    terminal: spec.terminal ?? false,
    pdeathSignal: spec.pdeathSignal ?? true,
    startFifo: fifo,
    // Compiled by createContainerProcess through the addon; the plan itself stays pure.
    seccomp: null,
    seccompFlags: 0,
    hooks: hookPlans(spec.hooks),
    joinOnly: false,
    cgroupTasks: [],
    cgroupInto: null,
    ...idMaps(spec, ns.seen.has('user') && ns.joins[0]?.nstype !== host.constants.CLONE_NEWUSER),
  };

  const labels: PlanLabels = {
    rootfs: spec.rootfs,
    cwd: spec.cwd,
    arg0: spec.args[0] ?? '',
    joins: ns.joins.map((j) => j.path),
    mounts: spec.mounts.map((m) => m.destination),
    devices: devices.map((d) => d.path),
    symlinks: symlinks.map((s) => `/${s.path}`),
    masked,
    readonly,
    sysctls: sysctls.map((s) => s.key),
    rlimits: limits.map((l) => l.label),
    createContainerHooks: (spec.hooks?.createContainer ?? []).map((h) => h.path),
    startContainerHooks: (spec.hooks?.startContainer ?? []).map((h) => h.path),
    cgroups: [],
  };
  return { plan, labels };
}

/** /proc/<pid>/uid_map and gid_map texts; both required with a user namespace, both mapping 0. */
function idMaps(spec: ContainerProcessSpec, userns: boolean): { uidMap: string; gidMap: string } {
  const uids = spec.uidMappings ?? [];
  const gids = spec.gidMappings ?? [];
  if (!userns) {
    if (uids.length > 0 || gids.length > 0)
      throw invalid('uid and gid mappings need a new user namespace', "add { type: 'user' }");
    return { uidMap: '', gidMap: '' };
  }
  return { uidMap: idMapText(uids, 'uid'), gidMap: idMapText(gids, 'gid') };
}

function idMapText(mappings: readonly IdMapping[], what: 'uid' | 'gid'): string {
  // The kernel takes at most 340 lines (user_namespaces(7)); ranges must not overlap.
  if (mappings.length === 0) throw invalid(`a user namespace needs ${what} mappings`);
  if (mappings.length > 340) throw invalid(`at most 340 ${what} mappings, not ${mappings.length}`);
  const max = 2 ** 32 - 1;
  for (const m of mappings) {
    const ok = [m.containerID, m.hostID, m.size].every((n) => Number.isInteger(n) && n >= 0);
    if (!ok || m.size === 0 || m.containerID + m.size > max || m.hostID + m.size > max)
      throw invalid(`bad ${what} mapping ${JSON.stringify(m)}`);
  }
  if (!mappings.some((m) => m.containerID === 0))
    throw invalid(`the ${what} mappings must map container ${what} 0`);
  return mappings.map((m) => `${m.containerID} ${m.hostID} ${m.size}\n`).join('');
}

function hookPlan(hook: HookSpec, what: string): NativeHookPlan {
  if (!hook.path.startsWith('/')) throw invalid(`${what} path must be absolute: ${hook.path}`);
  const timeout = hook.timeout;
  if (timeout !== undefined && !(Number.isInteger(timeout) && timeout > 0))
    throw invalid(`${what} timeout must be a positive number of seconds`);
  const args = hook.args ?? [hook.path];
  const env = hook.env ?? [];
  [hook.path, ...args, ...env].forEach((s) => checkCString(s, `${what} string`));
  return { path: hook.path, args, env, timeoutMs: (timeout ?? 0) * 1000 };
}

// The child writes `{"pid":<pid>` and then this: the rest of the state, from its first ','.
function stateTail(state: Record<string, unknown>, status: string): string {
  const rest: Record<string, unknown> = { ...state, status };
  delete rest['pid'];
  const json = JSON.stringify(rest);
  return json === '{}' ? '}' : `,${json.slice(1)}`;
}

function hookPlans(hooks: InitHooksSpec | undefined): NativeSpawnPlan['hooks'] {
  const create = hooks?.createContainer ?? [];
  const start = hooks?.startContainer ?? [];
  if (hooks === undefined || (create.length === 0 && start.length === 0)) return null;
  return {
    createContainer: create.map((h) => hookPlan(h, 'createContainer hook')),
    startContainer: start.map((h) => hookPlan(h, 'startContainer hook')),
    createStateTail: stateTail(hooks.state, 'creating'),
    startStateTail: stateTail(hooks.state, 'created'),
  };
}

// runc's default /dev symlinks (libcontainer/rootfs_linux.go setupDevSymlinks).
function devSymlinks(host: SpawnHost) {
  const links = [
    { target: '/proc/self/fd', path: 'dev/fd' },
    { target: '/proc/self/fd/0', path: 'dev/stdin' },
    { target: '/proc/self/fd/1', path: 'dev/stdout' },
    { target: '/proc/self/fd/2', path: 'dev/stderr' },
    { target: 'pts/ptmx', path: 'dev/ptmx' },
  ];
  if (host.pathKind('/proc/kcore') !== 'missing')
    links.push({ target: '/proc/kcore', path: 'dev/core' });
  return links;
}
