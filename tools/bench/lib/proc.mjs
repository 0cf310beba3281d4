// Child processes for the benchmarks: plain runs that must succeed, and timed runs that also
// report peak memory.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';

/**
 * Runs `cmd args` to completion and returns its stdout. Throws with the command and its stderr
 * when it exits non-zero, so a broken set-up stops the benchmark instead of timing a failure.
 */
export function run(cmd, args, opts = {}) {
  const res = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20, ...opts });
  if (res.error?.code === 'ENOENT') {
    throw new Error(
      `${cmd} is not installed: bash tools/install-deps.sh --bench installs the peers`,
    );
  }
  if (res.error) throw new Error(`${cmd}: ${res.error.message}`);

  if (res.status !== 0) {
    const why = res.signal ? `signal ${res.signal}` : `exit ${res.status}`;
    throw new Error(`${cmd} ${args.join(' ')}: ${why}\n${(res.stderr ?? '').trim()}`);
  }
  return res.stdout;
}

/** Like {@link run}, but returns `{ ok, out, err }` instead of throwing. */
export function probe(cmd, args, opts = {}) {
  const res = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20, ...opts });
  const ok = !res.error && res.status === 0;
  return { ok, out: res.stdout ?? '', err: (res.stderr ?? res.error?.message ?? '').trim() };
}

/** The pids of every live descendant of `pid`, read from /proc/<pid>/task/<tid>/children. */
function descendants(pid) {
  const out = [];
  const queue = [pid];

  while (queue.length > 0) {
    const p = queue.pop();
    let tids = [];
    try {
      tids = readFileSync(`/proc/${p}/task/${p}/children`, 'utf8').split(' ');
    } catch {
      continue;
    }
    for (const t of tids) {
      const child = Number(t);
      if (child > 0) {
        out.push(child);
        queue.push(child);
      }
    }
  }
  return out;
}

/** Resident set size of `pid` in bytes (VmRSS), 0 once it is gone. */
function rssOf(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = /^VmRSS:\s+(\d+) kB/m.exec(status);
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/**
 * Runs `cmd args` under GNU time and resolves `{ seconds, maxRssMB, treeRssMB }`:
 * - `seconds`: wall time measured here, from spawn to exit;
 * - `maxRssMB`: the largest peak RSS of any one process of the tree (getrusage(2) ru_maxrss,
 *   which wait4 reports for the child and its waited-for descendants);
 * - `treeRssMB`: when `sampleTree` is set, the highest sum of RSS over the whole process tree,
 *   sampled every 50 ms (catches a tool that splits work over several processes; misses peaks
 *   shorter than the interval).
 * Throws when the command fails.
 */
export function timed(cmd, args, { env, sampleTree = false } = {}) {
  const out = join(
    tmpdir(),
    `iza-bench-time-${process.pid}-${Math.random().toString(36).slice(2)}`,
  );
  const t0 = process.hrtime.bigint();
  const child = spawn('/usr/bin/time', ['-f', '%M', '-o', out, cmd, ...args], {
    env: env ?? process.env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });

  let stderr = '';
  child.stderr.on('data', (d) => (stderr = (stderr + d).slice(-4000)));

  let treePeak = 0;
  const timer = sampleTree
    ? setInterval(() => {
        const sum = descendants(child.pid).reduce((acc, p) => acc + rssOf(p), 0);
        treePeak = Math.max(treePeak, sum);
      }, 50)
    : undefined;

  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      if (timer) clearInterval(timer);

      let maxRssKB = NaN;
      try {
        maxRssKB = Number(readFileSync(out, 'utf8').trim().split('\n').pop());
      } catch {
        // time(1) writes nothing when it could not start the command; the exit code says why.
      }
      rmSync(out, { force: true });

      if (code !== 0) {
        const why = signal ? `signal ${signal}` : `exit ${code}`;
        reject(new Error(`${cmd} ${args.join(' ')}: ${why}\n${stderr.trim()}`));
        return;
      }
      resolve({
        seconds,
        maxRssMB: maxRssKB / 1024,
        treeRssMB: sampleTree ? treePeak / 1048576 : NaN,
      });
    });
  });
}
