import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A temp dir with `dest/` to extract into and a canary file beside it, outside dest. */
export interface Sandbox {
  base: string;
  dest: string;
  canary: string;
  /** True when the canary still holds its original bytes and nothing else appeared beside it. */
  canaryIntact(): Promise<boolean>;
  cleanup(): Promise<void>;
}

const CANARY = 'canary: must never change\n';

export async function makeSandbox(): Promise<Sandbox> {
  const base = await mkdtemp(join(tmpdir(), 'iza-layers-'));
  const dest = join(base, 'dest');
  const canary = join(base, 'canary');
  await mkdir(dest);
  await writeFile(canary, CANARY);

  return {
    base,
    dest,
    canary,
    async canaryIntact() {
      const { readdir } = await import('node:fs/promises');
      const beside = (await readdir(base)).sort();
      const content = await readFile(canary, 'utf8');
      return content === CANARY && beside.join(',') === 'canary,dest';
    },
    cleanup: () => rm(base, { recursive: true, force: true }),
  };
}
