import { lchownSync, lstatSync, readdirSync } from 'node:fs';

import { constants as nativeConstants, lsetxattr, mknod } from '@iza/ns-native';

import { badTar, unsafeEntry } from '../errors.js';
import type { TarHeader } from '../tar/tar-header.js';
import type { ExtractContext } from './extract-context.js';
import { removePath } from './write-entry.js';

export const WHITEOUT_PREFIX = '.wh.';
export const OPAQUE_MARKER = '.wh..wh..opq';

/**
 * Applies a whiteout entry named `base` in the directory `parts` (image-spec layer.md,
 * "Whiteouts"). In overlay format it becomes what overlayfs reads (a 0/0 char device, or the
 * opaque xattr on the directory); in plain format it deletes from the lower layers already in the
 * destination. Either way a whiteout hides only lower layers: a path this layer wrote survives.
 */
export function applyWhiteout(
  ctx: ExtractContext,
  parts: readonly string[],
  base: string,
  header: TarHeader,
): void {
  if (base === OPAQUE_MARKER) {
    applyOpaque(ctx, parts, header);
    return;
  }

  const name = base.slice(WHITEOUT_PREFIX.length);
  if (name === '') throw badTar("bare '.wh.' whiteout", header.name);
  if (name === '.' || name === '..') throw unsafeEntry(header.name, 'whiteout of . or ..');
  // Other .wh..wh.* names are AUFS metadata (moby go-archive diff.go skips them).
  if (name.startsWith(WHITEOUT_PREFIX)) return;

  const overlay = ctx.opts.format === 'overlay';
  const parent = ctx.resolver.resolveDir(parts, overlay ? 'create-or-null' : 'lookup', header.name);
  // Nothing can hide below a missing directory or below a file.
  if (parent === null) return;

  const rel = parent === '' ? name : `${parent}/${name}`;
  (ctx.whitedOut ??= new Set()).add(rel);
  // `.wh.x` beside this layer's own x: the lower x goes, this layer's stays (image-spec
  // layer.md). When that x is a directory, the lower one's children must go with it.
  const mine = ctx.written.get(rel);
  if (mine === true) hideLowerChildren(ctx, rel);
  if (mine !== undefined) return;

  const existing = lstatSync(ctx.resolver.abs(rel), { throwIfNoEntry: false });
  if (existing !== undefined) removePath(ctx, rel, existing.isDirectory());
  if (!overlay) return;

  const abs = ctx.resolver.abs(rel);
  mknod(abs, nativeConstants().S_IFCHR, 0, 0);
  // As moby's overlay whiteout converter: keep a non-root owner of the whiteout.
  if (ctx.opts.preserveOwners && (header.uid !== 0 || header.gid !== 0)) {
    lchownSync(abs, header.uid, header.gid);
  }
}

function applyOpaque(ctx: ExtractContext, parts: readonly string[], header: TarHeader): void {
  const overlay = ctx.opts.format === 'overlay';
  const dir = ctx.resolver.resolveDir(parts, overlay ? 'create-or-null' : 'lookup', header.name);
  if (dir === null) return;

  hideLowerChildren(ctx, dir);
  if (!ctx.written.has(dir)) ctx.written.set(dir, true);
}

/** Hides what lower layers hold below the directory `dir`, keeping this layer's children. */
export function hideLowerChildren(ctx: ExtractContext, dir: string): void {
  if (ctx.opts.format === 'overlay') lsetxattr(ctx.resolver.abs(dir), ctx.opts.opaqueXattr, 'y');
  else clearLowerChildren(ctx, dir);
}

/**
 * Opaque applies first wherever the marker appears, so children already written by this layer
 * stay and everything else below the directory goes (image-spec layer.md, "Opaque Whiteout").
 */
function clearLowerChildren(ctx: ExtractContext, dir: string): void {
  const entries = readdirSync(ctx.resolver.abs(dir), { withFileTypes: true });
  for (const e of entries) {
    const rel = dir === '' ? e.name : `${dir}/${e.name}`;
    const mine = ctx.written.get(rel);
    if (mine === undefined) removePath(ctx, rel, e.isDirectory());
    else if (mine && e.isDirectory()) clearLowerChildren(ctx, rel);
  }
}
