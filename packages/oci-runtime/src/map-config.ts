import { isAbsolute, resolve } from 'node:path';

import type { LinuxResources } from '@iza/cgroups';
import type { ContainerProcessSpec, Propagation, SeccompSpec } from '@iza/ns-native';
import { ContainerSpecError, seccompFilterPlan } from '@iza/ns-native';

import { invalidConfig, unsupported } from './errors.js';
import {
  mapDevices,
  deviceRules,
  mapIdMappings,
  mapNamespaces,
  mapResources,
} from './map-linux.js';
import { mapMounts } from './map-mounts.js';
import { normalizeHooks, type Hooks } from './hooks.js';
import type { OciDeviceRule, OciProcess, OciSpec } from './oci-config.js';
import { checkSpecFields, isEmptyValue } from './check-fields.js';

/** What a config.json asks for, in the shapes iza's libraries take. */
export interface MappedContainer {
  /** The spawn spec, without `startWith`, `stdio` and `pdeathSignal` (the lifecycle sets them). */
  process: ContainerProcessSpec;
  resources: LinuxResources;
  /** Device cgroup rules in order (spec rules, listed nodes, runc's defaults). */
  deviceRules: OciDeviceRule[];
  cgroupsPath: string | undefined;
  hooks: Hooks;
  /** The container has its own pid namespace (kill then signals only its init). */
  ownPidNamespace: boolean;
  consoleSize: { height: number; width: number } | undefined;
  annotations: Record<string, string>;
  /** Properties runtime-spec does not define, ignored as its Extensibility clause asks. */
  ignoredFields: string[];
}

const PROPAGATIONS = [
  'private',
  'rprivate',
  'slave',
  'rslave',
  'shared',
  'rshared',
  'unbindable',
  'runbindable',
];

function mapUser(p: OciProcess): ContainerProcessSpec['user'] {
  const u = p.user;
  if (u === undefined || !Number.isInteger(u.uid) || !Number.isInteger(u.gid)) {
    throw invalidConfig('process.user', 'uid and gid are required');
  }
  const user: ContainerProcessSpec['user'] = { uid: u.uid, gid: u.gid };
  if (u.additionalGids !== undefined) user.additionalGids = u.additionalGids;
  if (u.umask !== undefined) user.umask = u.umask;
  return user;
}

function mapProcess(p: OciProcess | undefined) {
  if (p === undefined) throw invalidConfig('process', 'required by create');
  if (!Array.isArray(p.args) || p.args.length === 0)
    throw invalidConfig('process.args', 'must name a program');
  if (typeof p.cwd !== 'string' || !isAbsolute(p.cwd))
    throw invalidConfig('process.cwd', 'must be an absolute path');

  const caps = p.capabilities ?? {};
  return {
    args: p.args,
    env: p.env ?? [],
    cwd: p.cwd,
    user: mapUser(p),
    // An absent set is an empty set (config.md), not docker's default.
    capabilities: {
      bounding: caps.bounding ?? [],
      effective: caps.effective ?? [],
      permitted: caps.permitted ?? [],
      inheritable: caps.inheritable ?? [],
      ambient: caps.ambient ?? [],
    },
  };
}

function mapRoot(spec: OciSpec, bundle: string) {
  const root = spec.root;
  if (root === undefined || typeof root.path !== 'string' || root.path === '') {
    throw invalidConfig('root.path', 'required');
  }
  return { rootfs: resolve(bundle, root.path), readonly: root.readonly === true };
}

/**
 * linux.seccomp, checked now so that a bad profile is refused by `create` naming the field; the
 * addon compiles it (libseccomp) when the container is created.
 */
function mapSeccomp(value: unknown): SeccompSpec {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalidConfig('linux.seccomp', 'must be an object');
  }
  const spec = value as SeccompSpec;
  try {
    seccompFilterPlan(spec);
  } catch (err) {
    if (!(err instanceof ContainerSpecError)) throw err;
    const why = err.message.replace(/^seccomp: /, '');
    throw err.code === 'ERR_IZA_NATIVE_UNSUPPORTED'
      ? unsupported('linux.seccomp', why)
      : invalidConfig('linux.seccomp', why);
  }
  return spec;
}

/**
 * Maps config.json onto a spawn spec, cgroup resources and hooks. Pure: the bundle directory
 * only resolves relative paths. Throws ERR_IZA_OCI_UNSUPPORTED naming the first field iza cannot
 * honour, or ERR_IZA_OCI_INVALID_CONFIG for a malformed one; properties the spec does not
 * define are listed in `ignoredFields`.
 */
export function mapOciConfig(spec: OciSpec, bundle: string): MappedContainer {
  if (typeof spec.ociVersion !== 'string' || !/^1\.\d+/.test(spec.ociVersion)) {
    throw unsupported('ociVersion', `version ${String(spec.ociVersion)} is not supported (1.x is)`);
  }
  const ignoredFields = checkSpecFields(spec);
  const linux = spec.linux ?? {};

  const proc = mapProcess(spec.process);
  const root = mapRoot(spec, bundle);
  const namespaces = mapNamespaces(linux);
  const idMappings = mapIdMappings(linux, namespaces);
  const devices = mapDevices(linux);
  const propagation = linux.rootfsPropagation;
  if (propagation !== undefined && propagation !== '' && !PROPAGATIONS.includes(propagation)) {
    throw invalidConfig('linux.rootfsPropagation', `unknown propagation ${propagation}`);
  }

  const p = spec.process as OciProcess;
  const process: ContainerProcessSpec = {
    ...proc,
    rootfs: root.rootfs,
    readonlyRootfs: root.readonly,
    namespaces,
    mounts: mapMounts(spec.mounts, bundle),
    devices,
    maskedPaths: linux.maskedPaths ?? [],
    readonlyPaths: linux.readonlyPaths ?? [],
    sysctl: linux.sysctl ?? {},
    noNewPrivileges: p.noNewPrivileges === true,
    rlimits: p.rlimits ?? [],
    terminal: p.terminal === true,
    ...idMappings,
  };
  if (spec.hostname !== undefined && spec.hostname !== '') process.hostname = spec.hostname;
  if (propagation !== undefined && propagation !== '')
    process.rootfsPropagation = propagation as Propagation;
  if (p.oomScoreAdj !== undefined) process.oomScoreAdj = p.oomScoreAdj;
  if (!isEmptyValue(linux.seccomp)) process.seccomp = mapSeccomp(linux.seccomp);

  return {
    process,
    resources: mapResources(linux.resources),
    deviceRules: deviceRules(linux, devices),
    cgroupsPath: linux.cgroupsPath === '' ? undefined : linux.cgroupsPath,
    hooks: normalizeHooks(spec.hooks),
    ownPidNamespace: namespaces.some((ns) => ns.type === 'pid' && ns.path === undefined),
    consoleSize: p.terminal === true ? p.consoleSize : undefined,
    annotations: spec.annotations ?? {},
    ignoredFields,
  };
}
