import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/**
 * Runs `use` with the path of a file in a new temporary directory under TMPDIR (else /var/tmp,
 * as podman's save and load to a pipe: archives may be larger than a /tmp in memory), removed
 * afterwards whatever happens.
 */
export async function withTempArchive<T>(
  env: NodeJS.ProcessEnv,
  use: (path: string) => Promise<T>,
): Promise<T> {
  const dir = await mkdtemp(join(env.TMPDIR || '/var/tmp', 'iza-archive-'));
  try {
    return await use(join(dir, 'archive.tar'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Copies the file at `path` to `out`, leaving `out` open (it may be process.stdout). */
export async function copyFileTo(path: string, out: Writable): Promise<void> {
  await pipeline(createReadStream(path), out, { end: false });
}

/** Writes all of `input` (a pipe, say) to a new file at `path`. */
export async function copyToFile(input: Readable, path: string): Promise<void> {
  await pipeline(input, createWriteStream(path, { flags: 'wx', mode: 0o600 }));
}
