import { closeSync, readFileSync, statSync } from 'node:fs';
import { constants as osConstants } from 'node:os';

import type { NativeBinding, NativeReport } from './binding.js';
import type { ContainerProcessSpec, StartMode } from './container-spec.js';
import { startContainerByFifo } from './fifo.js';
import { loadBinding } from './load.js';
import { compileSeccomp } from './seccomp.js';
import { ContainerSpecError } from './spawn-errors.js';
import {
  buildSpawnPlan,
  placeSelfIn,
  type CgroupSelfPlacement,
  type PlanLabels,
  type SpawnHost,
} from './spawn-plan.js';
import { startErrorFromDeath, startErrorFromReport } from './stages.js';

/** How the container process ended. */
export interface ContainerExit {
  /** The exit status, or null when a signal killed it. */
  exitCode: number | null;
  /** The killing signal's name, or null. */
  signal: NodeJS.Signals | null;
  /** Docker's status: exitCode, or 128 + the signal number. */
  status: number;
}

const REPORT_READY = 1;
const REPORT_HOOKS = 3;

/** The real host facts: cap_last_cap, rlimits, stat of bind sources. */
export function nodeSpawnHost(binding: NativeBinding = loadBinding()): SpawnHost {
  return {
    capLast: Number(readFileSync('/proc/sys/kernel/cap_last_cap', 'utf8').trim()),
    constants: binding.spawnConstants,
    hardLimit: (resource) => binding.getrlimit(resource).hard,
    pathKind: (path) => {
      try {
        return statSync(path).isDirectory() ? 'dir' : 'file';
      } catch {
        return 'missing';
      }
    },
  };
}

function toExit(raw: { exitCode: number | null; signal: number | null }): ContainerExit {
  const name = Object.entries(osConstants.signals).find(([, n]) => n === raw.signal)?.[0];
  return {
    exitCode: raw.exitCode,
    signal: raw.signal === null ? null : ((name ?? `SIG${raw.signal}`) as NodeJS.Signals),
    status: raw.exitCode ?? 128 + (raw.signal ?? 0),
  };
}

/**
 * A container child that is set up and waits to execve. The caller places it in cgroups, then
 * calls start(); wait() reaps it. Owns the report socket until start() or abort() ends.
 */
export class ContainerProcess {
  /** The child's pid in the caller's pid namespace. */
  readonly pid: number;
  /** With `terminal: true`, the pty master (the caller owns and closes it); otherwise null. */
  readonly terminal: number | null;
  #fd: number;
  #binding: NativeBinding;
  #labels: PlanLabels;
  #mode: StartMode;
  #exit: Promise<ContainerExit> | undefined;
  #started = false;

  constructor(init: {
    pid: number;
    fd: number;
    terminal: number | null;
    binding: NativeBinding;
    labels: PlanLabels;
    mode: StartMode;
  }) {
    this.pid = init.pid;
    this.terminal = init.terminal;
    this.#fd = init.fd;
    this.#binding = init.binding;
    this.#labels = init.labels;
    this.#mode = init.mode;
  }

  /**
   * Lets the child execve (pipe mode: one byte on the socket; fifo mode: opens the exec fifo as
   * `startContainerByFifo` would). Resolves once exec succeeded; rejects with a
   * ContainerStartError (stage `exec ...`, code ENOENT/EACCES...) when it failed, after reaping.
   */
  async start(): Promise<void> {
    if (this.#started || this.#fd < 0) {
      throw new ContainerSpecError(
        'ERR_IZA_NATIVE_START_STATE',
        'container process was already started',
      );
    }
    this.#started = true;

    if (this.#mode.kind === 'fifo') await startContainerByFifo(this.#mode.path);
    else if (!this.#binding.sendStart(this.#fd)) return this.#failDead('start');

    const report = await this.#binding.recvReport(this.#fd).finally(() => this.#closeSocket());
    if (report === null) return;

    await this.wait();
    throw startErrorFromReport(report, this.#labels);
  }

  /** Reaps the child (on a thread of its own, not the event loop). Memoized. */
  wait(): Promise<ContainerExit> {
    this.#exit ??= this.#binding.waitPid(this.pid).then(toExit);
    return this.#exit;
  }

  /** Gives up on a child that was never started: it exits 127 when its socket closes. */
  async abort(): Promise<ContainerExit> {
    this.#started = true;
    this.#closeSocket();
    return this.wait();
  }

  async #failDead(stage: string): Promise<never> {
    this.#closeSocket();
    throw startErrorFromDeath(stage, await this.wait());
  }

  #closeSocket() {
    if (this.#fd >= 0) closeSync(this.#fd);
    this.#fd = -1;
  }
}

/** Options of {@link createContainerProcess}. */
export interface CreateProcessOptions {
  binding?: NativeBinding;
  host?: SpawnHost;
  seccompCacheDir?: string;
  /**
   * Runs as soon as the child exists, alongside its setup (e.g. moving it into cgroups, whose
   * first v1 migration waits for an RCU grace period). A new cgroup namespace is made by the
   * child only after it resolved, so its root is the cgroup the child was moved to.
   */
  whileSettingUp?: (pid: number) => Promise<void>;
  /** Cgroups the child places itself in before anything else (see CgroupSelfPlacement). */
  cgroups?: CgroupSelfPlacement;
  /**
   * Runs once the child has set up its root and waits before pivot_root, after
   * `whileSettingUp` (the OCI prestart and createRuntime hooks: runtime-spec config.md).
   */
  beforePivot?: (pid: number) => Promise<void>;
}

/**
 * The report exchange of one setup: the child's reports, the parent's bytes that let it past
 * its wait points (into its cgroup namespace; past the runtime's hooks), and the first failure
 * of the parent's side tasks, which kills the child so that it can never wait forever.
 */
async function followSetup(
  binding: NativeBinding,
  child: { pid: number; fd: number; unshareCgroup: boolean },
  options: CreateProcessOptions,
): Promise<{ report: NativeReport | null; sideError?: unknown }> {
  let sideError: unknown;
  const fail = (err: unknown) => {
    sideError ??= err;
    // Not reaped before followSetup returns: the pid is still the child's, at worst a zombie.
    process.kill(child.pid, 'SIGKILL');
  };
  // A child that failed or died cannot take the byte (EPIPE): its report tells why.
  const placed = (async () => {
    await options.whileSettingUp?.(child.pid);
    if (child.unshareCgroup) binding.sendStart(child.fd);
  })().then(
    () => true,
    (err: unknown) => (fail(err), false),
  );

  for (;;) {
    const report = await binding.recvReport(child.fd).catch(async (err: unknown) => {
      await placed;
      throw err;
    });
    if (report?.kind !== REPORT_HOOKS) {
      await placed;
      return sideError === undefined ? { report } : { report, sideError };
    }
    if (!(await placed)) continue;
    try {
      await options.beforePivot?.(child.pid);
      binding.sendStart(child.fd);
    } catch (err) {
      fail(err);
    }
  }
}

/**
 * Clones the container child into its new namespaces and waits until it has set up its root
 * (mounts, pivot_root, hostname, lo...) and waits for start. Rejects with ContainerSpecError for
 * an invalid spec (nothing cloned) or ContainerStartError when setup failed (child reaped), or
 * with the error of `whileSettingUp` or `beforePivot` (the child is then killed and reaped).
 * `seccompCacheDir` keeps compiled seccomp programs between runs (see compileSeccomp).
 */
export async function createContainerProcess(
  spec: ContainerProcessSpec,
  options: CreateProcessOptions = {},
): Promise<ContainerProcess> {
  const binding = options.binding ?? loadBinding();
  const { plan, labels } = buildSpawnPlan(spec, options.host ?? nodeSpawnHost(binding));
  plan.runtimeHooks = options.beforePivot !== undefined;
  if (options.cgroups !== undefined) placeSelfIn(plan, labels, options.cgroups);
  if (spec.seccomp !== undefined) {
    const cache = options.seccompCacheDir;
    const compiled = compileSeccomp(
      spec.seccomp,
      binding,
      cache === undefined ? {} : { cacheDir: cache },
    );
    plan.seccomp = compiled.program;
    plan.seccompFlags = compiled.flags;
  }
  const { pid, fd } = binding.spawnContainer(plan);

  let followed: Awaited<ReturnType<typeof followSetup>>;
  try {
    followed = await followSetup(binding, { pid, fd, unshareCgroup: plan.unshareCgroup }, options);
  } catch (err) {
    closeSync(fd);
    process.kill(pid, 'SIGKILL');
    await binding.waitPid(pid);
    throw err;
  }
  const { report } = followed;

  // A child that failed its setup explains itself better than a side task that failed because
  // the child was gone.
  if (report?.kind === REPORT_READY && !('sideError' in followed)) {
    const terminal = report.fd >= 0 ? report.fd : null;
    return new ContainerProcess({
      pid,
      fd,
      terminal,
      binding,
      labels,
      mode: spec.startWith ?? { kind: 'pipe' },
    });
  }

  closeSync(fd);
  if (report !== null && report.fd >= 0) closeSync(report.fd);
  if (report?.kind === REPORT_READY) process.kill(pid, 'SIGKILL');
  const exit = await binding.waitPid(pid);
  if (report !== null && report.kind !== REPORT_READY) throw startErrorFromReport(report, labels);
  if ('sideError' in followed) throw followed.sideError;
  throw startErrorFromDeath('setup', exit);
}
