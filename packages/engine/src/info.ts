import { readFileSync } from 'node:fs';
import { arch, cpus, release, totalmem } from 'node:os';
import { join } from 'node:path';

import { detectCgroupLayout } from '@iza/cgroups';
import { namespacesAvailable } from '@iza/ns-native';
import { overlaySupported } from '@iza/overlay';

/** What `iza info` reports (also its `--format json` shape; keys are API). */
export interface InfoReport {
  version: string;
  kernel: string;
  operatingSystem: string;
  architecture: string;
  cpus: number;
  memoryBytes: number;
  root: boolean;
  storage: {
    root: string;
    /** The driver runs will use: overlay, or copy (asked for, or OverlayFS unusable). */
    driver: 'overlay' | 'copy';
    overlay: { supported: boolean; reason?: string };
  };
  cgroups: {
    mode: string;
    /** Per controller: version 1 or 2 (0 when absent), where it is mounted, whether iza can use it. */
    controllers: Record<
      string,
      { version: 0 | 1 | 2; mountPoint: string; path: string; delegatable: boolean }
    >;
  };
  namespaces: Record<string, boolean>;
  /** The config file the settings came from: null path when the caller named none. */
  config: { path: string | null; found: boolean };
  registry: {
    /** Per registry, its mirrors in the order a pull tries them (the registry itself last). */
    mirrors: Record<string, string[]>;
    /** Spoken to over plain HTTP, besides localhost, 127.0.0.0/8 and ::1 (always). */
    insecureRegistries: string[];
  };
}

/** What `iza info` reports that the engine was told rather than found. */
export interface InfoSettings {
  root: string;
  requestedDriver: 'overlay' | 'copy' | undefined;
  version: string;
  config: InfoReport['config'];
  registry: InfoReport['registry'];
}

/** The namespaces `iza info` reports, by their /proc/self/ns names. */
const NAMESPACES = ['pid', 'net', 'mnt', 'uts', 'ipc', 'user', 'cgroup', 'time'];

/** The controllers `iza info` always lists, present or not (the ones limits need first). */
const CONTROLLERS = [
  'memory',
  'cpu',
  'cpuacct',
  'cpuset',
  'pids',
  'io',
  'blkio',
  'hugetlb',
  'devices',
  'freezer',
];

/** The host report of `iza info`, with the settings in effect. */
export async function collectInfo(settings: InfoSettings): Promise<InfoReport> {
  const { root, requestedDriver, version } = settings;
  const overlay = await overlaySupported(join(root, 'tmp'));
  const layout = await detectCgroupLayout();
  const present = new Set<string>(namespacesAvailable());

  const controllers: InfoReport['cgroups']['controllers'] = {};
  for (const name of CONTROLLERS) {
    const c = layout.controllers[name];
    controllers[name] = c
      ? {
          version: c.version,
          mountPoint: c.mountPoint,
          path: c.currentPath,
          delegatable: c.delegatable,
        }
      : { version: 0, mountPoint: '', path: '', delegatable: false };
  }

  return {
    version,
    kernel: release(),
    operatingSystem: osRelease(),
    architecture: arch() === 'x64' ? 'x86_64' : arch(),
    cpus: cpus().length,
    memoryBytes: totalmem(),
    root: process.geteuid?.() === 0,
    storage: {
      root,
      driver: requestedDriver ?? (overlay.ok ? 'overlay' : 'copy'),
      overlay: overlay.ok
        ? { supported: true }
        : { supported: false, reason: overlay.reason ?? 'unknown' },
    },
    cgroups: { mode: layout.mode, controllers },
    namespaces: Object.fromEntries(NAMESPACES.map((n) => [n, present.has(n)])),
    config: settings.config,
    registry: settings.registry,
  };
}

function osRelease(): string {
  try {
    const text = readFileSync('/etc/os-release', 'utf8');
    return /^PRETTY_NAME="?([^"\n]*)"?/m.exec(text)?.[1] ?? 'unknown';
  } catch {
    return 'unknown';
  }
}
