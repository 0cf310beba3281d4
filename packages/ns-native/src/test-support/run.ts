import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { ContainerProcessSpec } from '../container-spec.js';
import { createContainerProcess, type ContainerExit } from '../container-process.js';
import { defaultMounts } from '../defaults.js';

/** A spec for the busybox rootfs with docker's defaults: all namespaces, default mounts. */
export function baseSpec(rootfs: string, script: string): ContainerProcessSpec {
  return {
    rootfs,
    args: ['sh', '-c', script],
    env: ['PATH=/bin', 'HOME=/root'],
    cwd: '/',
    user: { uid: 0, gid: 0 },
    hostname: 'iza-container',
    namespaces: (['pid', 'network', 'mount', 'uts', 'ipc', 'cgroup'] as const).map((type) => ({
      type,
    })),
    mounts: defaultMounts(),
  };
}

export interface RunResult {
  stdout: string;
  stderr: string;
  exit: ContainerExit;
}

/**
 * Runs `script` with `sh -c` in a container on `rootfs`; stdout and stderr go to temp files that
 * are read back after exit.
 */
export async function runInContainer(
  rootfs: string,
  script: string,
  overrides: Partial<ContainerProcessSpec> = {},
): Promise<RunResult> {
  const dir = mkdtempSync(join(tmpdir(), 'iza-out-'));
  const stdin = openSync('/dev/null', 'r');
  const out = openSync(join(dir, 'out'), 'w');
  const err = openSync(join(dir, 'err'), 'w');
  try {
    const proc = await createContainerProcess({
      ...baseSpec(rootfs, script),
      stdio: [stdin, out, err],
      ...overrides,
    });
    await proc.start();
    const exit = await proc.wait();
    return {
      stdout: readFileSync(join(dir, 'out'), 'utf8'),
      stderr: readFileSync(join(dir, 'err'), 'utf8'),
      exit,
    };
  } finally {
    [stdin, out, err].forEach((fd) => closeSync(fd));
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The lines of /proc/self/mountinfo that mention `path`. */
export function hostMountsUnder(path: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter((line) => line.includes(path));
}
