import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mountsUnder } from './mountinfo.js';
import { tool } from './tool.js';

/** A fresh `--root` for one test file: /tmp/iza-e2e-<name>-XXXXXX. */
export async function makeIzaRoot(name: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `iza-e2e-${name}-`));
}

/**
 * Removes a test root. Mounts iza left under it are detached first (deepest first) so the
 * removal never walks into a bind-mounted host directory; their list is returned so the caller
 * can fail the test on a leak that its own assertions missed.
 */
export async function removeIzaRoot(root: string): Promise<string[]> {
  const leftovers = mountsUnder(root);
  for (const mount of [...leftovers].reverse()) {
    await tool('umount', ['--lazy', mount]).catch(() => undefined);
  }

  const still = mountsUnder(root);
  if (still.length > 0) {
    throw new Error(`not removing ${root}: still mounted below it: ${still.join(', ')}`);
  }
  await rm(root, { recursive: true, force: true });
  return leftovers;
}
