import {
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  readlink,
  rm,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { constants, lgetxattr, llistxattr, lsetxattr, mknod } from '@iza/ns-native';

/** One entry of a test layer, in OverlayFS format. */
export type LayerEntry =
  | { path: string; type: 'file'; content?: string; mode?: number }
  | { path: string; type: 'dir'; mode?: number; opaque?: boolean }
  | { path: string; type: 'symlink'; target: string }
  | { path: string; type: 'whiteout' };

/** A temp directory for a test, removed by the returned cleanup. */
export async function makeTempDir(prefix: string) {
  const dir = await mkdtemp(join(tmpdir(), `iza-overlay-${prefix}-`));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Writes `entries` into a fresh layer directory `dir` (parents made as plain 0755 dirs). */
export async function buildLayer(dir: string, entries: LayerEntry[]): Promise<string> {
  await mkdir(dir, { recursive: true });

  for (const e of entries) {
    const p = join(dir, e.path);
    await mkdir(dirname(p), { recursive: true });

    if (e.type === 'file') await writeFile(p, e.content ?? '', { mode: e.mode ?? 0o644 });
    if (e.type === 'symlink') await symlink(e.target, p);
    if (e.type === 'whiteout') mknod(p, constants().S_IFCHR | 0o600, 0, 0);
    if (e.type === 'dir') {
      await mkdir(p, { recursive: true, mode: e.mode ?? 0o755 });
      if (e.opaque) lsetxattr(p, 'trusted.overlay.opaque', 'y');
    }
  }

  return dir;
}

/** One line per entry below `root`: path, type, mode, owner, size, target or content, xattrs. */
export async function describeTree(root: string, withTimes = false): Promise<string[]> {
  const lines: string[] = [];

  async function walk(rel: string): Promise<void> {
    for (const name of (await readdir(join(root, rel))).sort()) {
      const r = rel === '' ? name : `${rel}/${name}`;
      const p = join(root, r);
      const st = await lstat(p);
      const xattrs = llistxattr(p)
        .filter((n) => !n.startsWith('trusted.overlay.'))
        .sort()
        .map((n) => `${n}=${lgetxattr(p, n)?.toString('hex')}`);

      let what = '';
      if (st.isSymbolicLink()) what = `-> ${await readlink(p)}`;
      else if (st.isFile()) what = `"${await readFile(p, 'utf8')}" nlink=${st.nlink}`;
      else if (st.isCharacterDevice() || st.isBlockDevice()) what = `rdev=${st.rdev}`;

      const mode = (st.mode & 0o177777).toString(8);
      const time = withTimes ? ` mtime=${Math.floor(st.mtimeMs)}` : '';
      lines.push(`${r} ${mode} ${st.uid}:${st.gid} ${what} [${xattrs.join(' ')}]${time}`);

      if (st.isDirectory()) await walk(r);
    }
  }

  await walk('');
  return lines;
}
