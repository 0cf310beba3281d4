import { chmodSync, fchmodSync, fchownSync, futimesSync, lchownSync, lutimesSync } from 'node:fs';

import { isSystemError, lsetxattr } from '@iza/ns-native';

import type { TarHeader } from '../tar/tar-header.js';
import type { ExtractContext } from './extract-context.js';

/**
 * Sets owner, mode, xattrs and mtime on a path that was just created, never following a final
 * symlink. Order matters: chown before chmod (chown clears setuid/setgid, chown(2)), and xattrs
 * after chown (chown drops security.capability), mtime last.
 */
export function applyAttributes(
  ctx: ExtractContext,
  abs: string,
  header: TarHeader,
  fd?: number,
): void {
  const isLink = header.type === 'symlink';

  if (ctx.opts.preserveOwners) {
    if (fd !== undefined) fchownSync(fd, header.uid, header.gid);
    else lchownSync(abs, header.uid, header.gid);
  }

  // Symlinks have no mode of their own on Linux; chmod would follow them.
  if (!isLink && header.type !== 'dir') {
    if (fd !== undefined) fchmodSync(fd, header.mode);
    else chmodSync(abs, header.mode);
  }

  applyXattrs(ctx, abs, header);

  if (header.type === 'dir') return;
  if (fd !== undefined) futimesSync(fd, header.mtime, header.mtime);
  else lutimesSync(abs, header.mtime, header.mtime);
}

/** Applies a directory's mode and mtime; called after everything inside it is written. */
export function applyDirFinal(abs: string, header: TarHeader): void {
  chmodSync(abs, header.mode);
  lutimesSync(abs, header.mtime, header.mtime);
}

function applyXattrs(ctx: ExtractContext, abs: string, header: TarHeader): void {
  for (const [name, value] of header.xattrs) {
    // overlayfs.rst warns that untrusted redirect/metacopy xattrs can expose lower files.
    if (name.startsWith('trusted.overlay.') || name.startsWith('user.overlay.')) {
      ctx.opts.onWarning({
        code: 'XATTR_DROPPED',
        message: `dropped overlay xattr ${name}`,
        entry: header.name,
      });
      continue;
    }

    try {
      lsetxattr(abs, name, value);
    } catch (err) {
      // As moby: a filesystem without xattrs, or user.* on a symlink, is not fatal.
      if (!isSystemError(err, 'ENOTSUP', 'EOPNOTSUPP', 'EPERM')) throw err;
      ctx.opts.onWarning({
        code: 'XATTR_FAILED',
        message: `could not set xattr ${name}: ${(err as Error).message}`,
        entry: header.name,
      });
    }
  }
}
