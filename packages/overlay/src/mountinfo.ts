import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';

/** One line of /proc/self/mountinfo, reduced to what this package needs. */
export interface MountEntry {
  mountPoint: string;
  fsType: string;
  options: string;
}

// proc(5): mountinfo escapes space, tab, newline and backslash as \ooo octal.
function unescapeOctal(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_m, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

/** Parses mountinfo text (proc(5) format) into entries, in file order. */
export function parseMountinfo(text: string): MountEntry[] {
  const entries: MountEntry[] = [];

  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;

    const sep = line.indexOf(' - ');
    if (sep < 0) continue;

    const head = line.slice(0, sep).split(' ');
    const tail = line.slice(sep + 3).split(' ');
    const mountPoint = head[4];
    const fsType = tail[0];
    if (mountPoint === undefined || fsType === undefined) continue;

    entries.push({ mountPoint: unescapeOctal(mountPoint), fsType, options: tail[2] ?? '' });
  }

  return entries;
}

/** The mount points at or below `dir`, deepest first (the order they must be unmounted in). */
export async function mountsUnder(dir: string, mountinfoPath = '/proc/self/mountinfo') {
  return mountsBelow(await readFile(mountinfoPath, 'utf8'), dir);
}

function mountsBelow(text: string, dir: string): string[] {
  const prefix = dir.endsWith('/') ? dir : `${dir}/`;

  const found = parseMountinfo(text)
    .map((e) => e.mountPoint)
    .filter((p) => p === dir || p.startsWith(prefix));

  // A path mounted twice (stacked) appears twice; unmounting it twice is what is needed.
  return found.reverse().sort((a, b) => b.length - a.length);
}

/** {@link mountsUnder}, reading mountinfo synchronously. */
export function mountsUnderSync(dir: string, mountinfoPath = '/proc/self/mountinfo'): string[] {
  return mountsBelow(readFileSync(mountinfoPath, 'utf8'), dir);
}
