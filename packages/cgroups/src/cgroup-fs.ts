import { constants } from 'node:fs';
import { access, mkdir, readdir, readFile, rmdir, writeFile } from 'node:fs/promises';

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

/** The real filesystem. */
export const nodeCgroupFs: CgroupFs = {
  read: (path) => readFile(path, 'utf8'),

  // O_WRONLY without O_CREAT: a missing file is an error, and kernfs refuses O_RDWR on
  // write-only files such as cgroup.kill.
  write: (path, data) => writeFile(path, data, { flag: constants.O_WRONLY | constants.O_TRUNC }),

  async mkdir(path) {
    try {
      await mkdir(path);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw err;
    }
  },

  rmdir: (path) => rmdir(path),

  exists: (path) =>
    access(path).then(
      () => true,
      () => false,
    ),

  writable: (path) =>
    access(path, constants.W_OK).then(
      () => true,
      () => false,
    ),

  async subdirs(path) {
    const entries = await readdir(path, { withFileTypes: true });
    return entries.filter((e) => e.isDirectory()).map((e) => e.name);
  },
};

/** True when `err` is a Node system error with one of `codes`. */
export function hasCode(err: unknown, ...codes: string[]): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && codes.includes(code);
}
