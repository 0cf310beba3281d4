/**
 * The raw addon, as C++ registers it (native/src/addon.cc). Arguments are validated by the
 * TypeScript wrappers before they get here; the addon only asserts their types.
 */
export interface NativeConstants {
  MS_RDONLY: number;
  MS_NOSUID: number;
  MS_NODEV: number;
  MS_NOEXEC: number;
  MS_REMOUNT: number;
  MS_BIND: number;
  MS_MOVE: number;
  MS_REC: number;
  MS_PRIVATE: number;
  MS_SLAVE: number;
  MS_SHARED: number;
  MS_UNBINDABLE: number;
  MS_STRICTATIME: number;
  MS_RELATIME: number;
  MS_NOATIME: number;
  MNT_DETACH: number;
  MNT_FORCE: number;
  LOCK_SH: number;
  LOCK_EX: number;
  LOCK_UN: number;
  LOCK_NB: number;
  XATTR_CREATE: number;
  XATTR_REPLACE: number;
  S_IFCHR: number;
  S_IFBLK: number;
  S_IFIFO: number;
}

/** Builds the error thrown for a failed syscall; registered once by the loader. */
export type ErrorFactory = (errno: number, syscall: string, path?: string, dest?: string) => Error;

export interface NativeBinding {
  setErrorFactory(factory: ErrorFactory): void;
  mount(
    source: string | null,
    target: string,
    fstype: string | null,
    flags: number,
    data: string | null,
  ): void;
  umount2(target: string, flags: number): void;
  mknod(path: string, mode: number, major: number, minor: number): void;
  lsetxattr(path: string, name: string, value: Buffer, flags: number): void;
  lgetxattr(path: string, name: string): Buffer | null;
  llistxattr(path: string): string[];
  lremovexattr(path: string, name: string): void;
  flock(fd: number, operation: number): boolean;
  constants: NativeConstants;

  /** Clones the container child (native/src/spawn.cc); `fd` is the parent's report socket. */
  spawnContainer(plan: NativeSpawnPlan): { pid: number; fd: number };
  spawnConstants: NativeSpawnConstants;
  /** The child's next report, or null at EOF (exec succeeded, or the child died). */
  recvReport(fd: number): Promise<NativeReport | null>;
  waitPid(pid: number): Promise<{ exitCode: number | null; signal: number | null }>;
  /** Lets a run-mode child go on to execve; false when the child is gone. */
  sendStart(fd: number): boolean;
  openPty(): { master: number; slave: number; path: string };
  setWindowSize(fd: number, rows: number, cols: number): void;
  setOutputProcessing(fd: number, enabled: boolean): void;
  sendFd(socketPath: string, fd: number, name: string): void;
  readFileInRoot(root: string, path: string, limit: number): Buffer | null;
  /** -1 stands for RLIM_INFINITY. */
  getrlimit(resource: number): { soft: number; hard: number };
  /** Compiles a filter with libseccomp (native/src/seccomp.cc); src/seccomp.ts validates first. */
  compileSeccomp(filter: NativeSeccompFilter): { program: Buffer; unknown: string[] };
  /** The libseccomp version in use, e.g. `2.5.4`. */
  seccompVersion(): string;
  /** Loads a cgroup device program (src/device-filter.ts) and attaches it to a v2 cgroup. */
  attachDeviceFilter(cgroupDir: string, program: Buffer): void;
}

/** A seccomp filter flattened to libseccomp's numbers (src/seccomp.ts builds it). */
export interface NativeSeccompFilter {
  /** A SCMP_ACT_* value, data included. */
  defaultAction: number;
  /** libseccomp architecture names: `x86_64`, `x86`, `aarch64`... */
  architectures: string[];
  rules: {
    names: string[];
    action: number;
    /** `op` is libseccomp's enum scmp_compare (1 = NE ... 7 = MASKED_EQ). */
    args: { index: number; op: number; value: bigint; valueTwo: bigint }[];
  }[];
}

export interface NativeSpawnConstants {
  CLONE_NEWNS: number;
  CLONE_NEWPID: number;
  CLONE_NEWNET: number;
  CLONE_NEWUTS: number;
  CLONE_NEWIPC: number;
  CLONE_NEWCGROUP: number;
  CLONE_NEWUSER: number;
  CLONE_NEWTIME: number;
}

/** One record of the child's report protocol (native/src/child.h ChildReport). */
export interface NativeReport {
  /** 1 = ready (setup done, waiting for start), 2 = error, 3 = paused for the runtime's hooks. */
  kind: number;
  stage: number;
  /** Positive errno. */
  errno: number;
  index: number;
  /** A failed hook's wait status (errno is then ECANCELED); else 0. */
  detail: number;
  /** An fd passed with the report (the pty master), or -1. */
  fd: number;
}

/** A mount as the child makes it; `target` is relative to the rootfs. */
export interface NativeMountPlan {
  source: string | null;
  target: string;
  fstype: string | null;
  data: string | null;
  flags: number;
  propagation: number;
  /** 0 = a filesystem, 1 = bind of a directory, 2 = bind of a file. */
  kind: 0 | 1 | 2;
  /** A cgroup mount: made once the child is in its new cgroup namespace (if it gets one). */
  cgroupNs: boolean;
}

export interface NativeDevicePlan {
  path: string;
  hostPath: string;
  mode: number;
  major: number;
  minor: number;
  uid: number;
  gid: number;
}

/** Everything the child needs, flattened to numbers and strings (src/spawn-plan.ts builds it). */
export interface NativeSpawnPlan {
  rootfs: string;
  readonlyRootfs: boolean;
  rootPropagation: number;
  cloneFlags: number;
  /** Namespaces the child makes with unshare(2) after its joins (when it joined a user ns). */
  unshareFlags: number;
  /** Joined by the child with setns(2), in order. */
  joins: { path: string; nstype: number }[];
  /** A pid namespace the parent enters around clone(2), so the child is born in it; or null. */
  pidJoin: string | null;
  /**
   * A new cgroup namespace, made by the child when the parent sends one byte to say that it
   * placed the child in its cgroups.
   */
  unshareCgroup: boolean;
  /**
   * cgroup v1 `tasks` files the child writes "0" to before anything else, moving itself into
   * those cgroups: one thread moving itself takes no global lock, where a pid written to
   * cgroup.procs by another process waits for an RCU grace period.
   */
  cgroupTasks: string[];
  /**
   * A cgroup v2 directory the child is born in (clone3 with CLONE_INTO_CGROUP; where clone3 is
   * refused, the child writes "0" to its cgroup.procs first thing), or null.
   */
  cgroupInto: string | null;
  /** Tests only: clone(2) as where clone3 is refused (the child then joins `cgroupInto`). */
  noClone3?: boolean;
  /**
   * The child pauses before pivot_root with a report of kind 3 and waits for one byte, while
   * the parent runs the runtime's hooks (OCI prestart, createRuntime).
   */
  runtimeHooks: boolean;
  mounts: NativeMountPlan[];
  devices: NativeDevicePlan[];
  symlinks: { target: string; path: string }[];
  masked: string[];
  readonly: string[];
  hostname: string | null;
  loopback: boolean;
  sysctls: { path: string; value: string }[];
  oomScoreAdj: number | null;
  rlimits: { resource: number; soft: number; hard: number }[];
  uid: number;
  gid: number;
  groups: number[];
  caps: {
    bounding: number[];
    effective: number[];
    permitted: number[];
    inheritable: number[];
    ambient: number[];
  };
  capLast: number;
  noNewPrivileges: boolean;
  umask: number;
  cwd: string;
  args: string[];
  env: string[];
  pathEnv: string;
  stdio: [number, number, number];
  terminal: boolean;
  pdeathSignal: boolean;
  startFifo: string | null;
  /** A compiled BPF program (struct sock_filter[]) loaded before execve, or null. */
  seccomp: Buffer | null;
  /** seccomp(2) SECCOMP_FILTER_FLAG_* bits. */
  seccompFlags: number;
  /** uid_map and gid_map texts written after clone; '' without a user namespace. */
  uidMap: string;
  gidMap: string;
  /**
   * Exec mode (createExecProcess): join the namespaces in `joins` and `pidJoin` and run one
   * more process there, with no root, mount, device or hostname setup; false for a container.
   */
  joinOnly: boolean;
  /** Hooks the init runs itself; each reads `{"pid":<pid>` + the tail of its list. */
  hooks: {
    createContainer: NativeHookPlan[];
    startContainer: NativeHookPlan[];
    createStateTail: string;
    startStateTail: string;
  } | null;
}

/** One hook: execve(path, args, env); killed after timeoutMs (0 = never). */
export interface NativeHookPlan {
  path: string;
  args: string[];
  env: string[];
  timeoutMs: number;
}
