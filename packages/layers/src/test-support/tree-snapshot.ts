import { createHash } from 'node:crypto';
import { lstatSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import type { Stats } from 'node:fs';
import { join } from 'node:path';

import { lgetxattr, llistxattr } from '@iza/ns-native';

/** One path of a tree, reduced to what a layer must reproduce exactly. */
export interface TreeEntry {
  type: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  sha256?: string;
  link?: string;
  rdev?: number;
  xattrs: Record<string, string>;
}

function kind(st: Stats): string {
  if (st.isDirectory()) return 'dir';
  if (st.isFile()) return 'file';
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isFIFO()) return 'fifo';
  if (st.isCharacterDevice()) return 'char';
  if (st.isBlockDevice()) return 'block';
  return 'other';
}

/** Every path below `root` (root excluded) with type, mode, owner, content hash, link and xattrs. */
export function snapshotTree(root: string): Record<string, TreeEntry> {
  const out: Record<string, TreeEntry> = {};
  const walk = (rel: string) => {
    for (const name of readdirSync(join(root, rel)).sort()) {
      const r = rel === '' ? name : `${rel}/${name}`;
      const abs = join(root, r);
      const st = lstatSync(abs);
      const e: TreeEntry = {
        type: kind(st),
        mode: st.mode & 0o7777,
        uid: st.uid,
        gid: st.gid,
        size: st.isFile() ? st.size : 0,
        xattrs: {},
      };
      if (st.isFile()) e.sha256 = createHash('sha256').update(readFileSync(abs)).digest('hex');
      if (st.isSymbolicLink()) e.link = readlinkSync(abs);
      if (st.isCharacterDevice() || st.isBlockDevice()) e.rdev = st.rdev;
      for (const x of llistxattr(abs).sort()) {
        e.xattrs[x] = lgetxattr(abs, x)?.toString('hex') ?? '';
      }
      out[r] = e;
      if (st.isDirectory()) walk(r);
    }
  };
  walk('');
  return out;
}
