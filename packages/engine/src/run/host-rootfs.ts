import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, promises as fs, statSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { promisify } from 'node:util';

import { IzaError } from '@iza/errors';

const execFileAsync = promisify(execFile);

/**
 * Tools copied into every no-image root besides the command itself, when the host has them, so
 * that `iza run /bin/sh -c "ls / && hostname"` works as it did in the original iza.
 */
export const BASE_TOOLS = [
  'sh',
  'ls',
  'cat',
  'echo',
  'hostname',
  'ps',
  'id',
  'env',
  'sleep',
  'uname',
  'ip',
  'mkdir',
  'rm',
  'grep',
  'true',
  'false',
] as const;

/**
 * Builds (once, then reuses) a minimal root filesystem from the host's own binaries: `command`
 * and the base tools with every shared library they load, at the paths they have on the host.
 * The result is cached under `<cacheDir>/<key>` keyed by the programs' paths, sizes and mtimes, and
 * used read-only as the container's only image layer.
 */
export async function buildHostRootfs(
  cacheDir: string,
  command: string,
  hostPath = process.env.PATH ?? '/usr/bin:/bin',
): Promise<string> {
  if (!existsSync(command)) {
    throw new IzaError(
      'ERR_IZA_RUN_HOST_BINARY_NOT_FOUND',
      `${command}: no such file on the host`,
      {
        hint: 'the no-image mode runs a host binary: give its absolute path, e.g. iza run /bin/sh',
      },
    );
  }

  // The cache key covers the programs (path, size, mtime), not their libraries: running ldd for
  // 17 programs on every run would cost more than the run itself. A library upgraded on the
  // host comes with upgraded programs, which changes the key.
  const programs = [command, ...BASE_TOOLS.map((t) => which(t, hostPath)).filter(isString)];
  const key = createHash('sha256')
    .update(programs.map((f) => `${f}\0${fileStamp(f)}`).join('\n'))
    .digest('hex')
    .slice(0, 16);
  const dir = join(cacheDir, key);
  if (existsSync(dir)) return dir;

  const files = new Set<string>();
  for (const program of programs) {
    files.add(program);
    for (const lib of await sharedLibraries(program)) files.add(lib);
  }
  const list = [...files].sort();

  const tmp = `${dir}.tmp-${process.pid}`;
  await fs.rm(tmp, { recursive: true, force: true });
  await layOutSkeleton(tmp);
  for (const file of list) await copyResolved(file, join(tmp, file));
  await fs.rename(tmp, dir).catch(async (err: NodeJS.ErrnoException) => {
    // Another run built the same root first: use theirs.
    await fs.rm(tmp, { recursive: true, force: true });
    if (err.code !== 'ENOTEMPTY' && err.code !== 'EEXIST') throw err;
  });
  return dir;
}

async function layOutSkeleton(dir: string): Promise<void> {
  for (const d of ['proc', 'dev', 'sys', 'etc', 'root', 'run', 'tmp', 'var/tmp']) {
    await fs.mkdir(join(dir, d), { recursive: true, mode: 0o755 });
  }
  await fs.chmod(join(dir, 'tmp'), 0o1777);
  await fs.chmod(join(dir, 'var/tmp'), 0o1777);
  await fs.writeFile(join(dir, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
  await fs.writeFile(join(dir, 'etc/group'), 'root:x:0:\n');
}

/** Copies the file `path` resolves to (through symlinks) to `dest`, keeping its mode. */
async function copyResolved(path: string, dest: string): Promise<void> {
  await fs.mkdir(dirname(dest), { recursive: true });
  const real = await fs.realpath(path);
  await fs.copyFile(real, dest);
  await fs.chmod(dest, (await fs.stat(real)).mode & 0o7777);
}

/** The shared libraries `program` loads, from ldd (run on host binaries only, which we trust). */
async function sharedLibraries(program: string): Promise<string[]> {
  let stdout: string;
  try {
    ({ stdout } = await execFileAsync('ldd', [program]));
  } catch {
    return []; // static binaries and scripts: "not a dynamic executable"
  }
  const libs: string[] = [];
  for (const line of stdout.split('\n')) {
    const m = /(?:=>\s*)?(\/\S+)\s+\(0x/.exec(line);
    if (m?.[1]) libs.push(m[1]);
  }
  return libs;
}

function which(name: string, path: string): string | undefined {
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

function fileStamp(path: string): string {
  try {
    const st = statSync(path);
    return `${st.size}:${st.mtimeMs}`;
  } catch {
    return 'missing';
  }
}

function isString(v: string | undefined): v is string {
  return v !== undefined;
}
