import { lstatSync, mkdirSync, readlinkSync } from 'node:fs';

import { badTar, unsafeEntry } from '../errors.js';

/** What to do when a parent component is missing or is not a directory. */
export type ResolveMode =
  /** Create missing directories; a non-directory parent is an error. */
  | 'create'
  /** Create missing directories; a non-directory parent yields null. */
  | 'create-or-null'
  /** Create nothing; a missing or non-directory parent yields null. */
  | 'lookup';

/** Symlinks followed while resolving one path, as Linux's MAXSYMLINKS. */
const MAX_HOPS = 40;

/**
 * Resolves parent directories inside a root the way a chroot would (securejoin semantics): a
 * symlink met on the way is followed, but an absolute target restarts at the root and `..` stops
 * at the root, so no resolution can leave it. The final component is never resolved here; callers
 * create or modify it with calls that do not follow symlinks.
 *
 * Directories confirmed real (lstat said directory) are cached by their resolved path; callers
 * must call {@link forget} whenever they remove or replace a path, so that a directory swapped for
 * a symlink (CVE-2021-32803) is looked at again.
 */
export class RootResolver {
  private readonly dirs = new Set<string>(['']);
  /**
   * Symlinks already followed to a real directory: resolved path of the link → resolved path of
   * its target. Without it, a link whose target has a thousand components made every entry
   * below it walk them again (a 1 MB layer took 15 s). Cleared whenever anything is removed.
   */
  private readonly links = new Map<string, string>();

  constructor(
    readonly root: string,
    /** Called with the resolved path of every directory this resolver creates. */
    private readonly onCreate?: (rel: string) => void,
  ) {}

  /** Absolute path of a resolved relative path. */
  abs(rel: string): string {
    return rel === '' ? this.root : `${this.root}/${rel}`;
  }

  /** Marks `rel` as a real directory (the caller just created or verified it). */
  remember(rel: string): void {
    this.dirs.add(rel);
  }

  /** Drops `rel` and everything below it from the cache; call it for every path removed. */
  forget(rel: string): void {
    this.links.clear();
    if (!this.dirs.delete(rel)) return;
    // Only a cached directory can have cached descendants, so this sweep is rare.
    const prefix = `${rel}/`;
    for (const d of this.dirs) if (d.startsWith(prefix)) this.dirs.delete(d);
  }

  /** Resolves `parts` (already free of `..`) to a directory path relative to the root. */
  resolveDir(parts: readonly string[], mode: ResolveMode, entry: string): string | null {
    // A `{ link }` marker follows a symlink's target components: reaching it means the target
    // resolved, and the result is remembered for that link.
    const queue: (string | { link: string })[] = [...parts];
    let cur: string[] = [];
    let hops = 0;

    while (queue.length > 0) {
      const part = queue.shift() as string | { link: string };
      if (typeof part !== 'string') {
        this.links.set(part.link, cur.join('/'));
        continue;
      }
      if (part === '' || part === '.') continue;
      if (part === '..') {
        cur.pop();
        continue;
      }

      cur.push(part);
      const rel = cur.join('/');
      if (this.dirs.has(rel)) continue;

      const abs = this.abs(rel);
      const st = lstatSync(abs, { throwIfNoEntry: false });
      if (st === undefined) {
        if (mode === 'lookup') return null;
        // LIMITATION: in overlay format a parent the layer does not list is made 0755 and
        // root-owned, as moby does; in the merged view it then overrides a lower directory's
        // mode, owner and mtime, and hides a lower symlink (bin -> usr/bin). containerd copies
        // the lower directory's attributes; layers here are shared by DiffID and unpacked
        // without their lowers.
        mkdirSync(abs, 0o755);
        this.dirs.add(rel);
        this.onCreate?.(rel);
        continue;
      }
      if (st.isDirectory()) {
        this.dirs.add(rel);
        continue;
      }
      if (st.isSymbolicLink()) {
        const known = this.links.get(rel);
        if (known !== undefined) {
          cur = known === '' ? [] : known.split('/');
          continue;
        }
        if (++hops > MAX_HOPS) throw unsafeEntry(entry, 'too many symlinks in its parent path');
        const target = readlinkSync(abs);
        cur.pop();
        if (target.startsWith('/')) cur.length = 0;
        queue.unshift(...target.split('/'), { link: rel });
        continue;
      }
      if (mode === 'create') throw badTar(`parent '${rel}' is not a directory`, entry);
      return null;
    }

    return cur.join('/');
  }
}
