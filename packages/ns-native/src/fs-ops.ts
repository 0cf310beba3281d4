import { loadBinding } from './load.js';

/** mount(2). `flags` is a bitwise OR of `constants.MS_*`. Throws a system error on failure. */
export function mount(
  source: string | null,
  target: string,
  fstype: string | null,
  flags: number,
  data: string | null = null,
): void {
  loadBinding().mount(source, target, fstype, flags, data);
}

/** umount2(2). `flags` is a bitwise OR of `constants.MNT_*`. */
export function umount2(target: string, flags = 0): void {
  loadBinding().umount2(target, flags);
}

/**
 * mknod(2): `mode` includes the file type (`S_IFCHR`, `S_IFBLK`, `S_IFIFO`) and permission
 * bits (subject to the umask, as for every mknod).
 */
export function mknod(path: string, mode: number, major = 0, minor = 0): void {
  loadBinding().mknod(path, mode, major, minor);
}

/** lsetxattr(2): sets an extended attribute without following a final symlink. */
export function lsetxattr(path: string, name: string, value: Buffer | string, flags = 0): void {
  loadBinding().lsetxattr(path, name, Buffer.isBuffer(value) ? value : Buffer.from(value), flags);
}

/** lgetxattr(2): the attribute's value, or null when the file has no such attribute. */
export function lgetxattr(path: string, name: string): Buffer | null {
  return loadBinding().lgetxattr(path, name);
}

/** llistxattr(2): the names of every extended attribute of `path` (symlinks not followed). */
export function llistxattr(path: string): string[] {
  return loadBinding().llistxattr(path);
}

/** lremovexattr(2). */
export function lremovexattr(path: string, name: string): void {
  loadBinding().lremovexattr(path, name);
}

/**
 * flock(2) on an open fd. Returns false when `LOCK_NB` was given and the lock is held elsewhere.
 * Without `LOCK_NB` it blocks the calling thread: use it only where waiting is acceptable.
 */
export function flock(fd: number, operation: number): boolean {
  return loadBinding().flock(fd, operation);
}

/** The kernel constants the functions above take (MS_*, MNT_*, LOCK_*, XATTR_*, S_IF*). */
export function constants() {
  return loadBinding().constants;
}
