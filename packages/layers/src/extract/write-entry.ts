import {
  closeSync,
  constants as fsc,
  ftruncateSync,
  linkSync,
  lstatSync,
  mkdirSync,
  openSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  writeSync,
} from 'node:fs';

import { constants as nativeConstants, mknod } from '@iza/ns-native';

import { badTar, unsafeEntry } from '../errors.js';
import { sparsePlacer } from '../tar/sparse.js';
import type { TarHeader } from '../tar/tar-header.js';
import { applyAttributes } from './attributes.js';
import { entryComponents } from './entry-path.js';
import type { ExtractContext } from './extract-context.js';
import { hideLowerChildren } from './whiteouts.js';
import { WRITE_BEHIND_MIN, writeFileBehind } from './write-behind.js';

// libuv adds O_CLOEXEC to every open.
const CREATE_FLAGS = fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL | fsc.O_NOFOLLOW;

/**
 * Writes one non-whiteout entry at `parentRel/base`. An existing non-directory there, or an
 * existing directory when the entry is not one, is removed first (image-spec layer.md); an
 * existing directory met by a directory entry only gets new attributes.
 */
export async function writeEntry(
  ctx: ExtractContext,
  parentRel: string,
  base: string,
  header: TarHeader,
  body: AsyncIterable<Buffer>,
): Promise<void> {
  const rel = parentRel === '' ? base : `${parentRel}/${base}`;
  const abs = ctx.resolver.abs(rel);
  // A file of this layer at the same path may still be written behind: finish it first.
  await ctx.files.settle(rel);

  if (header.type === 'char' || header.type === 'block') {
    if (!ctx.opts.canMknod) {
      ctx.opts.onWarning({
        code: 'DEVICE_SKIPPED',
        message: `skipped ${header.type} device ${header.devmajor}:${header.devminor}`,
        entry: header.name,
      });
      return;
    }
  }

  // Resolve a hardlink's target before anything is removed: `x` linked to itself must fail.
  const linkTarget = header.type === 'link' ? hardlinkTarget(ctx, header, rel) : undefined;

  const existing = lstatSync(abs, { throwIfNoEntry: false });
  if (existing !== undefined) {
    if (existing.isDirectory() && header.type === 'dir') {
      applyAttributes(ctx, abs, header);
      markWritten(ctx, rel, header);
      return;
    }
    // Files below a directory may still be written behind; none may outlive its removal.
    if (existing.isDirectory()) await ctx.files.settleAll();
    removePath(ctx, rel, existing.isDirectory());
  }

  switch (header.type) {
    case 'file':
      // A sparse entry's size is its real size, most of it holes: written here, at its offsets.
      if (header.size >= WRITE_BEHIND_MIN && header.sparse === undefined) {
        await writeFileBehind(ctx, rel, abs, header, body, CREATE_FLAGS);
      } else {
        await writeFile(ctx, abs, header, body);
      }
      break;
    case 'dir':
      mkdirSync(abs, 0o700);
      ctx.resolver.remember(rel);
      applyAttributes(ctx, abs, header);
      // After `.wh.x` in this layer, a directory x must not merge with the lower x.
      if (ctx.whitedOut?.has(rel) === true) hideLowerChildren(ctx, rel);
      break;
    case 'symlink':
      // Targets are stored verbatim, absolute ones included (SPECS §2.5); never followed here.
      symlinkSync(header.linkname, abs);
      applyAttributes(ctx, abs, header);
      break;
    case 'link':
      // link(2) does not follow a symlink at the target, so this links the entry itself.
      linkSync(ctx.resolver.abs(linkTarget as string), abs);
      break;
    case 'char':
    case 'block':
    case 'fifo':
      mknod(abs, deviceType(header) | header.mode, header.devmajor, header.devminor);
      applyAttributes(ctx, abs, header);
      break;
  }

  markWritten(ctx, rel, header);
}

/** Removes whatever is at `rel` (not following symlinks) and forgets cached directories in it. */
export function removePath(ctx: ExtractContext, rel: string, isDir: boolean): void {
  const abs = ctx.resolver.abs(rel);
  if (isDir) {
    rmSync(abs, { recursive: true, force: true });
    ctx.resolver.forget(rel);
    ctx.dirAttrs.delete(rel);
    const prefix = `${rel}/`;
    for (const k of ctx.dirAttrs.keys()) if (k.startsWith(prefix)) ctx.dirAttrs.delete(k);
  } else {
    unlinkSync(abs);
    ctx.resolver.forget(rel);
  }
}

function markWritten(ctx: ExtractContext, rel: string, header: TarHeader): void {
  const isDir = header.type === 'dir';
  ctx.written.set(rel, isDir);
  if (isDir) ctx.dirAttrs.set(rel, header);
}

/**
 * A hardlink names its target from the layer root (SPECS §2.5). The target must be a
 * non-directory written earlier by this same layer; anything else (outside the root, a lower
 * layer's file, a directory) is refused.
 */
function hardlinkTarget(ctx: ExtractContext, header: TarHeader, rel: string): string {
  const parts = entryComponents(header.linkname);
  const base = parts.pop();
  if (base === undefined) throw unsafeEntry(header.name, 'hardlink to the layer root');

  const parent = ctx.resolver.resolveDir(parts, 'lookup', header.name);
  const target = parent === null ? undefined : parent === '' ? base : `${parent}/${base}`;
  if (target === undefined || ctx.written.get(target) !== false) {
    throw unsafeEntry(
      header.name,
      `hardlink target '${header.linkname}' is not a file of this layer`,
    );
  }
  if (target === rel) throw badTar('hardlink to itself', header.name);
  return target;
}

async function writeFile(
  ctx: ExtractContext,
  abs: string,
  header: TarHeader,
  body: AsyncIterable<Buffer>,
): Promise<void> {
  const fd = openSync(abs, CREATE_FLAGS, 0o600);
  try {
    if (header.sparse !== undefined) {
      await writeSparse(fd, header, body);
      ctx.bytes += header.size;
    } else {
      for await (const chunk of body) {
        let off = 0;
        while (off < chunk.length) off += writeSync(fd, chunk, off, chunk.length - off);
        ctx.bytes += chunk.length;
      }
    }
    applyAttributes(ctx, abs, header, fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes a sparse entry's data segments at their offsets and sets the real size: the holes stay
 * holes, so a hostile map claiming terabytes of zeros costs no disk (as Go's reader seeks).
 */
async function writeSparse(fd: number, header: TarHeader, body: AsyncIterable<Buffer>) {
  const place = sparsePlacer(header.sparse ?? []);
  for await (const chunk of body) {
    for (const [position, bytes] of place(chunk)) {
      let off = 0;
      while (off < bytes.length) {
        off += writeSync(fd, bytes, off, bytes.length - off, position + off);
      }
    }
  }
  ftruncateSync(fd, header.size);
}

function deviceType(header: TarHeader): number {
  const c = nativeConstants();
  if (header.type === 'char') return c.S_IFCHR;
  if (header.type === 'block') return c.S_IFBLK;
  return c.S_IFIFO;
}
