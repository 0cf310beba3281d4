// One temp directory per benchmark run holding every tool's storage, and the clean-up that
// leaves the machine as it was: registry stopped by pid, mounts under the directory unmounted,
// the directory removed. The machine's default podman and iza storage is never touched.
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { probe } from './proc.mjs';

/** The `iza` launcher of this checkout (`IZA_BIN` overrides, e.g. an installed iza). */
export const IZA =
  process.env.IZA_BIN ?? resolve(dirname(fileURLToPath(import.meta.url)), '../../../iza');

/** Mount points at or below `dir`, deepest first, from /proc/self/mountinfo (proc(5)). */
export function mountsUnder(dir) {
  const unescape = (s) => s.replace(/\\(\d{3})/g, (_, o) => String.fromCharCode(parseInt(o, 8)));
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => unescape(l.split(' ')[4]))
    .filter((m) => m === dir || m.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
}

/** Unmounts everything below `dir` (lazily, so a busy mount cannot block the clean-up). */
export function unmountUnder(dir) {
  for (const m of mountsUnder(dir)) probe('umount', ['-l', m]);
}

/**
 * Creates the run's temp directory. `cleanup()` runs the registered steps in reverse order, then
 * unmounts and removes the directory; it also runs on SIGINT/SIGTERM.
 */
export function createWorkspace() {
  const dir = mkdtempSync(join(tmpdir(), 'iza-bench-'));
  const steps = [];
  let done = false;

  const cleanup = async () => {
    if (done) return;
    done = true;
    for (const step of steps.reverse()) {
      try {
        await step();
      } catch (err) {
        process.stderr.write(`clean-up step failed: ${err.message}\n`);
      }
    }
    unmountUnder(dir);
    rmSync(dir, { recursive: true, force: true });
  };
  for (const sig of ['SIGINT', 'SIGTERM']) {
    process.once(sig, () => cleanup().finally(() => process.exit(130)));
  }
  return { dir, onCleanup: (fn) => steps.push(fn), cleanup };
}

/**
 * A podman confined to `dir`: `{ args(...rest), env, reset() }`. The storage.conf written here
 * replaces the machine's, and --root/--runroot/--tmpdir keep every byte under `dir`.
 * `runtime` picks the OCI runtime (podman's default otherwise).
 */
export function confinedPodman(dir, runtime) {
  mkdirSync(dir, { recursive: true });
  const root = join(dir, 'root');
  const runroot = join(dir, 'runroot');
  const conf = join(dir, 'storage.conf');
  writeFileSync(
    conf,
    `[storage]\ndriver = "overlay"\ngraphroot = "${root}"\nrunroot = "${runroot}"\n`,
  );

  const global = [
    ...['--root', root, '--runroot', runroot, '--tmpdir', join(dir, 'tmp')],
    ...['--storage-driver', 'overlay', '--cgroup-manager', 'cgroupfs', '--events-backend', 'file'],
    ...(runtime ? ['--runtime', runtime] : []),
  ];
  const env = { ...process.env, CONTAINERS_STORAGE_CONF: conf };

  return {
    args: (...rest) => [...global, ...rest],
    env,
    reset() {
      probe('podman', [...global, 'system', 'reset', '-f'], { env });
      unmountUnder(dir);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** What `iza --version` says and, for a checkout, its commit: whose numbers these are. */
export function izaVersion() {
  const version = probe(IZA, ['--version']).out.trim() || 'iza (version unknown)';
  const sha = probe('git', ['-C', dirname(IZA), 'rev-parse', '--short', 'HEAD']).out.trim();
  return sha ? `${version} at ${sha}` : version;
}
