import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Paths below `dir` down to `depth` levels, sorted. Comparing the list before and after a
 * `run --rm` shows any state directory, lock or scratch file the run left in the root.
 */
export async function pathsBelow(dir: string, depth = 4): Promise<string[]> {
  const out: string[] = [];
  const visit = async (rel: string, level: number): Promise<void> => {
    const entries = await readdir(join(dir, rel), { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      const path = rel === '' ? entry.name : join(rel, entry.name);
      out.push(path);
      if (entry.isDirectory() && level < depth) await visit(path, level + 1);
    }
  };
  await visit('', 1);
  return out.sort();
}
