import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { tool } from './tool.js';

/** Everything a layer can set on one filesystem entry, in comparable form. */
export interface TreeEntry {
  type: 'file' | 'dir' | 'symlink' | 'fifo' | 'char' | 'block' | 'socket';
  /** Permission bits with setuid/setgid/sticky (mode & 0o7777), in octal. */
  mode: string;
  uid: number;
  gid: number;
  /** Regular files: size and sha256 of the content. */
  size?: number;
  sha256?: string;
  /** Symlinks: the target, byte for byte. */
  target?: string;
  /** Devices: `major:minor`. */
  device?: string;
  /** For the second and later names of one inode: the first name (in sorted walk order). */
  hardlinkOf?: string;
  /** Extended attributes, name → hex value (from getfattr). */
  xattrs?: Record<string, string>;
}

function typeOf(mode: number): TreeEntry['type'] {
  switch (mode & 0o170000) {
    case 0o100000:
      return 'file';
    case 0o040000:
      return 'dir';
    case 0o120000:
      return 'symlink';
    case 0o010000:
      return 'fifo';
    case 0o020000:
      return 'char';
    case 0o060000:
      return 'block';
    default:
      return 'socket';
  }
}

async function sha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

// getfattr writes one "# file: PATH" block per entry, with odd bytes in PATH as \ooo octal.
function parseGetfattr(text: string, base: string): Map<string, Record<string, string>> {
  const out = new Map<string, Record<string, string>>();
  let current: Record<string, string> | undefined;
  for (const line of text.split('\n')) {
    if (line.startsWith('# file: ')) {
      const path = line
        .slice(8)
        .replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
      current = {};
      out.set(path === base ? '.' : path.slice(base.length + 1), current);
      continue;
    }
    const eq = line.indexOf('=');
    if (current !== undefined && eq > 0) current[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return out;
}

async function xattrsOf(dir: string): Promise<Map<string, Record<string, string>>> {
  const text = await tool('getfattr', [
    '--absolute-names',
    '--recursive',
    '--physical',
    '--no-dereference',
    '--dump',
    '--match=-',
    '--encoding=hex',
    dir,
  ]);
  // getfattr decodes octal escapes as latin1 bytes: re-read the names as UTF-8.
  return parseGetfattr(Buffer.from(text, 'latin1').toString('utf8'), dir);
}

/**
 * A sorted snapshot of every entry below `dir` (including `.`), without times: what the
 * exactness tests compare between iza's rootfs and umoci's.
 */
export async function snapshotTree(dir: string): Promise<Map<string, TreeEntry>> {
  const entries = new Map<string, TreeEntry>();
  const inodes = new Map<number, string>();
  const xattrs = await xattrsOf(dir);

  const visit = async (rel: string): Promise<void> => {
    const path = rel === '.' ? dir : join(dir, rel);
    const st = await lstat(path);
    const type = typeOf(st.mode);
    const entry: TreeEntry = {
      type,
      mode: (st.mode & 0o7777).toString(8),
      uid: st.uid,
      gid: st.gid,
    };

    if (type === 'file') {
      entry.size = st.size;
      entry.sha256 = await sha256(path);
      const first = inodes.get(st.ino);
      if (first !== undefined && st.nlink > 1) entry.hardlinkOf = first;
      if (first === undefined) inodes.set(st.ino, rel);
    }
    if (type === 'symlink') entry.target = await readlink(path);
    if (type === 'char' || type === 'block') {
      entry.device = `${String(Math.floor(st.rdev / 256) & 0xfff)}:${String(st.rdev & 0xff)}`;
    }
    const attrs = xattrs.get(rel);
    if (attrs !== undefined && Object.keys(attrs).length > 0) {
      // listxattr(2) order depends on the filesystem: compare sorted.
      entry.xattrs = Object.fromEntries(Object.entries(attrs).sort(([a], [b]) => (a < b ? -1 : 1)));
    }
    entries.set(rel, entry);

    if (type !== 'dir') return;
    const names = (await readdir(path)).sort();
    for (const name of names) await visit(rel === '.' ? name : join(rel, name));
  };

  await visit('.');
  return entries;
}

/** Human-readable differences between two snapshots; empty when they are equal. */
export function diffTrees(
  expected: Map<string, TreeEntry>,
  actual: Map<string, TreeEntry>,
): string[] {
  const out: string[] = [];
  for (const [path, want] of expected) {
    const got = actual.get(path);
    if (got === undefined) {
      out.push(`missing: ${JSON.stringify(path)} (${want.type})`);
      continue;
    }
    const a = JSON.stringify(want);
    const b = JSON.stringify(got);
    if (a !== b) out.push(`differs: ${JSON.stringify(path)}\n  umoci: ${a}\n  iza:   ${b}`);
  }
  for (const [path, got] of actual) {
    if (!expected.has(path)) out.push(`extra: ${JSON.stringify(path)} (${got.type})`);
  }
  return out;
}
