import {
  closeSync,
  constants,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmdirSync,
  writeSync,
} from 'node:fs';
import { dirname, basename, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { createCgroupManager, detectCgroupLayout } from '@iza/cgroups';
import type { CgroupLayout, LinuxResources } from '@iza/cgroups';
import { attachDeviceFilter } from '@iza/ns-native';
import type { CgroupSelfPlacement, DeviceRule } from '@iza/ns-native';

import { invalidConfig, unsupported } from './errors.js';
import type { OciDeviceRule } from './oci-config.js';

/**
 * Where a container's cgroup goes: `parent` as @iza/cgroups takes it (absolute), or `below`,
 * directories between iza's own `iza` cgroup and the leaf; and the leaf name.
 */
export interface CgroupPlacement {
  name: string;
  parent: string | undefined;
  below?: string;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

/**
 * `linux.cgroupsPath` → placement. Absolute: exactly there in each hierarchy (podman's
 * `/libpod_parent/libpod-<id>`, containerd's `/<namespace>/<id>`). Relative: below the
 * runtime's own cgroup, in its `iza` directory, as config-linux.md lets a runtime choose (runc
 * joins it to its own cgroup). Absent: `<id>` there. systemd's `slice:prefix:name` is refused.
 */
export function cgroupPlacement(cgroupsPath: string | undefined, id: string): CgroupPlacement {
  if (cgroupsPath === undefined) {
    if (!NAME.test(id))
      throw invalidConfig('linux.cgroupsPath', `container id ${id} is no cgroup name`);
    return { name: id, parent: undefined };
  }
  if (cgroupsPath.includes(':')) {
    throw unsupported(
      'linux.cgroupsPath',
      'systemd cgroup paths are not supported',
      'use the cgroupfs manager (podman --cgroup-manager cgroupfs)',
    );
  }
  if (!cgroupsPath.startsWith('/')) {
    const segments = cgroupsPath.split('/');
    if (!segments.every((s) => NAME.test(s)))
      throw invalidConfig(
        'linux.cgroupsPath',
        `relative path ${JSON.stringify(cgroupsPath)} must be plain names joined by /`,
      );
    const name = segments.pop() as string;
    return segments.length === 0
      ? { name, parent: undefined }
      : { name, parent: undefined, below: segments.join('/') };
  }
  const name = basename(cgroupsPath);
  if (!NAME.test(name))
    throw invalidConfig('linux.cgroupsPath', `bad last element ${JSON.stringify(name)}`);
  return { name, parent: dirname(cgroupsPath) };
}

// O_WRONLY without O_CREAT: cgroupfs files are never created, and cgroup.kill refuses O_RDWR.
function writeCgroupFile(path: string, data: string): void {
  const fd = openSync(path, constants.O_WRONLY);
  try {
    writeSync(fd, data);
  } finally {
    closeSync(fd);
  }
}

function ruleLine(rule: OciDeviceRule): string {
  const type = rule.type ?? 'a';
  if (type === 'a') return 'a';
  const n = (v: number | null | undefined) =>
    v === undefined || v === null || v < 0 ? '*' : String(v);
  return `${type} ${n(rule.major)}:${n(rule.minor)} ${rule.access ?? 'rwm'}`;
}

// cgroup v1 devices controller (Documentation/admin-guide/cgroup-v1/devices.rst): a new cgroup
// inherits its parent's list; each rule is one write to devices.allow or devices.deny.
function applyDeviceRules(dir: string, rules: readonly OciDeviceRule[]): void {
  for (const rule of rules) {
    const file = join(dir, rule.allow ? 'devices.allow' : 'devices.deny');
    writeCgroupFile(file, ruleLine(rule));
  }
}

/**
 * mkdir -p; returns the directories it made, outermost first. Another container's delete may
 * remove a shared empty ancestor between the check and the mkdir: then it starts over.
 */
function mkdirChain(dir: string): string[] {
  for (let attempt = 1; ; attempt++) {
    const missing: string[] = [];
    for (let d = dir; !existsSync(d); d = dirname(d)) missing.unshift(d);
    try {
      mkdirSync(dir, { recursive: true });
      return missing;
    } catch (err) {
      if (attempt >= 3 || (err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
}

/**
 * rmdir of directories create made above the leaves, deepest first, each only when empty: one
 * still holding another container's cgroup (EBUSY, ENOTEMPTY) or already gone stays as it is.
 */
export function removeEmptyAncestors(dirs: readonly string[]): void {
  const deepestFirst = [...dirs].sort((a, b) => b.split('/').length - a.split('/').length);
  for (const dir of deepestFirst) {
    try {
      rmdirSync(dir);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EBUSY' || code === 'ENOTEMPTY' || code === 'ENOENT') continue;
      throw err;
    }
  }
}

/**
 * A container's leaf directories as a new process places itself in them (@iza/ns-native's
 * `cgroups` option): the v2 leaf `v2`, and the others as v1 leaves.
 */
export function selfPlacement(
  paths: readonly string[],
  v2: string | undefined,
): CgroupSelfPlacement {
  return { v1: paths.filter((dir) => dir !== v2), v2 };
}

/** The v2 leaf among a stored container's `paths`: the one with a cgroup.controllers file. */
export function v2Leaf(paths: readonly string[]): string | undefined {
  return paths.find((dir) => existsSync(join(dir, 'cgroup.controllers')));
}

/** A container's cgroups as created: leaf directories, and how to join them. */
export interface ContainerCgroup {
  paths: string[];
  /**
   * Directories above the leaves this create made, and iza's own `iza` directory of the
   * devices hierarchy (removed by delete when empty).
   */
  ancestors: string[];
  addProcess(pid: number): Promise<void>;
  /** The same cgroups as a new process places itself in them (see selfPlacement). */
  selfPlacement: CgroupSelfPlacement;
  /** OOM kills so far in the memory hierarchy (0 without one). */
  readOomKills(): Promise<number>;
  /** Removes every directory create made (for an in-process caller; `delete` only has paths). */
  destroy(timeoutMs: number): Promise<void>;
}

/**
 * Creates the container's cgroups: limits through @iza/cgroups, plus the device allow/deny list:
 * written to a v1 devices hierarchy where the host has one, else assembled into a BPF device
 * program attached to the v2 leaf (cgroup v2 has no devices files). A host with neither refuses
 * device rules.
 */
export async function createContainerCgroup(input: {
  placement: CgroupPlacement;
  resources: LinuxResources;
  deviceRules: readonly OciDeviceRule[];
  layout?: CgroupLayout;
  /** For tests: what attaches a v2 device filter (default @iza/ns-native's). */
  attachFilter?: (leaf: string, rules: DeviceRule[]) => void;
  /** Join a v1 freezer hierarchy so that `pause` works; default true. */
  pausable?: boolean;
}): Promise<ContainerCgroup> {
  const layout = input.layout ?? (await detectCgroupLayout());
  const { name, parent, below } = input.placement;
  const devices = layout.controllers['devices'];
  const v1Devices = devices?.version === 1 && devices.delegatable ? devices : undefined;
  const wantsRules = input.deviceRules.length > 0;
  if (wantsRules && v1Devices === undefined && layout.unified?.writable !== true) {
    throw unsupported(
      'linux.resources.devices',
      'needs a cgroup v1 devices hierarchy or a writable cgroup v2 hierarchy',
    );
  }

  const manager = createCgroupManager({ layout });
  const where = parent !== undefined ? { parent } : below !== undefined ? { below } : {};
  const cg = await manager.create(name, input.resources, {
    ...where,
    freezer: input.pausable ?? true,
  });
  const paths = [...new Set(Object.values(cg.paths))];

  let devicesDir: string | undefined;
  let devicesAncestors: string[] = [];
  try {
    if (wantsRules && v1Devices !== undefined) {
      const izaDir = join(v1Devices.mountPoint, v1Devices.currentPath, 'iza');
      const base = parent ?? join(v1Devices.currentPath, 'iza', below ?? '');
      devicesDir = join(v1Devices.mountPoint, base, name);
      if (!paths.includes(devicesDir)) {
        devicesAncestors = mkdirChain(devicesDir).slice(0, -1);
        // iza's own `iza` directory goes with the last container out, whoever made it, as
        // @iza/cgroups does for the other hierarchies: else a container that started while
        // another was in it (and so did not make it) left it behind for good.
        if (parent === undefined && !devicesAncestors.includes(izaDir)) {
          devicesAncestors.unshift(izaDir);
        }
        paths.push(devicesDir);
      }
      applyDeviceRules(devicesDir, input.deviceRules);
    } else if (wantsRules) {
      const leaf = cg.paths['unified'];
      if (leaf === undefined) {
        throw unsupported('linux.resources.devices', 'no cgroup v2 leaf to attach a filter to');
      }
      (input.attachFilter ?? attachDeviceFilter)(leaf, input.deviceRules.map(toDeviceRule));
    }
  } catch (err) {
    await cg.destroy({ timeoutMs: 1000 }).catch(() => undefined);
    await removeCgroupDirs(paths, 1000).catch(() => undefined);
    removeEmptyAncestors(devicesAncestors);
    throw err;
  }

  return {
    paths,
    ancestors: [...cg.createdAncestors, ...devicesAncestors],
    selfPlacement: selfPlacement(paths, cg.paths['unified']),
    async addProcess(pid) {
      await cg.addProcess(pid);
      if (devicesDir !== undefined) writeCgroupFile(join(devicesDir, 'cgroup.procs'), String(pid));
    },
    readOomKills: () => cg.readOomKills(),
    async destroy(timeoutMs) {
      // The handle's destroy also undoes what @iza/cgroups changed around the leaves (a
      // supervisor cgroup iza moved itself into, controllers it enabled) when it is the last.
      await cg.destroy({ timeoutMs });
      await removeCgroupDirs(paths, timeoutMs);
      removeEmptyAncestors(devicesAncestors);
    },
  };
}

function toDeviceRule(rule: OciDeviceRule): DeviceRule {
  const out: DeviceRule = { allow: rule.allow, type: rule.type ?? 'a' };
  if (rule.major !== undefined) out.major = rule.major;
  if (rule.minor !== undefined) out.minor = rule.minor;
  if (rule.access !== undefined) out.access = rule.access;
  return out;
}

/** The pids in any of `paths` (their cgroup.procs). */
export function cgroupPids(paths: readonly string[]): number[] {
  const pids = new Set<number>();
  for (const dir of paths) {
    let text: string;
    try {
      text = readFileSync(join(dir, 'cgroup.procs'), 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n')) if (line.trim() !== '') pids.add(Number(line));
  }
  return [...pids];
}

/** Signals every process of the cgroups (SIGKILL: cgroup.kill on v2 where the kernel has it). */
export function signalCgroup(paths: readonly string[], signal: number): void {
  if (signal === 9) {
    for (const dir of paths) {
      const kill = join(dir, 'cgroup.kill');
      if (existsSync(kill)) writeCgroupFile(kill, '1');
    }
  }
  for (const pid of cgroupPids(paths)) {
    try {
      process.kill(pid, signal);
    } catch {
      // Exited between the read of cgroup.procs and the kill.
    }
  }
}

/** rmdir of each leaf, retrying EBUSY while processes drain, up to `timeoutMs`. */
export async function removeCgroupDirs(paths: readonly string[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const dir of paths) {
    for (;;) {
      try {
        rmdirSync(dir);
        break;
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') break;
        if (code !== 'EBUSY' || Date.now() > deadline) throw err;
        await sleep(10);
      }
    }
  }
}
