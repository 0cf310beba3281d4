import { readFileSync } from 'node:fs';

/** One line of /proc/PID/mountinfo (proc(5)). */
export interface MountEntry {
  root: string;
  mountPoint: string;
  fsType: string;
  source: string;
  superOptions: string;
}

// Space, tab, newline and backslash are written as \ooo octal escapes in mountinfo.
function unescape(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

/** Parses mountinfo text; lines it cannot read are skipped. */
export function parseMountinfo(text: string): MountEntry[] {
  const entries: MountEntry[] = [];
  for (const line of text.split('\n')) {
    const dash = line.indexOf(' - ');
    if (dash < 0) continue;

    const head = line.slice(0, dash).split(' ');
    const tail = line.slice(dash + 3).split(' ');
    const [root, mountPoint] = [head[3], head[4]];
    const [fsType, source, superOptions] = [tail[0], tail[1], tail[2]];
    if (root === undefined || mountPoint === undefined || fsType === undefined) continue;

    entries.push({
      root: unescape(root),
      mountPoint: unescape(mountPoint),
      fsType,
      source: unescape(source ?? ''),
      superOptions: superOptions ?? '',
    });
  }
  return entries;
}

/** The mounts of this process's mount namespace. */
export function readMounts(pid: number | 'self' = 'self'): MountEntry[] {
  return parseMountinfo(readFileSync(`/proc/${String(pid)}/mountinfo`, 'utf8'));
}

/** Mount points at or below `path` in this mount namespace: what a test must leave at zero. */
export function mountsUnder(path: string): string[] {
  const prefix = path.endsWith('/') ? path : `${path}/`;
  return readMounts()
    .map((m) => m.mountPoint)
    .filter((p) => p === path || p.startsWith(prefix));
}
