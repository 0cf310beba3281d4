import { renameSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** Writes `pid` to `path` atomically (a temp file renamed over it), as runc's --pid-file. */
export function writePidFile(path: string, pid: number): void {
  const tmp = resolve(dirname(path), `.${process.pid}.pid.tmp`);
  writeFileSync(tmp, String(pid));
  renameSync(tmp, path);
}
