import { mkdir, mkdtemp, readdir, readFile, rm, rmdir, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import type { CgroupFs } from '../cgroup-fs.js';
import { nodeCgroupFs } from '../cgroup-fs.js';

/** Files the kernel creates in a new v2 cgroup, per controller enabled by its parent. */
const V2_FILES: Record<string, string[]> = {
  memory: [
    'memory.max',
    'memory.low',
    'memory.swap.max',
    'memory.current',
    'memory.peak',
    'memory.events',
  ],
  cpu: ['cpu.max', 'cpu.weight'],
  pids: ['pids.max', 'pids.current'],
  cpuset: ['cpuset.cpus', 'cpuset.mems'],
};

/** cgroup-v2.rst "Threads": controllers that may be enabled beside processes. */
const THREADED = new Set(['cpu', 'cpuset', 'pids', 'perf_event']);

function sysError(code: string, syscall: string, path: string): Error {
  return Object.assign(new Error(`${code}: ${syscall} '${path}'`), { code, syscall, path });
}

/** A temp dir laid out like cgroupfs, whose fs enforces the v2 rules and records every write. */
export interface FakeCgroupFs extends CgroupFs {
  root: string;
  /** Successful writes and mkdirs, in order: `write <path> <data>` / `mkdir <path>`. */
  log: string[];
  /** Creates a cgroup directory as the kernel would, outside the log (host set-up). */
  seed(path: string, files?: Record<string, string>): Promise<void>;
  cleanup(): Promise<void>;
}

/**
 * `v2Root`: where cgroup2 is mounted (relative to the temp root); `v1Files`: per v1 mount
 * point, the interface files the kernel puts in each new directory.
 */
export async function createFakeCgroupFs(config: {
  v2Root?: string;
  v1Files?: Record<string, string[]>;
}): Promise<FakeCgroupFs> {
  const root = await mkdtemp(join(tmpdir(), 'iza-cgroupfs-'));
  const v2Root = config.v2Root === undefined ? undefined : join(root, config.v2Root);
  const log: string[] = [];
  const rel = (p: string) => p.slice(root.length);

  const isV2 = (p: string) => v2Root !== undefined && (p === v2Root || p.startsWith(`${v2Root}/`));
  const words = async (p: string) =>
    (await readFile(p, 'utf8').catch(() => '')).split(/\s+/).filter((w) => w !== '');

  async function createControlFiles(dir: string): Promise<void> {
    if (isV2(dir)) {
      const inherited =
        dir === v2Root ? [] : await words(join(dirname(dir), 'cgroup.subtree_control'));
      const files: Record<string, string> = {
        'cgroup.procs': '',
        'cgroup.subtree_control': '',
        'cgroup.controllers': inherited.join(' '),
        'cgroup.kill': '',
        'cpu.stat': 'usage_usec 0\n',
      };
      // cgroup-v2.rst: every cgroup but the root has cgroup.type.
      if (dir !== v2Root) files['cgroup.type'] = 'domain';
      for (const c of inherited) for (const f of V2_FILES[c] ?? []) files[f] = '';
      if (inherited.includes('memory')) files['memory.events'] = 'oom 0\noom_kill 0\n';
      for (const [f, v] of Object.entries(files)) await writeFile(join(dir, f), v);
      return;
    }

    for (const [mount, files] of Object.entries(config.v1Files ?? {})) {
      if (!dir.startsWith(join(root, mount))) continue;
      for (const f of ['cgroup.procs', ...files]) await writeFile(join(dir, f), '');
    }
  }

  async function allV2Dirs(dir: string): Promise<string[]> {
    const out = [dir];
    for (const e of await readdir(dir, { withFileTypes: true })) {
      if (e.isDirectory()) out.push(...(await allV2Dirs(join(dir, e.name))));
    }
    return out;
  }

  const childDirs = async (dir: string) =>
    (await readdir(dir, { withFileTypes: true }))
      .filter((e) => e.isDirectory())
      .map((e) => join(dir, e.name));

  /** cgroup-v2.rst "Threads": a domain with processes and threaded controllers enabled. */
  async function isThreadRoot(dir: string): Promise<boolean> {
    if (dir === v2Root || (await words(join(dir, 'cgroup.procs'))).length === 0) return false;
    return (await words(join(dir, 'cgroup.subtree_control'))).some((c) => THREADED.has(c));
  }

  /** Below a thread root a new cgroup is "domain invalid": it can host nothing. */
  async function isDomainInvalid(dir: string): Promise<boolean> {
    for (let d = dirname(dir); d !== v2Root && isV2(d); d = dirname(d)) {
      if (await isThreadRoot(d)) return true;
    }
    return false;
  }

  /** cgroup_vet_subtree_control_enable and the disable check of cgroup_subtree_control_write. */
  async function writeSubtreeControl(dir: string, data: string): Promise<void> {
    const path = join(dir, 'cgroup.subtree_control');
    const wordsIn = data.split(/\s+/).filter((x) => x !== '');
    const enabling = wordsIn.filter((w) => w.startsWith('+')).map((w) => w.slice(1));
    const domain = enabling.some((c) => !THREADED.has(c));
    const hasProcs = dir !== v2Root && (await words(join(dir, 'cgroup.procs'))).length > 0;

    if (enabling.length > 0 && (await isDomainInvalid(dir)))
      throw sysError('ENOTSUP', 'write', path);
    if (domain && (await isThreadRoot(dir))) throw sysError('ENOTSUP', 'write', path);
    // No internal processes: only threaded controllers may sit beside processes.
    if (domain && hasProcs) throw sysError('EBUSY', 'write', path);

    const available = await words(join(dir, 'cgroup.controllers'));
    const enabled = new Set(await words(path));
    for (const w of wordsIn) {
      const c = w.slice(1);
      if (!available.includes(c)) throw sysError('ENOENT', 'write', path);
      if (w.startsWith('+')) {
        enabled.add(c);
        continue;
      }
      // A controller a child still passes down cannot be taken from it.
      for (const child of await childDirs(dir)) {
        if ((await words(join(child, 'cgroup.subtree_control'))).includes(c)) {
          throw sysError('EBUSY', 'write', path);
        }
      }
      enabled.delete(c);
    }
    await writeFile(path, [...enabled].join(' '));

    // The kernel updates children at once: their cgroup.controllers and interface files.
    for (const child of await childDirs(dir)) {
      await writeFile(join(child, 'cgroup.controllers'), [...enabled].join(' '));
      for (const [c, files] of Object.entries(V2_FILES)) {
        for (const f of files) {
          const file = join(child, f);
          const present = await nodeCgroupFs.exists(file);
          if (enabled.has(c) && !present) await writeFile(file, '');
          if (!enabled.has(c) && present) await unlink(file);
        }
      }
    }
  }

  /** cgroup_migrate_vet_dst: where a process may be moved. */
  async function vetMigration(dir: string, path: string): Promise<void> {
    if (dir === v2Root) return;
    if (await isDomainInvalid(dir)) throw sysError('ENOTSUP', 'write', path);

    const enabled = await words(join(dir, 'cgroup.subtree_control'));
    if (enabled.some((c) => !THREADED.has(c))) throw sysError('EBUSY', 'write', path);
    if (enabled.length === 0) return;
    // Threaded controllers only: it may become a thread root unless a domain child is populated.
    for (const child of await childDirs(dir)) {
      if ((await words(join(child, 'cgroup.procs'))).length > 0) {
        throw sysError('EBUSY', 'write', path);
      }
    }
  }

  async function writeV2(path: string, data: string): Promise<void> {
    const dir = dirname(path);
    const file = basename(path);

    if (file === 'cgroup.subtree_control') {
      await writeSubtreeControl(dir, data);
      return;
    }

    if (file === 'cgroup.procs') {
      await vetMigration(dir, path);
      // A process is in exactly one cgroup: it leaves the old one.
      for (const d of await allV2Dirs(v2Root as string)) {
        const procs = await words(join(d, 'cgroup.procs'));
        if (procs.includes(data))
          await writeFile(join(d, 'cgroup.procs'), procs.filter((p) => p !== data).join('\n'));
      }
      const procs = await words(path);
      await writeFile(path, [...procs, data].join('\n'));
      return;
    }

    await writeFile(path, data);
  }

  return {
    root,
    log,
    read: nodeCgroupFs.read,
    exists: nodeCgroupFs.exists,
    writable: nodeCgroupFs.writable,
    subdirs: nodeCgroupFs.subdirs,

    async write(path, data) {
      if (!(await nodeCgroupFs.exists(path))) throw sysError('ENOENT', 'open', path);
      if (isV2(path)) await writeV2(path, data);
      else if (basename(path) === 'cgroup.procs') {
        await writeFile(path, [...(await words(path)), data].join('\n'));
      } else await writeFile(path, data);
      log.push(`write ${rel(path)} ${data}`);
    },

    async mkdir(path) {
      const created = await nodeCgroupFs.mkdir(path);
      if (created) {
        await createControlFiles(path);
        log.push(`mkdir ${rel(path)}`);
      }
      return created;
    },

    async rmdir(path) {
      const entries = await readdir(path, { withFileTypes: true }).catch(() => {
        throw sysError('ENOENT', 'rmdir', path);
      });
      if (entries.some((e) => e.isDirectory())) throw sysError('EBUSY', 'rmdir', path);
      if ((await words(join(path, 'cgroup.procs'))).length > 0)
        throw sysError('EBUSY', 'rmdir', path);
      for (const e of entries) await unlink(join(path, e.name));
      await rmdir(path);
      log.push(`rmdir ${rel(path)}`);
    },

    async seed(path, files = {}) {
      const dir = join(root, path);
      await mkdir(dir, { recursive: true });
      await createControlFiles(dir);
      for (const [f, v] of Object.entries(files)) await writeFile(join(dir, f), v);
    },

    cleanup: () => rm(root, { recursive: true, force: true }),
  };
}
