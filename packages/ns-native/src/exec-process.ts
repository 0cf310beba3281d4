import { closeSync } from 'node:fs';

import type { NativeBinding, NativeReport } from './binding.js';
import { ContainerProcess, nodeSpawnHost } from './container-process.js';
import { buildExecPlan, type ExecProcessSpec } from './exec-plan.js';
import { loadBinding } from './load.js';
import { compileSeccomp } from './seccomp.js';
import { placeSelfIn, type CgroupSelfPlacement, type SpawnHost } from './spawn-plan.js';
import { startErrorFromDeath, startErrorFromReport } from './stages.js';

const REPORT_READY = 1;

/** Collaborators of {@link createExecProcess}. */
export interface ExecProcessOptions {
  /**
   * Places the new process in the container's cgroups (writes its pid to each cgroup.procs).
   * Runs before the process opens anything in the container or runs any program there; a
   * failure kills it and rejects.
   */
  placeInCgroups: (pid: number) => Promise<void>;
  /**
   * Cgroups the process places itself in before it joins the container's namespaces (see
   * CgroupSelfPlacement); `placeInCgroups` then only checks what else must hold.
   */
  cgroups?: CgroupSelfPlacement;
  binding?: NativeBinding;
  host?: SpawnHost;
  /** Where compiled seccomp programs are kept between runs (see compileSeccomp). */
  seccompCacheDir?: string;
}

function closeReportFd(report: NativeReport | null): void {
  if (report !== null && report.fd >= 0) closeSync(report.fd);
}

/**
 * runc's `exec`: clones a child into the namespaces of an existing container, places it in the
 * container's cgroups, and resolves once it is ready to execve (its pty, with `terminal`, in
 * `ContainerProcess.terminal`). `start()` then runs the program and rejects, after reaping,
 * when it could not be executed (stage `exec <arg0>`, ENOENT or EACCES); `wait()` reaps it.
 * Rejects with ContainerSpecError for an invalid spec (nothing cloned), ContainerStartError
 * when joining or setting up failed (child reaped), or the error of `placeInCgroups`.
 */
export async function createExecProcess(
  spec: ExecProcessSpec,
  options: ExecProcessOptions,
): Promise<ContainerProcess> {
  const binding = options.binding ?? loadBinding();
  const { plan, labels } = buildExecPlan(spec, options.host ?? nodeSpawnHost(binding));
  if (options.cgroups !== undefined) placeSelfIn(plan, labels, options.cgroups);
  if (spec.seccomp !== undefined) {
    const cacheDir = options.seccompCacheDir;
    const compiled = compileSeccomp(
      spec.seccomp,
      binding,
      cacheDir === undefined ? {} : { cacheDir },
    );
    plan.seccomp = compiled.program;
    plan.seccompFlags = compiled.flags;
  }
  const { pid, fd } = binding.spawnContainer(plan);

  const placed = await options.placeInCgroups(pid).then(
    () => undefined,
    (err: unknown) => ({ err }),
  );
  if (placed !== undefined) {
    // A child that failed to join has reported why: that explains the placement failure too.
    process.kill(pid, 'SIGKILL');
    const report = await binding.recvReport(fd).catch(() => null);
    closeReportFd(report);
    closeSync(fd);
    await binding.waitPid(pid);
    throw report !== null && report.kind !== REPORT_READY
      ? startErrorFromReport(report, labels)
      : placed.err;
  }

  // Without the byte the child cannot go on; a child that is gone has reported why below.
  binding.sendStart(fd);
  const received = await binding.recvReport(fd).then(
    (report) => ({ report }),
    (err: unknown) => ({ err }),
  );
  if ('err' in received) {
    process.kill(pid, 'SIGKILL');
    closeSync(fd);
    await binding.waitPid(pid);
    throw received.err;
  }
  const { report } = received;
  if (report?.kind === REPORT_READY) {
    const terminal = report.fd >= 0 ? report.fd : null;
    return new ContainerProcess({ pid, fd, terminal, binding, labels, mode: { kind: 'pipe' } });
  }

  closeSync(fd);
  closeReportFd(report);
  const exit = await binding.waitPid(pid);
  throw report === null ? startErrorFromDeath('setup', exit) : startErrorFromReport(report, labels);
}
