import type { LinuxResources } from '@iza/cgroups';
import type { ContainerProcessSpec, DeviceSpec, NamespaceSpec } from '@iza/ns-native';
import { defaultDevices } from '@iza/ns-native';

import { invalidConfig, unsupported } from './errors.js';
import type { OciDeviceRule, OciLinux, OciResources } from './oci-config.js';
import { isEmptyValue } from './check-fields.js';

const NAMESPACE_TYPES = ['pid', 'network', 'mount', 'uts', 'ipc', 'cgroup', 'user'] as const;
type NamespaceType = (typeof NAMESPACE_TYPES)[number];

/** linux.namespaces → spawn namespaces, new or joined by path; time namespaces are refused. */
export function mapNamespaces(linux: OciLinux): NamespaceSpec[] {
  const out: NamespaceSpec[] = [];
  for (const [i, ns] of (linux.namespaces ?? []).entries()) {
    const field = `linux.namespaces[${i}]`;
    if (ns.type === 'time') {
      throw unsupported(`${field}`, `${ns.type} namespaces are not supported yet`);
    }
    if (!NAMESPACE_TYPES.includes(ns.type as NamespaceType)) {
      throw invalidConfig(`${field}.type`, `unknown namespace type ${JSON.stringify(ns.type)}`);
    }
    const hasPath = ns.path !== undefined && ns.path !== '';
    out.push(
      hasPath
        ? { type: ns.type as NamespaceType, path: ns.path as string }
        : { type: ns.type as NamespaceType },
    );
  }

  if (!out.some((ns) => ns.type === 'mount')) {
    throw unsupported(
      'linux.namespaces',
      "a container in the runtime's own mount namespace is not supported",
    );
  }
  return out;
}

/**
 * linux.uidMappings and gidMappings, which runtime-spec config-linux.md ties to a new user
 * namespace: both lists with it, neither without it.
 */
export function mapIdMappings(
  linux: OciLinux,
  namespaces: readonly NamespaceSpec[],
): Pick<ContainerProcessSpec, 'uidMappings' | 'gidMappings'> {
  // A joined user namespace (path) already has its mappings.
  const userns = namespaces.some((ns) => ns.type === 'user' && ns.path === undefined);
  const uids = linux.uidMappings ?? [];
  const gids = linux.gidMappings ?? [];
  if (!userns) {
    if (uids.length > 0 || gids.length > 0)
      throw invalidConfig(
        'linux.uidMappings',
        'mappings need a new user namespace in linux.namespaces',
      );
    return {};
  }
  for (const [field, list] of [
    ['linux.uidMappings', uids],
    ['linux.gidMappings', gids],
  ] as const) {
    if (list.length === 0) throw invalidConfig(field, 'a user namespace needs mappings');
    for (const [i, m] of list.entries()) {
      const ok = [m.containerID, m.hostID, m.size].every((n) => Number.isInteger(n) && n >= 0);
      if (!ok || m.size === 0)
        throw invalidConfig(
          `${field}[${i}]`,
          'containerID, hostID and size must be whole numbers, size above 0',
        );
    }
  }
  return { uidMappings: uids, gidMappings: gids };
}

/** The OCI default devices, plus `linux.devices` (a listed path replaces the default one). */
export function mapDevices(linux: OciLinux): DeviceSpec[] {
  const byPath = new Map<string, DeviceSpec>();
  for (const d of defaultDevices()) byPath.set(d.path, d);

  for (const [i, d] of (linux.devices ?? []).entries()) {
    const field = `linux.devices[${i}]`;
    // 'u' is an unbuffered character device: the same node as 'c' (config-linux.md).
    const type = d.type === 'u' ? 'c' : d.type;
    if (type !== 'c' && type !== 'b' && type !== 'p')
      throw invalidConfig(`${field}.type`, `unknown device type ${JSON.stringify(d.type)}`);
    // A fifo has no device number (config-linux.md: major and minor only for c, b and u).
    const numbered = type !== 'p';
    if (numbered && (!Number.isInteger(d.major) || !Number.isInteger(d.minor))) {
      throw invalidConfig(field, 'major and minor are required for c, u and b devices');
    }
    const spec: DeviceSpec = {
      path: d.path,
      type,
      major: numbered ? (d.major as number) : 0,
      minor: numbered ? (d.minor as number) : 0,
    };
    if (d.fileMode !== undefined) spec.fileMode = d.fileMode;
    if (d.uid !== undefined) spec.uid = d.uid;
    if (d.gid !== undefined) spec.gid = d.gid;
    byPath.set(d.path, spec);
  }
  return [...byPath.values()];
}

/**
 * runc's device rules appended after the spec's (libcontainer/specconv AllowedDevices): mknod
 * of anything, and use of the default nodes, ptys and /dev/net/tun.
 */
export const DEFAULT_DEVICE_RULES: readonly OciDeviceRule[] = [
  { allow: true, type: 'c', major: null, minor: null, access: 'm' },
  { allow: true, type: 'b', major: null, minor: null, access: 'm' },
  ...[
    [1, 3],
    [1, 5],
    [1, 7],
    [1, 8],
    [1, 9],
    [5, 0],
    [5, 1],
    [5, 2],
    [10, 200],
  ].map(([major, minor]) => ({ allow: true, type: 'c' as const, major, minor, access: 'rwm' })),
  { allow: true, type: 'c', major: 136, minor: null, access: 'rwm' },
];

/** The device cgroup rules: the spec's, then an allow per linux.devices node, then runc's. */
export function deviceRules(linux: OciLinux, devices: readonly DeviceSpec[]): OciDeviceRule[] {
  const fromSpec = linux.resources?.devices ?? [];
  const extra = (linux.devices ?? []).length === 0 ? [] : devices;
  // The device cgroup only controls character and block devices; a fifo needs no rule.
  const numbered = extra.filter((d): d is DeviceSpec & { type: 'c' | 'b' } => d.type !== 'p');
  const nodes = numbered.map((d) => ({
    allow: true,
    type: d.type,
    major: d.major,
    minor: d.minor,
    access: 'rwm',
  }));
  return [...fromSpec, ...nodes, ...DEFAULT_DEVICE_RULES];
}

function pick<T extends object>(source: T | undefined, keys: (keyof T)[]): Partial<T> | undefined {
  if (source === undefined) return undefined;
  const out: Partial<T> = {};
  for (const key of keys)
    if (source[key] !== undefined && source[key] !== null) out[key] = source[key];
  return Object.keys(out).length === 0 ? undefined : out;
}

type OciMemory = NonNullable<OciResources['memory']>;

/**
 * linux.resources.memory → @iza/cgroups' memory limits. `kernel` is refused unless unlimited:
 * current kernels accept a cgroup v1 kernel memory limit and ignore it (cgroup v2 has none), so
 * applying it would only pretend. The other fields are passed on; @iza/cgroups refuses those
 * the host's memory controller lacks (swappiness, kernelTCP, disableOOMKiller on cgroup v2).
 */
function mapMemory(memory: OciMemory | undefined): LinuxResources['memory'] {
  if (memory === undefined) return undefined;
  if (memory.kernel !== undefined && memory.kernel !== null && memory.kernel !== -1) {
    throw unsupported(
      'linux.resources.memory.kernel',
      'kernel memory limits are not supported: current kernels ignore them',
      'drop the kernel memory limit (runc ignores it)',
    );
  }
  const swappiness = memory.swappiness;
  if (swappiness !== undefined && swappiness !== null) {
    if (!Number.isInteger(swappiness) || swappiness < 0 || swappiness > 100)
      throw invalidConfig('linux.resources.memory.swappiness', 'must be 0 to 100');
  }

  const out = pick(memory, ['limit', 'reservation', 'swap', 'kernelTCP', 'swappiness']) ?? {};
  if (memory.disableOOMKiller === true) out.disableOOMKiller = true;
  return Object.keys(out).length === 0 ? undefined : out;
}

/** linux.resources → the cgroup limits @iza/cgroups applies (checkSpecFields refused the rest). */
export function mapResources(resources: OciResources | undefined): LinuxResources {
  if (resources === undefined) return {};

  const out: LinuxResources = {};
  const memory = mapMemory(resources.memory);
  const cpu = pick(resources.cpu, ['shares', 'quota', 'period', 'cpus', 'mems']);
  if (memory !== undefined) out.memory = memory;
  if (cpu !== undefined) {
    const { cpus, mems, ...rest } = cpu;
    out.cpu = { ...rest };
    if (cpus !== undefined && cpus !== '') out.cpu.cpus = cpus;
    if (mems !== undefined && mems !== '') out.cpu.mems = mems;
  }
  if (resources.pids?.limit !== undefined && !isEmptyValue(resources.pids.limit)) {
    out.pids = { limit: resources.pids.limit };
  }
  return out;
}
