import { closeSync, readFileSync, statSync } from 'node:fs';
import { constants as osConstants } from 'node:os';

import type { NativeBinding } from './binding.js';
import type { ContainerProcessSpec, StartMode } from './container-spec.js';
import { startContainerByFifo } from './fifo.js';
import { loadBinding } from './load.js';
import { compileSeccomp } from './seccomp.js';
import { ContainerSpecError } from './spawn-errors.js';
import { buildSpawnPlan, type PlanLabels, type SpawnHost } from './spawn-plan.js';
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

/**
 * Clones the container child into its new namespaces and waits until it has set up its root
 * (mounts, pivot_root, hostname, lo...) and waits for start. Rejects with ContainerSpecError for
 * an invalid spec (nothing cloned) or ContainerStartError when setup failed (child reaped).
 * `seccompCacheDir` keeps compiled seccomp programs between runs (see compileSeccomp).
 * `whileSettingUp` runs as soon as the child exists, alongside its setup (e.g. moving it into
 * cgroups, whose first v1 migration waits for an RCU grace period); its failure fails the
 * create, after the child is killed and reaped.
 */
export async function createContainerProcess(
  spec: ContainerProcessSpec,
  options: {
    binding?: NativeBinding;
    host?: SpawnHost;
    seccompCacheDir?: string;
    whileSettingUp?: (pid: number) => Promise<void>;
  } = {},
): Promise<ContainerProcess> {
  const binding = options.binding ?? loadBinding();
  const { plan, labels } = buildSpawnPlan(spec, options.host ?? nodeSpawnHost(binding));
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

  // Both settle before anything else happens. A child that failed its setup explains itself
  // better than a side task that failed because the child was gone.
  const [received, alongside] = await Promise.allSettled([
    binding.recvReport(fd),
    options.whileSettingUp?.(pid),
  ]);
  const ready = received.status === 'fulfilled' && received.value?.kind === REPORT_READY;
  if (received.status === 'rejected' || (ready && alongside.status === 'rejected')) {
    if (received.status === 'fulfilled' && received.value !== null && received.value.fd >= 0)
      closeSync(received.value.fd);
    closeSync(fd);
    process.kill(pid, 'SIGKILL');
    await binding.waitPid(pid);
    throw received.status === 'rejected'
      ? received.reason
      : (alongside as PromiseRejectedResult).reason;
  }
  const report = received.value;

  if (report?.kind === REPORT_READY) {
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
  const exit = await binding.waitPid(pid);
  throw report === null ? startErrorFromDeath('setup', exit) : startErrorFromReport(report, labels);
}
