import { existsSync, readdirSync } from 'node:fs';

import type { DeviceSpec, MountSpec } from './container-spec.js';

/** Docker's PATH, used when the container env has none (moby daemon/container/container.go). */
export const defaultPath = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface DefaultMountsOptions {
  /** Size of /dev/shm in bytes; default 64 MiB. 0 leaves /dev/shm out (docker's `--ipc none`). */
  shmSize?: number;
}

/**
 * Docker's mounts (moby daemon/pkg/oci/defaults.go, daemon/oci_linux.go), in mount order.
 * /etc/hostname, /etc/hosts and /etc/resolv.conf are not here: the caller writes those files
 * and appends `{ destination, type: 'bind', source, options: ['rbind', 'rprivate'] }` entries.
 */
export function defaultMounts(options: DefaultMountsOptions = {}): MountSpec[] {
  const shmSize = options.shmSize ?? 64 * 1024 * 1024;
  const mounts: MountSpec[] = [
    { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
    {
      destination: '/dev',
      type: 'tmpfs',
      source: 'tmpfs',
      options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'],
    },
    {
      destination: '/dev/pts',
      type: 'devpts',
      source: 'devpts',
      options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'],
    },
    {
      destination: '/sys',
      type: 'sysfs',
      source: 'sysfs',
      options: ['nosuid', 'noexec', 'nodev', 'ro'],
    },
    {
      destination: '/sys/fs/cgroup',
      type: 'cgroup',
      source: 'cgroup',
      options: ['ro', 'nosuid', 'noexec', 'nodev'],
    },
    {
      destination: '/dev/mqueue',
      type: 'mqueue',
      source: 'mqueue',
      options: ['nosuid', 'noexec', 'nodev'],
    },
  ];
  if (shmSize > 0) {
    mounts.push({
      destination: '/dev/shm',
      type: 'tmpfs',
      source: 'shm',
      options: ['nosuid', 'noexec', 'nodev', 'mode=1777', `size=${shmSize}`],
    });
  }
  return mounts;
}

/**
 * Docker's masked paths, plus each /sys/devices/system/cpu/cpu<N>/thermal_throttle the host
 * has (moby daemon/pkg/oci/defaults.go). `sysRoot` is for tests.
 */
export function defaultMaskedPaths(sysRoot = '/sys'): string[] {
  const paths = [
    '/proc/acpi',
    '/proc/asound',
    '/proc/interrupts',
    '/proc/kcore',
    '/proc/keys',
    '/proc/latency_stats',
    '/proc/sched_debug',
    '/proc/scsi',
    '/proc/timer_list',
    '/proc/timer_stats',
    '/sys/devices/virtual/powercap',
    '/sys/firmware',
  ];

  const cpuDir = `${sysRoot}/devices/system/cpu`;
  let cpus: string[] = [];
  try {
    cpus = readdirSync(cpuDir).filter((name) => /^cpu\d+$/.test(name));
  } catch {
    // No sysfs (a test machine without /sys): nothing to add.
  }
  for (const cpu of cpus) {
    if (existsSync(`${cpuDir}/${cpu}/thermal_throttle`)) {
      paths.push(`/sys/devices/system/cpu/${cpu}/thermal_throttle`);
    }
  }
  return paths;
}

/** Docker's read-only paths (moby daemon/pkg/oci/defaults.go). */
export function defaultReadonlyPaths(): string[] {
  return ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];
}

/** The OCI default devices (runtime-spec config-linux.md "Default Devices"), mode 0666, root. */
export function defaultDevices(): DeviceSpec[] {
  const char = (path: string, major: number, minor: number): DeviceSpec => ({
    path,
    type: 'c',
    major,
    minor,
    fileMode: 0o666,
    uid: 0,
    gid: 0,
  });
  return [
    char('/dev/null', 1, 3),
    char('/dev/zero', 1, 5),
    char('/dev/full', 1, 7),
    char('/dev/random', 1, 8),
    char('/dev/urandom', 1, 9),
    char('/dev/tty', 5, 0),
  ];
}
