import { join } from 'node:path';
import type { CgroupFs } from './cgroup-fs.js';
import { hasCode } from './cgroup-fs.js';
import type { CgroupPart } from './cgroup-part.js';
import {
  readProcs,
  removeAncestors,
  removeBelowIza,
  removeIzaRoot,
  removeLeaf,
  wrapWrite,
} from './cgroup-part.js';
import type { CgroupStats } from './resources.js';
import { readOomKillsV1, statsV1 } from './v1/read-v1.js';
import { readOomKillsV2, statsV2 } from './v2/read-v2.js';

/** A container's cgroup: one leaf per hierarchy in use, all created by iza. */
export interface Cgroup {
  readonly name: string;
  /** Leaf directory per controller, plus `unified` for the v2 leaf when there is one. */
  readonly paths: Readonly<Record<string, string>>;
  /**
   * Directories above the leaves that this create made (outermost first per hierarchy), for a
   * caller that removes the cgroup from another process than the one that created it.
   */
  readonly createdAncestors: readonly string[];
  /** Moves `pid` into every hierarchy (writes each leaf's cgroup.procs). */
  addProcess(pid: number): Promise<void>;
  /** The pids in the cgroup (union over hierarchies). */
  pids(): Promise<number[]>;
  /** OOM kills so far (v2 memory.events `oom_kill`, v1 memory.oom_control); 0 without memory. */
  readOomKills(): Promise<number>;
  stats(): Promise<CgroupStats>;
  /**
   * Signals every process in the cgroup: `cgroup.kill` on v2 for SIGKILL when the kernel has
   * it (Linux 5.14), else each pid listed in cgroup.procs. Default SIGKILL.
   */
  killAll(signal?: NodeJS.Signals | number): Promise<void>;
  /**
   * Removes every directory this cgroup created, leaves first, retrying EBUSY while processes
   * drain, up to `timeoutMs` (default 5000); then ERR_IZA_CGROUPS_DESTROY_FAILED. Idempotent.
   */
  destroy(options?: { timeoutMs?: number }): Promise<void>;
}

/**
 * Builds the {@link Cgroup} over the parts the v1 and v2 managers created. `release` runs after
 * the leaves are gone, to undo what iza changed around them when it is the last one out.
 */
export function createCgroupHandle(
  fs: CgroupFs,
  name: string,
  parts: CgroupPart[],
  release: () => Promise<void> = async () => undefined,
): Cgroup {
  const paths: Record<string, string> = {};
  for (const part of parts) {
    if (part.version === 2) paths['unified'] = part.dir;
    for (const c of part.controllers) paths[c] ??= part.dir;
  }

  const memoryPart = parts.find((p) => p.controllers.includes('memory'));

  return {
    name,
    createdAncestors: parts.flatMap((p) => p.createdAncestors),
    paths,

    async addProcess(pid) {
      for (const part of parts) {
        const file = join(part.dir, 'cgroup.procs');
        await wrapWrite(`adding pid ${pid} to ${part.dir}`, () => fs.write(file, String(pid)));
      }
    },

    async pids() {
      const all = new Set<number>();
      for (const part of parts) for (const pid of await readProcs(fs, part.dir)) all.add(pid);
      return [...all];
    },

    async readOomKills() {
      if (memoryPart === undefined) return 0;
      return memoryPart.version === 2
        ? readOomKillsV2(fs, memoryPart.dir)
        : readOomKillsV1(fs, memoryPart.dir);
    },

    async stats() {
      const stats: CgroupStats = {};
      // v2 first: where a figure exists in both, the v1 hierarchy that owns the controller wins.
      for (const part of [...parts].sort((a, b) => b.version - a.version)) {
        const s =
          part.version === 2
            ? await statsV2(fs, part.dir, part.controllers)
            : await statsV1(fs, part.dir, part.controllers);
        Object.assign(stats, s);
      }
      return stats;
    },

    async killAll(signal = 'SIGKILL') {
      const v2 = parts.find((p) => p.version === 2);
      const isKill = signal === 'SIGKILL' || signal === 9;
      if (isKill && v2 !== undefined && (await fs.exists(join(v2.dir, 'cgroup.kill')))) {
        await wrapWrite(`killing ${v2.dir}`, () => fs.write(join(v2.dir, 'cgroup.kill'), '1'));
        return;
      }

      for (const pid of await this.pids()) {
        try {
          process.kill(pid, signal);
        } catch (err) {
          // Exited between reading cgroup.procs and the signal.
          if (!hasCode(err, 'ESRCH')) throw err;
        }
      }
    },

    async destroy(options = {}) {
      const deadline = Date.now() + (options.timeoutMs ?? 5000);
      for (const part of parts) await removeLeaf(fs, part.dir, deadline);
      // Directories between `iza` and the leaf go first: the v2 delegation is only undone once
      // `iza` has no child left but iza's own.
      for (const part of parts) await removeBelowIza(fs, part);
      await release();
      for (const part of parts) await removeAncestors(fs, part.createdAncestors);
      // The shared `iza` directory may have been made by an earlier run; it is iza's own, so
      // the last container out removes it (busy while other containers are in it).
      for (const part of parts) if (part.izaDir !== undefined) await removeIzaRoot(fs, part.izaDir);
    },
  };
}
