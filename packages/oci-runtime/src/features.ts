import {
  capabilityNames,
  defaultCapabilityNames,
  defaultMaskedPaths,
  defaultReadonlyPaths,
} from '@iza/ns-native';

import { HOOK_KINDS } from './hooks.js';
import type { OciSpec } from './oci-config.js';

/** The OCI version iza-runtime writes and the range it reads. */
export const OCI_VERSION = '1.2.0';

/** `features` (runtime-spec features.md): what this runtime implements. */
export function features() {
  return {
    ociVersionMin: '1.0.0',
    ociVersionMax: OCI_VERSION,
    hooks: [...HOOK_KINDS],
    mountOptions: [
      'async',
      'atime',
      'bind',
      'defaults',
      'dev',
      'diratime',
      'dirsync',
      'exec',
      'mand',
      'noatime',
      'nodev',
      'nodiratime',
      'noexec',
      'nomand',
      'norelatime',
      'nostrictatime',
      'nosuid',
      'private',
      'rbind',
      'relatime',
      'ro',
      'rprivate',
      'rshared',
      'rslave',
      'runbindable',
      'rw',
      'shared',
      'slave',
      'strictatime',
      'suid',
      'sync',
      'unbindable',
    ],
    linux: {
      namespaces: ['cgroup', 'ipc', 'mount', 'network', 'pid', 'user', 'uts'],
      capabilities: [...capabilityNames],
      cgroup: { v1: true, v2: true, systemd: false, systemdUser: false, rdma: false },
      seccomp: {
        enabled: true,
        actions: [
          'SCMP_ACT_ALLOW',
          'SCMP_ACT_ERRNO',
          'SCMP_ACT_KILL',
          'SCMP_ACT_KILL_PROCESS',
          'SCMP_ACT_KILL_THREAD',
          'SCMP_ACT_LOG',
          'SCMP_ACT_TRACE',
          'SCMP_ACT_TRAP',
        ],
        operators: [
          'SCMP_CMP_EQ',
          'SCMP_CMP_GE',
          'SCMP_CMP_GT',
          'SCMP_CMP_LE',
          'SCMP_CMP_LT',
          'SCMP_CMP_MASKED_EQ',
          'SCMP_CMP_NE',
        ],
        archs: [
          'SCMP_ARCH_AARCH64',
          'SCMP_ARCH_ARM',
          'SCMP_ARCH_X32',
          'SCMP_ARCH_X86',
          'SCMP_ARCH_X86_64',
        ],
        knownFlags: [
          'SECCOMP_FILTER_FLAG_LOG',
          'SECCOMP_FILTER_FLAG_SPEC_ALLOW',
          'SECCOMP_FILTER_FLAG_TSYNC',
        ],
        supportedFlags: [
          'SECCOMP_FILTER_FLAG_LOG',
          'SECCOMP_FILTER_FLAG_SPEC_ALLOW',
          'SECCOMP_FILTER_FLAG_TSYNC',
        ],
      },
      apparmor: { enabled: false },
      selinux: { enabled: false },
      intelRdt: { enabled: false },
      mountExtensions: { idmap: { enabled: false } },
    },
    annotations: { 'org.iza.runtime.version': '0.1.0' },
  };
}

/**
 * `spec`: a starting config.json like runc's (`sh` in `rootfs`, no terminal, docker's default
 * capabilities, masked and read-only paths, mounts). `rootless` is refused: iza-runtime itself
 * runs as root (it does run containers in user namespaces of their own, given their mappings).
 */
export function defaultSpec(options: { rootless?: boolean } = {}): OciSpec {
  if (options.rootless === true) throw new Error('rootless specs are not supported yet');
  const caps = defaultCapabilityNames();
  const opts = (...o: string[]) => o;
  return {
    ociVersion: OCI_VERSION,
    process: {
      terminal: false,
      user: { uid: 0, gid: 0 },
      args: ['sh'],
      env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'TERM=xterm'],
      cwd: '/',
      capabilities: { bounding: caps, effective: caps, permitted: caps },
      rlimits: [{ type: 'RLIMIT_NOFILE', hard: 1024, soft: 1024 }],
      noNewPrivileges: true,
    },
    root: { path: 'rootfs', readonly: true },
    hostname: 'iza',
    mounts: [
      { destination: '/proc', type: 'proc', source: 'proc' },
      {
        destination: '/dev',
        type: 'tmpfs',
        source: 'tmpfs',
        options: opts('nosuid', 'strictatime', 'mode=755', 'size=65536k'),
      },
      {
        destination: '/dev/pts',
        type: 'devpts',
        source: 'devpts',
        options: opts('nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'),
      },
      {
        destination: '/dev/shm',
        type: 'tmpfs',
        source: 'shm',
        options: opts('nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'),
      },
      {
        destination: '/dev/mqueue',
        type: 'mqueue',
        source: 'mqueue',
        options: opts('nosuid', 'noexec', 'nodev'),
      },
      {
        destination: '/sys',
        type: 'sysfs',
        source: 'sysfs',
        options: opts('nosuid', 'noexec', 'nodev', 'ro'),
      },
      {
        destination: '/sys/fs/cgroup',
        type: 'cgroup',
        source: 'cgroup',
        options: opts('nosuid', 'noexec', 'nodev', 'relatime', 'ro'),
      },
    ],
    linux: {
      resources: { devices: [{ allow: false, access: 'rwm' }] },
      namespaces: ['pid', 'network', 'ipc', 'uts', 'mount', 'cgroup'].map((type) => ({ type })),
      maskedPaths: defaultMaskedPaths(),
      readonlyPaths: defaultReadonlyPaths(),
    },
  };
}
