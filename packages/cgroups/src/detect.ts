import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { IzaError } from '@iza/errors';
import type { CgroupFs } from './cgroup-fs.js';
import { nodeCgroupFs } from './cgroup-fs.js';
import { CgroupErrorCode } from './errors.js';
import type { CgroupLayout, ControllerPlacement, UnifiedMount } from './layout.js';

/** Inputs of {@link detectCgroupLayout}; each defaults to the running process's view. */
export interface DetectOptions {
  /** Text of /proc/self/mountinfo. */
  mountinfo?: string;
  /** Text of /proc/self/cgroup. */
  procSelfCgroup?: string;
  /** Prefix for every cgroupfs path (a temp dir laid out like cgroupfs, in tests). */
  fsRoot?: string;
  fs?: CgroupFs;
}

interface CgroupMount {
  version: 1 | 2;
  /** Path of this mount's root inside the hierarchy (proc(5) field 4). */
  root: string;
  mountPoint: string;
  readonly: boolean;
  /** v1: the controllers bound to this hierarchy. */
  controllers: string[];
}

// Super options of a v1 mount that are flags, not controllers (cgroup-v1/cgroups.rst).
const V1_FLAGS = new Set(['rw', 'ro', 'noprefix', 'clone_children', 'xattr', 'cpuset_v2_mode']);

function unescapeOctal(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_m, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

function parseCgroupMounts(text: string): CgroupMount[] {
  const mounts: CgroupMount[] = [];

  for (const line of text.split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;

    const head = line.slice(0, sep).split(' ');
    const [fsType, , superOptions = ''] = line.slice(sep + 3).split(' ');
    if (fsType !== 'cgroup' && fsType !== 'cgroup2') continue;

    const options = superOptions.split(',');
    const controllers = options.filter(
      (o) => !V1_FLAGS.has(o) && !o.includes('=') && fsType === 'cgroup',
    );
    // Named hierarchies (name=systemd) carry no controller: nothing to limit there.
    if (fsType === 'cgroup' && controllers.length === 0) continue;

    mounts.push({
      version: fsType === 'cgroup2' ? 2 : 1,
      root: unescapeOctal(head[3] ?? '/'),
      mountPoint: unescapeOctal(head[4] ?? ''),
      readonly: (head[5] ?? '').split(',').includes('ro'),
      controllers,
    });
  }

  return mounts;
}

/** /proc/self/cgroup: hierarchy controllers (`''` for v2) → path. */
function parseProcCgroup(text: string): Map<string, string> {
  const paths = new Map<string, string>();

  for (const line of text.split('\n')) {
    const m = /^(\d+):([^:]*):(.*)$/.exec(line.trim());
    if (!m) continue;
    const [, , controllers = '', path = '/'] = m;
    if (controllers === '') paths.set('', path);
    for (const c of controllers.split(',')) if (c !== '') paths.set(c, path);
  }

  return paths;
}

/** The cgroup path as seen under a mount whose root is `root` (a bind of a subtree). */
function underMount(path: string, root: string): string {
  if (root === '/' || root === '') return path;
  if (path === root) return '/';
  if (path.startsWith(`${root}/`)) return path.slice(root.length);
  // The process sits outside what this mount shows (e.g. a foreign cgroup namespace).
  return '/';
}

async function unifiedMount(
  mount: CgroupMount,
  path: string,
  fsRoot: string,
  fs: CgroupFs,
): Promise<UnifiedMount> {
  const mountPoint = join(fsRoot, mount.mountPoint);
  const currentPath = underMount(path, mount.root);
  const dir = join(mountPoint, currentPath);

  const text = await fs.read(join(dir, 'cgroup.controllers')).catch(() => '');
  const controllers = text.split(/\s+/).filter((c) => c !== '');
  const writable = !mount.readonly && (await fs.writable(dir));

  return { mountPoint, currentPath, controllers, writable };
}

/**
 * Finds, per controller, which hierarchy it lives in and where iza's own cgroup is, from
 * /proc/self/mountinfo and /proc/self/cgroup. Handles pure v1, pure v2, hybrid (v1 controllers
 * plus a cgroup2 mount), co-mounted v1 controllers (`cpu,cpuacct`), named hierarchies (ignored)
 * and cgroup namespaces. A controller mounted on v1 is never reported as v2.
 */
export async function detectCgroupLayout(options: DetectOptions = {}): Promise<CgroupLayout> {
  const fs = options.fs ?? nodeCgroupFs;
  const fsRoot = options.fsRoot ?? '/';

  let mountinfo: string;
  let procCgroup: string;
  try {
    mountinfo = options.mountinfo ?? readFileSync('/proc/self/mountinfo', 'utf8');
    procCgroup = options.procSelfCgroup ?? readFileSync('/proc/self/cgroup', 'utf8');
  } catch (err) {
    throw new IzaError(CgroupErrorCode.DetectFailed, 'reading the cgroups of this process', {
      cause: err,
    });
  }

  const mounts = parseCgroupMounts(mountinfo);
  const paths = parseProcCgroup(procCgroup);
  const controllers: Partial<Record<string, ControllerPlacement>> = {};

  for (const mount of mounts.filter((m) => m.version === 1)) {
    const path = paths.get(mount.controllers[0] ?? '');
    if (path === undefined) continue;

    const mountPoint = join(fsRoot, mount.mountPoint);
    const currentPath = underMount(path, mount.root);
    const delegatable = !mount.readonly && (await fs.writable(join(mountPoint, currentPath)));

    for (const c of mount.controllers) {
      controllers[c] ??= { version: 1, mountPoint, currentPath, delegatable };
    }
  }

  const v2 = mounts.find((m) => m.version === 2);
  const v2Path = paths.get('');
  let unified: UnifiedMount | undefined;

  if (v2 !== undefined && v2Path !== undefined) {
    unified = await unifiedMount(v2, v2Path, fsRoot, fs);
    for (const c of unified.controllers) {
      controllers[c] ??= {
        version: 2,
        mountPoint: unified.mountPoint,
        currentPath: unified.currentPath,
        delegatable: unified.writable,
      };
    }
  }

  const hasV1 = mounts.some((m) => m.version === 1);
  if (!hasV1 && unified === undefined) {
    throw new IzaError(CgroupErrorCode.DetectFailed, 'no cgroup hierarchy is mounted', {
      hint: 'mount cgroup2 at /sys/fs/cgroup (or the v1 controllers) before running containers',
    });
  }

  const mode = !hasV1 ? 'v2' : unified === undefined ? 'v1' : 'hybrid';
  return unified === undefined ? { mode, controllers } : { mode, controllers, unified };
}
