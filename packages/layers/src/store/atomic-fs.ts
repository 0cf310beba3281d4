import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/** A unique name in tmp for a small file write by this process (recover() knows the shape). */
export function tmpFileName(tmpDir: string): string {
  return join(tmpDir, `file~${process.pid}~${randomBytes(6).toString('hex')}`);
}

/** fsync(2) a directory so a rename inside it survives a power cut. */
export function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Writes `bytes` to `dest` atomically: tmp file, fsync, rename, fsync the directory. */
export function writeFileAtomic(
  tmpDir: string,
  dest: string,
  bytes: Uint8Array,
  dir: string,
): void {
  const tmp = tmpFileName(tmpDir);
  try {
    const fd = openSync(tmp, 'wx', 0o644);
    try {
      let off = 0;
      while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, dest);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
  fsyncDir(dir);
}
