import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

function pids(): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number);
}

/** Pids of processes whose argv contains `marker` (a unique word a test put in a command). */
export function processesWithArg(marker: string): number[] {
  return pids().filter((pid) => {
    try {
      const argv = readFileSync(`/proc/${String(pid)}/cmdline`, 'utf8').split('\0');
      return argv.includes(marker) && pid !== process.pid;
    } catch {
      return false; // Gone already.
    }
  });
}

/**
 * Pids of processes whose root lies below `dir` (a container rootfs under a test root), or
 * whose root or cwd does as the host sees them. After pivot_root a container's /proc/<pid>/root
 * reads `/` from the host, so its root mount is looked at too: the overlay's upperdir, or the
 * bound directory of the copy driver, names the path below `dir`.
 */
export function processesRootedUnder(dir: string): number[] {
  return pids().filter((pid) => {
    for (const link of ['root', 'cwd']) {
      try {
        if (readlinkSync(`/proc/${String(pid)}/${link}`).startsWith(dir)) return true;
      } catch {
        // Gone, or not ours to read.
      }
    }
    return rootMountOf(pid)?.includes(dir) ?? false;
  });
}

/** The mountinfo line of the mount a process sees at `/`, or undefined. */
function rootMountOf(pid: number): string | undefined {
  try {
    const lines = readFileSync(`/proc/${String(pid)}/mountinfo`, 'utf8').split('\n');
    // Field 5 is the mount point; the last line for `/` is the one on top.
    return lines.filter((line) => line.split(' ')[4] === '/').pop();
  } catch {
    return undefined;
  }
}
