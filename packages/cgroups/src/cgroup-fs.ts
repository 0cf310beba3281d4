import {
  accessSync,
  closeSync,
  constants,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  writeSync,
} from 'node:fs';

/**
 * The file operations cgroup code makes. The default goes to the real cgroupfs; tests pass a
 * temp dir laid out like cgroupfs, or a fake that records writes and enforces v2 rules.
 */
export interface CgroupFs {
  /** File contents; rejects with ENOENT when missing. */
  read(path: string): Promise<string>;
  /** Writes to an existing file, never creating it (cgroupfs files cannot be created). */
  write(path: string, data: string): Promise<void>;
  /** mkdir(2); true when this call created it, false when it already existed. */
  mkdir(path: string): Promise<boolean>;
  rmdir(path: string): Promise<void>;
  exists(path: string): Promise<boolean>;
  writable(path: string): Promise<boolean>;
  /** Names of the subdirectories (child cgroups) of `path`. */
  subdirs(path: string): Promise<string[]>;
}

/**
 * The real filesystem. Synchronous calls behind the asynchronous interface: cgroupfs answers
 * from memory, and each thread-pool round trip of the asynchronous calls cost more than the call
 * (a container's six cgroups take some 40 of them to create and remove). A write that waits in
 * the kernel (a pid into cgroup.procs, a lower memory.max that reclaims) holds the event loop.
 */
export const nodeCgroupFs: CgroupFs = {
  read: async (path) => readFileSync(path, 'utf8'),

  // O_WRONLY without O_CREAT: a missing file is an error, and kernfs refuses O_RDWR on
  // write-only files such as cgroup.kill.
  write: async (path, data) => {
    const fd = openSync(path, constants.O_WRONLY | constants.O_TRUNC);
    try {
      writeSync(fd, data);
    } finally {
      closeSync(fd);
    }
  },

  async mkdir(path) {
    try {
      mkdirSync(path);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw err;
    }
  },

  rmdir: async (path) => {
    rmdirSync(path);
  },

  exists: async (path) => existsSync(path),

  writable: async (path) => {
    try {
      accessSync(path, constants.W_OK);
      return true;
    } catch {
      return false;
    }
  },

  async subdirs(path) {
    const entries = readdirSync(path, { withFileTypes: true });
    return entries.filter((e) => e.isDirectory()).map((e) => e.name);
  },
};

/** True when `err` is a Node system error with one of `codes`. */
export function hasCode(err: unknown, ...codes: string[]): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && codes.includes(code);
}
