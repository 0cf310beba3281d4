import type { Stats } from 'node:fs';
import { constants as fsConstants } from 'node:fs';
import { chmod, lchown, link, lutimes, open, readlink, symlink } from 'node:fs/promises';
import { isSystemError, lgetxattr, llistxattr, lsetxattr, mknod } from '@iza/ns-native';

const S_IFMT = 0o170000;

// Overlay's own xattrs steer the kernel and are hidden in the merged view (overlayfs.rst).
const HIDDEN_XATTR_PREFIXES = ['trusted.overlay.', 'user.overlay.'];

/** Per-layer map from a source inode (`dev:ino`) to the first path it was copied to. */
export type HardlinkMap = Map<string, string>;

/** The device major/minor encoded in `rdev` (glibc sys/sysmacros.h gnu_dev_major/minor). */
export function splitDevice(rdev: number): { major: number; minor: number } {
  const high = Math.floor(rdev / 2 ** 32);
  const low = rdev >>> 0;
  const major = ((low >>> 8) & 0xfff) | ((high & 0xfffff000) >>> 0);
  const minor = (low & 0xff) | ((low >>> 12) & 0xfff00);
  return { major, minor };
}

/** True for an OverlayFS whiteout: a character device 0/0. */
export function isWhiteout(st: Stats): boolean {
  return st.isCharacterDevice() && st.rdev === 0;
}

const ZERO = Buffer.alloc(1 << 20);

function isZero(buf: Buffer, length: number): boolean {
  return buf.compare(ZERO, 0, length, 0, length) === 0;
}

async function copyFileContents(src: string, dst: string, st: Stats): Promise<void> {
  // O_NOFOLLOW on both ends: a layer entry swapped for a symlink must fail, never be followed.
  const input = await open(src, fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW);
  try {
    const now = await input.stat();
    if (!now.isFile() || now.ino !== st.ino) throw new Error(`layer file changed: ${src}`);

    const flags =
      fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL | fsConstants.O_NOFOLLOW;
    const output = await open(dst, flags, 0o600);
    try {
      // All-zero blocks are skipped and the size set at the end, so a sparse layer file (GNU
      // sparse entries are unpacked with holes) stays sparse instead of filling the disk.
      // LIMITATION: the holes are still read as zeros, so copying one costs CPU time in
      // proportion to its apparent size (Node has no SEEK_DATA).
      const buf = Buffer.allocUnsafe(1 << 20);
      let position = 0;
      for (;;) {
        const { bytesRead } = await input.read(buf, 0, buf.length, null);
        if (bytesRead === 0) break;
        if (!isZero(buf, bytesRead)) await output.write(buf, 0, bytesRead, position);
        position += bytesRead;
      }
      await output.truncate(position);
    } finally {
      await output.close();
    }
  } finally {
    await input.close();
  }
}

/**
 * Creates `dst` as a copy of the non-directory `src` (already lstat'ed as `st`). Returns false
 * when `dst` became a hardlink to an earlier copy, whose attributes are already set.
 */
export async function createEntry(
  src: string,
  dst: string,
  st: Stats,
  links: HardlinkMap,
): Promise<boolean> {
  if (st.isFile()) {
    const key = `${st.dev}:${st.ino}`;
    const first = st.nlink > 1 ? links.get(key) : undefined;
    if (first !== undefined) {
      await link(first, dst);
      return false;
    }

    await copyFileContents(src, dst, st);
    if (st.nlink > 1) links.set(key, dst);
    return true;
  }

  if (st.isSymbolicLink()) {
    // Stored verbatim: containment applies when a link is followed, not when it is created.
    await symlink(await readlink(src), dst);
    return true;
  }

  const { major, minor } = splitDevice(st.rdev);
  mknod(dst, (st.mode & S_IFMT) | 0o600, major, minor);
  return true;
}

function copyXattrs(src: string, dst: string, symlinkEntry: boolean): void {
  for (const name of llistxattr(src)) {
    if (HIDDEN_XATTR_PREFIXES.some((p) => name.startsWith(p))) continue;

    const value = lgetxattr(src, name);
    if (value === null) continue;

    try {
      lsetxattr(dst, name, value);
    } catch (err) {
      // xattr(7): user.* is not permitted on symlinks; the kernel would refuse it anywhere.
      if (symlinkEntry && isSystemError(err, 'EPERM', 'ENOTSUP')) continue;
      throw err;
    }
  }
}

/**
 * Gives `dst` the owner, mode, xattrs and times of `st`/`src`. Owner first: chown(2) clears
 * setuid/setgid and file capabilities, so mode and xattrs must come after it.
 */
export async function applyAttributes(src: string, dst: string, st: Stats): Promise<void> {
  const isLink = st.isSymbolicLink();

  await lchown(dst, st.uid, st.gid);
  if (!isLink) await chmod(dst, st.mode & 0o7777);
  copyXattrs(src, dst, isLink);
  await lutimes(dst, st.atimeMs / 1000, st.mtimeMs / 1000);
}
