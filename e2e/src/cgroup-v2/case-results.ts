import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** What cases.sh recorded for one iza invocation inside the VM. */
export interface CaseResult {
  name: string;
  exitCode: number;
  stdout: string;
  stderr: string;
  /** Guest wall time of the iza invocation. */
  seconds: number;
  /** Every directory below /sys/fs/cgroup before the case and after it (and its leaf) ended. */
  cgroupsBefore: string[];
  cgroupsAfter: string[];
  /** Why the case's own leaf could not be removed (what iza left in it), or ''. */
  rmdirError: string;
  /** The container's cgroup as the sampler last saw it, if it saw one. */
  leaf: string | undefined;
  /** The last text read from each cgroup file (`cpu.stat`, `pids.events`, ...). */
  last: Record<string, string>;
  maxPidsCurrent: number | undefined;
}

const SAMPLED = [
  'cpu.max',
  'cpu.stat',
  'cpuset.cpus',
  'cpuset.cpus.effective',
  'memory.max',
  'memory.events',
  'pids.max',
  'pids.events',
];

/** Reads the directory cases.sh wrote for case `name`; throws if the case never ran. */
export function readCase(results: string, name: string): CaseResult {
  const dir = join(results, name);
  if (!existsSync(join(dir, 'exit'))) {
    throw new Error(`case ${name} did not run to its end in the VM (no ${dir}/exit)`);
  }

  const last: Record<string, string> = {};
  for (const file of SAMPLED) {
    const text = optional(join(dir, `last.${file}`));
    if (text !== undefined) last[file] = text.trimEnd();
  }
  const maxPids = optional(join(dir, 'max.pids.current'));

  return {
    name,
    exitCode: Number(text(join(dir, 'exit'))),
    stdout: text(join(dir, 'stdout')).replace(/\n$/, ''),
    stderr: text(join(dir, 'stderr')).replace(/\n$/, ''),
    seconds: Number(text(join(dir, 'seconds'))),
    cgroupsBefore: listing(join(dir, 'cgroups.before')),
    cgroupsAfter: listing(join(dir, 'cgroups.after')),
    rmdirError: (optional(join(dir, 'rmdir.error')) ?? '').trim(),
    leaf: optional(join(dir, 'leaf'))?.trim(),
    last,
    maxPidsCurrent: maxPids === undefined ? undefined : Number(maxPids),
  };
}

/** The cgroup directories listed in one of cases.sh's listing files (`cgroups.start`, ...). */
export function listing(path: string): string[] {
  return text(path).split('\n').filter(Boolean);
}

/** The value of `key` in a flat-keyed cgroup file (`usage_usec 123` per line), if present. */
export function keyed(fileText: string | undefined, key: string): number | undefined {
  const line = fileText?.split('\n').find((l) => l.startsWith(`${key} `));
  return line === undefined ? undefined : Number(line.slice(key.length + 1));
}

/** Renders a case for a failing assertion: exit code, streams and what was sampled. */
export function describeCase(result: CaseResult): string {
  const sampled = Object.entries(result.last).map(([file, value]) => `${file}: ${value}`);
  return [
    `case ${result.name}: exit ${String(result.exitCode)} after ${String(result.seconds)} s`,
    `--- stdout\n${result.stdout}`,
    `--- stderr\n${result.stderr}`,
    `--- cgroup ${result.leaf ?? '(never seen)'}\n${sampled.join('\n')}`,
  ].join('\n');
}

/**
 * Runs the assertions on a case and, when one fails, appends the whole case (streams and
 * sampled cgroup files) to the failure message: the VM is gone by then, this is the evidence.
 */
export function checkCase(result: CaseResult, assertions: (result: CaseResult) => void): void {
  try {
    assertions(result);
  } catch (err) {
    if (err instanceof Error) err.message += `\n\n${describeCase(result)}`;
    throw err;
  }
}

function text(path: string): string {
  return readFileSync(path, 'utf8');
}

function optional(path: string): string | undefined {
  return existsSync(path) ? text(path) : undefined;
}
