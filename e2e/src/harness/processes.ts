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

/** Pids of processes whose root or cwd lies below `dir` (a container rootfs under a test root). */
export function processesRootedUnder(dir: string): number[] {
  return pids().filter((pid) => {
    for (const link of ['root', 'cwd']) {
      try {
        if (readlinkSync(`/proc/${String(pid)}/${link}`).startsWith(dir)) return true;
      } catch {
        // Gone, or not ours to read.
      }
    }
    return false;
  });
}
