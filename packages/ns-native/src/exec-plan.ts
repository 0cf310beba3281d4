import type { NativeSpawnPlan } from './binding.js';
import type { CapabilitySets, ContainerUser, NamespaceSpec, RlimitSpec } from './container-spec.js';
import { checkCString, invalid } from './plan-checks.js';
import type { SeccompSpec } from './seccomp.js';
import {
  capabilitySets,
  checkCommand,
  checkIdentity,
  pathEnv,
  rlimits,
  type PlanLabels,
  type SpawnHost,
} from './spawn-plan.js';

/**
 * One more process in a container that exists (runc's `exec`): it joins the container's
 * namespaces and runs there with its own identity, capabilities and limits. Nothing of the
 * container is set up again: its root, mounts and hostname are found through the namespaces.
 */
export interface ExecProcessSpec {
  /**
   * The namespaces to join, each by `path` (`/proc/<init>/ns/<type>`). A `mount` namespace is
   * required: it is what puts the process at the container's root. The pid namespace is
   * entered by being born in it; a user namespace is joined after the others.
   */
  namespaces: Required<NamespaceSpec>[];
  /** argv; args[0] without a '/' is looked up in `env`'s PATH, in the container. */
  args: string[];
  env: string[];
  /** Absolute, inside the container. */
  cwd: string;
  user: ContainerUser;
  /** Default: docker's 14 in bounding, effective and permitted. */
  capabilities?: CapabilitySets;
  noNewPrivileges?: boolean;
  rlimits?: RlimitSpec[];
  oomScoreAdj?: number;
  /** The container's seccomp filter, which applies to every process in it (runc). */
  seccomp?: SeccompSpec;
  /** A pty from the container's devpts as controlling terminal and stdio. */
  terminal?: boolean;
  /** Host fds placed on 0, 1 and 2 (ignored with `terminal`); default [0, 1, 2]. */
  stdio?: [number, number, number];
  /** SIGKILL the process when the calling thread dies; default false (a detached exec). */
  pdeathSignal?: boolean;
}

const TYPES = ['pid', 'network', 'mount', 'uts', 'ipc', 'cgroup', 'user'] as const;

function joinPlan(namespaces: ExecProcessSpec['namespaces'], host: SpawnHost) {
  const c = host.constants;
  const flagOf = {
    pid: c.CLONE_NEWPID,
    network: c.CLONE_NEWNET,
    mount: c.CLONE_NEWNS,
    uts: c.CLONE_NEWUTS,
    ipc: c.CLONE_NEWIPC,
    cgroup: c.CLONE_NEWCGROUP,
    user: c.CLONE_NEWUSER,
  };
  const seen = new Set<string>();
  const joins: { path: string; nstype: number }[] = [];
  let user: { path: string; nstype: number } | undefined;
  let pidJoin: string | null = null;

  for (const ns of namespaces) {
    if (!TYPES.includes(ns.type)) throw invalid(`unknown namespace type ${String(ns.type)}`);
    if (seen.has(ns.type)) throw invalid(`namespace ${ns.type} is listed twice`);
    seen.add(ns.type);
    const path = checkCString(ns.path, 'namespace path');
    if (!path.startsWith('/')) throw invalid(`namespace path must be absolute: ${path}`);

    if (ns.type === 'pid') pidJoin = path;
    else if (ns.type === 'user') user = { path, nstype: flagOf.user };
    else joins.push({ path, nstype: flagOf[ns.type] });
  }
  if (!seen.has('mount')) {
    throw invalid('exec needs the container mount namespace', "add { type: 'mount', path }");
  }
  // As runc's nsenter: the others first, while the child still holds the host's capabilities
  // (a namespace may belong to a user namespace other than the container's), then the user
  // namespace, which gives it the capabilities the identity change needs there.
  if (user !== undefined) joins.push(user);
  return { joins, pidJoin };
}

/**
 * Validates `spec` and flattens it into what the exec-mode child reads (child_join.cc). Pure
 * but for `host`. Throws ContainerSpecError.
 */
export function buildExecPlan(
  spec: ExecProcessSpec,
  host: SpawnHost,
): { plan: NativeSpawnPlan; labels: PlanLabels } {
  checkCommand(spec);
  checkIdentity(spec);
  const { joins, pidJoin } = joinPlan(spec.namespaces, host);
  const limits = rlimits(spec, host);

  const plan: NativeSpawnPlan = {
    rootfs: '',
    readonlyRootfs: false,
    rootPropagation: 0,
    cloneFlags: 0,
    unshareFlags: 0,
    joins,
    pidJoin,
    unshareCgroup: false,
    runtimeHooks: false,
    mounts: [],
    devices: [],
    symlinks: [],
    masked: [],
    readonly: [],
    hostname: null,
    loopback: false,
    sysctls: [],
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
    pdeathSignal: spec.pdeathSignal ?? false,
    startFifo: null,
    seccomp: null,
    seccompFlags: 0,
    hooks: null,
    uidMap: '',
    gidMap: '',
    joinOnly: true,
    cgroupTasks: [],
    cgroupInto: null,
  };

  const labels: PlanLabels = {
    rootfs: '',
    cwd: spec.cwd,
    arg0: spec.args[0] ?? '',
    joins: joins.map((j) => j.path),
    mounts: [],
    devices: [],
    symlinks: [],
    masked: [],
    readonly: [],
    sysctls: [],
    rlimits: limits.map((l) => l.label),
    createContainerHooks: [],
    startContainerHooks: [],
    cgroups: [],
  };
  return { plan, labels };
}
