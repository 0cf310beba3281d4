import type { SeccompSpec } from './seccomp.js';

/**
 * What `createContainerProcess` runs, shaped after the OCI runtime spec's `process`, `root`,
 * `hostname`, `mounts` and `linux` fields so that a config.json maps onto it field by field.
 */

/** A namespace the child gets: a new one, or (with `path`) an existing one joined by setns. */
export interface NamespaceSpec {
  type: 'pid' | 'network' | 'mount' | 'uts' | 'ipc' | 'cgroup' | 'user';
  /**
   * A `/proc/<pid>/ns/<type>` file (or a bind mount of one) to join instead of making a new
   * namespace. A joined mount namespace gets the container's mounts and root, as with runc. With
   * a joined `user` namespace every new namespace is made inside it; a new `pid` namespace is
   * then not supported.
   */
  path?: string;
}

/** One line of /proc/<pid>/uid_map or gid_map (user_namespaces(7)), as the OCI spec has it. */
export interface IdMapping {
  containerID: number;
  hostID: number;
  size: number;
}

/** An OCI mount. `destination` is inside the container; a bind `source` is a host path. */
export interface MountSpec {
  destination: string;
  /** `bind`, `proc`, `sysfs`, `tmpfs`, `devpts`, `mqueue`, `cgroup`, ...; ignored for binds. */
  type: string;
  source: string;
  /** mount(8) options: `bind`/`rbind`, `ro`, `nosuid`, propagation (`rprivate`...), fs data. */
  options: string[];
}

/** A device node created in the container's /dev (OCI `linux.devices`). */
export interface DeviceSpec {
  /** Absolute path in the container, e.g. `/dev/null`. */
  path: string;
  /** Character, block, or a fifo (`p`, made with mknod S_IFIFO; major and minor unused). */
  type: 'c' | 'b' | 'p';
  major: number;
  minor: number;
  /** Permission bits; default 0o666. */
  fileMode?: number;
  uid?: number;
  gid?: number;
}

/** The numeric identity the process runs as (names are resolved by `resolveUser`). */
export interface ContainerUser {
  uid: number;
  gid: number;
  /** Supplementary groups, set with setgroups(2); default none. */
  additionalGids?: number[];
  /** The process umask; default 0o022. */
  umask?: number;
}

/** Capability names (`CAP_CHOWN`...) per set, as in the OCI spec. */
export interface CapabilitySets {
  bounding: string[];
  effective: string[];
  permitted: string[];
  inheritable?: string[];
  ambient?: string[];
}

export interface RlimitSpec {
  /** `RLIMIT_NOFILE`... */
  type: string;
  soft: number;
  hard: number;
}

/**
 * How the child is told to exec once set up: `pipe` (start() sends a byte; for `iza run`), or
 * `fifo` (the child blocks opening `path` for writing until `startContainerByFifo(path)` opens
 * it for reading, possibly in another process: the OCI create/start split, as runc's exec.fifo).
 */
export type StartMode = { kind: 'pipe' } | { kind: 'fifo'; path: string };

export type Propagation =
  'private' | 'rprivate' | 'slave' | 'rslave' | 'shared' | 'rshared' | 'unbindable' | 'runbindable';

/** An OCI hook (config.json `hooks.*[]`); `args[0]` is its argv[0], `env` all it gets. */
export interface HookSpec {
  path: string;
  args?: string[];
  env?: string[];
  /** Seconds before it is killed and counts as failed; default no limit. */
  timeout?: number;
}

/**
 * The OCI hooks that only the container's init can run, at points of its own setup. Each reads
 * the container's state on stdin: `state` as JSON with `pid` (the init's pid as the host sees
 * it) and `status` set, `creating` for createContainer and `created` for startContainer.
 */
export interface InitHooksSpec {
  /** Run in the container's namespaces before pivot_root; `path` is resolved on the host. */
  createContainer?: HookSpec[];
  /** Run in the container after start, before the program's execve; `path` is the container's. */
  startContainer?: HookSpec[];
  state: Record<string, unknown>;
}

export interface ContainerProcessSpec {
  /** Absolute host path of the prepared root (a directory or an overlay mount). */
  rootfs: string;
  /** Remount the root read-only after pivot_root. */
  readonlyRootfs?: boolean;
  /** argv; args[0] without a '/' is looked up in the container's PATH after pivot_root. */
  args: string[];
  /** `KEY=value` entries, passed as is. */
  env: string[];
  /** Absolute working directory inside the container. */
  cwd: string;
  user: ContainerUser;
  /** Set with sethostname(2); requires a new uts namespace. */
  hostname?: string;
  /** Must include a new `mount` namespace: iza never mounts in the caller's namespace. */
  namespaces: NamespaceSpec[];
  /** In order; see `defaultMounts()`. /etc/hosts & co. are plain file binds added by the caller. */
  mounts: MountSpec[];
  /** Created in /dev when a /dev mount exists; default `defaultDevices()`. */
  devices?: DeviceSpec[];
  /** Default `defaultMaskedPaths()`; pass [] for none. */
  maskedPaths?: string[];
  /** Default `defaultReadonlyPaths()`; pass [] for none. */
  readonlyPaths?: string[];
  /** Propagation of the container's mount tree; default `rprivate`. */
  rootfsPropagation?: Propagation;
  /** Default: docker's 14 in bounding, effective and permitted (`defaultCapabilities()`). */
  capabilities?: CapabilitySets;
  /** PR_SET_NO_NEW_PRIVS; default false (docker's default). */
  noNewPrivileges?: boolean;
  /** Never above the caller's current hard limit. */
  rlimits?: RlimitSpec[];
  oomScoreAdj?: number;
  /** Namespaced sysctls only: `net.*` (own network namespace), ipc and uts keys. */
  sysctl?: Record<string, string>;
  /**
   * Allocate a pty inside the container (its own devpts, so `tty` reads /dev/pts/0) as the
   * controlling terminal and stdio; the master is handed back as `ContainerProcess.terminal`.
   */
  terminal?: boolean;
  /** Host fds placed on the child's 0, 1 and 2 (ignored with `terminal`); default [0, 1, 2]. */
  stdio?: [number, number, number];
  /** SIGKILL the container when the calling thread dies; default true. */
  pdeathSignal?: boolean;
  /** Default `{ kind: 'pipe' }`. */
  startWith?: StartMode;
  /**
   * A seccomp filter (the OCI `linux.seccomp` object) loaded just before execve; default none.
   * `defaultSeccompProfile()` is docker's default.
   */
  seccomp?: SeccompSpec;
  /**
   * With a new `user` namespace: the uid and gid ranges it maps, written by the caller after
   * clone (so the caller needs CAP_SETUID and CAP_SETGID over the host ids). The child becomes
   * uid and gid 0 of the namespace before it sets anything up, so container 0 must be mapped.
   */
  uidMappings?: IdMapping[];
  gidMappings?: IdMapping[];
  /** createContainer and startContainer hooks; a failing one fails the container. */
  hooks?: InitHooksSpec;
}
