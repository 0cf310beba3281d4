import { lstatSync } from 'node:fs';
import { resolve } from 'node:path';

import { IzaError, isIzaError } from '@iza/errors';
import { isSystemError } from '@iza/ns-native';

import { LayersErrorCode, badTar, noSpace, printable, unsafeEntry } from '../errors.js';
import { WriteBudget } from '../io/write-budget.js';
import { readTarEntries } from '../tar/tar-reader.js';
import { applyAttributes, applyDirFinal } from './attributes.js';
import { entryComponents } from './entry-path.js';
import type { ExtractContext, ExtractWarning } from './extract-context.js';
import { PendingFileError, PendingFiles } from './pending-files.js';
import { RootResolver } from './root-resolver.js';
import { WHITEOUT_PREFIX, applyWhiteout } from './whiteouts.js';
import { MAX_PENDING_FILES, WRITE_BEHIND_BYTES } from './write-behind.js';
import { writeEntry } from './write-entry.js';

/** Options for {@link extractLayer}. */
export interface ExtractOptions {
  /**
   * `overlay`: destDir is an empty per-layer directory in OverlayFS format (whiteouts become
   * 0/0 char devices, opaque dirs get `trusted.overlay.opaque=y`). `plain`: the layer is applied
   * as a changeset onto destDir, which holds the layers below (whiteouts delete).
   */
  format: 'overlay' | 'plain';
  /** Create char/block devices; when false they are skipped with a warning. Default: root. */
  canMknod?: boolean;
  /** Apply the tar's uid/gid with lchown. Default: root. */
  preserveOwners?: boolean;
  /**
   * Name of the opaque xattr in overlay format. Default `trusted.overlay.opaque`; use
   * `user.overlay.opaque` for an overlay mounted with `userxattr` (in a user namespace).
   */
  opaqueXattr?: string;
  /** Receives non-fatal events (skipped devices, dropped xattrs). */
  onWarning?: (warning: ExtractWarning) => void;
}

/** What one extraction did. */
export interface ExtractResult {
  /** Tar entries applied (whiteouts included, meta entries not). */
  entries: number;
  /** Bytes of regular-file content written: the layer's unpacked size. */
  size: number;
}

/**
 * Applies one uncompressed layer tar to `destDir` exactly and safely: nothing is ever written
 * outside `destDir` (see README, "Security"). Streams in constant memory; the source is read only
 * as fast as the disk takes it. `destDir` must exist and must not be modified by anyone else
 * while this runs.
 */
export async function extractLayer(
  tarStream: AsyncIterable<Uint8Array>,
  destDir: string,
  options: ExtractOptions,
): Promise<ExtractResult> {
  const root = resolve(destDir);
  const asRoot = process.getuid?.() === 0;
  const ctx: ExtractContext = {
    opts: {
      format: options.format,
      canMknod: options.canMknod ?? asRoot,
      preserveOwners: options.preserveOwners ?? asRoot,
      opaqueXattr: options.opaqueXattr ?? 'trusted.overlay.opaque',
      onWarning: options.onWarning ?? ignoreWarning,
    },
    resolver: new RootResolver(root, (rel) => ctx.written.set(rel, true)),
    written: new Map(),
    dirAttrs: new Map(),
    files: new PendingFiles(MAX_PENDING_FILES),
    budget: new WriteBudget(WRITE_BEHIND_BYTES),
    bytes: 0,
    entries: 0,
  };

  let current = '';
  try {
    for await (const { header, body } of readTarEntries(tarStream)) {
      current = header.name;
      await applyEntry(ctx, header, body);
      ctx.entries++;
    }

    current = '';
    await ctx.files.settleAll();
    finishDirectories(ctx);
  } catch (err) {
    // Nothing may still write into destDir once this returns: the caller removes it.
    await ctx.files.abandon();
    if (err instanceof PendingFileError) throw classify(err.cause, err.entry);
    throw classify(err, current);
  }

  return { entries: ctx.entries, size: ctx.bytes };
}

async function applyEntry(
  ctx: ExtractContext,
  header: Parameters<typeof applyAttributes>[2],
  body: AsyncIterable<Buffer>,
): Promise<void> {
  const parts = entryComponents(header.name);
  const base = parts.pop();

  if (base === undefined) {
    // The layer root itself ("./"): only a directory may describe it.
    if (header.type !== 'dir') throw unsafeEntry(header.name, 'non-directory at the layer root');
    applyAttributes(ctx, ctx.resolver.root, header);
    ctx.dirAttrs.set('', header);
    return;
  }

  if (base.startsWith(WHITEOUT_PREFIX)) {
    // A whiteout may remove a directory holding files still written behind.
    await ctx.files.settleAll();
    applyWhiteout(ctx, parts, base, header);
    return;
  }

  const parent = ctx.resolver.resolveDir(parts, 'create', header.name);
  await writeEntry(ctx, parent as string, base, header, body);
}

function ignoreWarning(): void {
  // Warnings are optional to observe; the default drops them.
}

/** Directory modes and mtimes go last, deepest first, so later writes do not bump them. */
function finishDirectories(ctx: ExtractContext): void {
  const dirs = [...ctx.dirAttrs.entries()].reverse();
  for (const [rel, header] of dirs) {
    const abs = ctx.resolver.abs(rel);
    // A directory replaced later by another type has been removed from dirAttrs; this lstat is a
    // second guard so chmod (which follows symlinks) only ever touches a real directory.
    if (lstatSync(abs, { throwIfNoEntry: false })?.isDirectory() !== true) continue;
    applyDirFinal(abs, header);
  }
}

function classify(err: unknown, entry: string): unknown {
  if (isIzaError(err)) return err;
  if (isSystemError(err, 'ENOSPC', 'EDQUOT')) return noSpace('extracting a layer', err);
  if (isSystemError(err, 'ENAMETOOLONG', 'ELOOP')) {
    return badTar((err as Error).message, entry === '' ? undefined : entry);
  }

  const what = entry === '' ? 'finishing directories' : `extracting '${printable(entry)}'`;
  return new IzaError(LayersErrorCode.ExtractFailed, what, { cause: err, details: { entry } });
}
