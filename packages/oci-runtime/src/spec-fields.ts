/**
 * Every property runtime-spec v1.3 defines for config.json (config.md, config-linux.md and the
 * platform sections; specs-go/config.go lists the same), and what iza-runtime does with each.
 * The spec's Extensibility clause says a runtime MUST NOT fail on a property it does not know,
 * while issue 6 asks that nothing the spec defines is dropped silently: a property in these
 * tables that iza does not implement is refused when it asks for something, and a property
 * outside them is ignored with a warning.
 */

/**
 * `mapped`: read by mapOciConfig (or accepted as equivalent to what iza does anyway);
 * `refused`: defined by the spec, not implemented, refused unless its value is empty; an object
 * of rules: an object whose properties are checked in turn; `[rules]`: an array of such objects.
 */
export type FieldRule = 'mapped' | 'refused' | SpecObject | [SpecObject];

/** The properties of one object of config.json. */
export interface SpecObject {
  readonly [property: string]: FieldRule;
}

const HOOK: SpecObject = { path: 'mapped', args: 'mapped', env: 'mapped', timeout: 'mapped' };

const ID_MAPPING: SpecObject = { containerID: 'mapped', hostID: 'mapped', size: 'mapped' };

const PROCESS: SpecObject = {
  terminal: 'mapped',
  consoleSize: { height: 'mapped', width: 'mapped' },
  user: {
    uid: 'mapped',
    gid: 'mapped',
    umask: 'mapped',
    additionalGids: 'mapped',
    username: 'refused',
  },
  args: 'mapped',
  commandLine: 'refused',
  env: 'mapped',
  cwd: 'mapped',
  capabilities: {
    bounding: 'mapped',
    effective: 'mapped',
    inheritable: 'mapped',
    permitted: 'mapped',
    ambient: 'mapped',
  },
  rlimits: [{ type: 'mapped', hard: 'mapped', soft: 'mapped' }],
  noNewPrivileges: 'mapped',
  apparmorProfile: 'refused',
  oomScoreAdj: 'mapped',
  scheduler: 'refused',
  selinuxLabel: 'refused',
  ioPriority: 'refused',
  execCPUAffinity: 'refused',
};

const RESOURCES: SpecObject = {
  devices: [
    { allow: 'mapped', type: 'mapped', major: 'mapped', minor: 'mapped', access: 'mapped' },
  ],
  memory: {
    limit: 'mapped',
    reservation: 'mapped',
    swap: 'mapped',
    kernel: 'mapped',
    kernelTCP: 'mapped',
    swappiness: 'mapped',
    disableOOMKiller: 'mapped',
    // Always on in current kernels, whatever the file says.
    useHierarchy: 'mapped',
    // Concerns `update` only.
    checkBeforeUpdate: 'mapped',
  },
  cpu: {
    shares: 'mapped',
    quota: 'mapped',
    burst: 'refused',
    period: 'mapped',
    realtimeRuntime: 'refused',
    realtimePeriod: 'refused',
    cpus: 'mapped',
    mems: 'mapped',
    idle: 'refused',
  },
  pids: { limit: 'mapped' },
  blockIO: 'refused',
  hugepageLimits: 'refused',
  network: 'refused',
  rdma: 'refused',
  unified: 'refused',
};

const SECCOMP: SpecObject = {
  defaultAction: 'mapped',
  defaultErrnoRet: 'mapped',
  architectures: 'mapped',
  flags: 'mapped',
  // Refused by @iza/ns-native with its own message (a notify agent).
  listenerPath: 'mapped',
  listenerMetadata: 'mapped',
  syscalls: [
    {
      names: 'mapped',
      action: 'mapped',
      errnoRet: 'mapped',
      args: [{ index: 'mapped', value: 'mapped', valueTwo: 'mapped', op: 'mapped' }],
    },
  ],
};

const LINUX: SpecObject = {
  uidMappings: [ID_MAPPING],
  gidMappings: [ID_MAPPING],
  sysctl: 'mapped',
  resources: RESOURCES,
  cgroupsPath: 'mapped',
  namespaces: [{ type: 'mapped', path: 'mapped' }],
  devices: [
    {
      path: 'mapped',
      type: 'mapped',
      major: 'mapped',
      minor: 'mapped',
      fileMode: 'mapped',
      uid: 'mapped',
      gid: 'mapped',
    },
  ],
  netDevices: 'refused',
  seccomp: SECCOMP,
  rootfsPropagation: 'mapped',
  maskedPaths: 'mapped',
  readonlyPaths: 'mapped',
  mountLabel: 'refused',
  intelRdt: 'refused',
  memoryPolicy: 'refused',
  personality: 'refused',
  timeOffsets: 'refused',
};

/** config.json itself. */
export const CONFIG_FIELDS: SpecObject = {
  ociVersion: 'mapped',
  process: PROCESS,
  root: { path: 'mapped', readonly: 'mapped' },
  hostname: 'mapped',
  domainname: 'refused',
  mounts: [
    {
      destination: 'mapped',
      type: 'mapped',
      source: 'mapped',
      options: 'mapped',
      // Refused by mapMounts when not empty, naming idmapped mounts.
      uidMappings: 'mapped',
      gidMappings: 'mapped',
    },
  ],
  hooks: {
    prestart: [HOOK],
    createRuntime: [HOOK],
    createContainer: [HOOK],
    startContainer: [HOOK],
    poststart: [HOOK],
    poststop: [HOOK],
  },
  annotations: 'mapped',
  linux: LINUX,
  solaris: 'refused',
  windows: 'refused',
  vm: 'refused',
  zos: 'refused',
  freebsd: 'refused',
};
