import { resolve } from 'node:path';

import { findIzaError, IzaError } from '@iza/errors';
import { createExecProcess, type ContainerProcess } from '@iza/ns-native';

import { attachTerminal, type AttachedTerminal, type TerminalIO } from './attach-terminal.js';
import { checkConsoleSize, checkTerminalRequest, sendTerminal } from './console-socket.js';
import { selfPlacement, v2Leaf } from './container-cgroup.js';
import { OciErrorCode } from './errors.js';
import { execProcessSpec } from './exec-request.js';
import { relaySignals, type SignalRelay } from './forward-signals.js';
import { initNamespaces } from './init-namespaces.js';
import type { OciProcess } from './oci-config.js';
import { must } from './operations.js';
import { writePidFile } from './pid-file.js';
import { isInitAlive } from './proc-stat.js';
import { DEFAULT_ROOT, seccompCacheDir, type StoredState } from './state-store.js';
import { containerStatus } from './status.js';

/** Options of {@link execContainer}. */
export interface ExecOptions {
  /** State directory root; default `/run/iza-runtime`. */
  root?: string;
  id: string;
  /** The process to run: a process.json, or the container's with flags applied (exec-request). */
  process: OciProcess;
  /** Return once the process runs, leaving it behind (runc --detach); default false. */
  detach?: boolean;
  /** Written with the process's pid once it runs. */
  pidFile?: string;
  /** Receives the pty master of a detached `process.terminal` exec (runc's protocol). */
  consoleSocket?: string;
  /** Host fds on the process's 0, 1, 2; default this process's own. */
  stdio?: [number, number, number];
  /** The caller's own terminal, attached to the pty of a foreground terminal exec. */
  terminalIO?: TerminalIO;
  /**
   * In the foreground, send the signals this process gets to the exec'd one, as runc does
   * (the bin's choice: a library caller keeps its own handlers); default false.
   */
  forwardSignals?: boolean;
}

/** What {@link execContainer} started. */
export interface ExecResult {
  /** The exit status in the foreground (128+N for a signal); 0 when detached. */
  status: number;
  /** The process's pid in this process's pid namespace (what --pid-file gets). */
  pid: number;
  /**
   * Reaps a detached process and resolves to its status. It is this process's child until
   * this one exits (then the nearest subreaper's, as with runc): an in-process caller that
   * stays must reap it, or its pid namespace's init cannot finish exiting.
   */
  wait(): Promise<number>;
}

/** `exec failed: ...`, runc's wording, and its exit status 255 for the bin. */
function execFailed(err: unknown): IzaError {
  const inner = findIzaError(err);
  return new IzaError(inner?.code ?? OciErrorCode.ExecFailed, 'exec failed', {
    cause: err,
    details: { exitCode: 255 },
    ...(inner?.hint === undefined ? {} : { hint: inner.hint }),
  });
}

function checkStatus(root: string, stored: StoredState): void {
  const status = containerStatus(root, stored);
  if (status === 'stopped') {
    throw new IzaError(OciErrorCode.BadState, 'cannot exec in a stopped container');
  }
  if (status === 'paused') {
    throw new IzaError(OciErrorCode.BadState, 'cannot exec in a paused container', {
      hint: `resume it first: iza-runtime resume ${stored.id}`,
    });
  }
}

/**
 * runc's `exec`: runs one more process in a created or running container, in every namespace
 * of its init, its cgroups and under its seccomp filter. Detached, it resolves once the program
 * runs; in the foreground, once it ended, with its status (128+N for a signal). Errors carry
 * runc's `exec failed` wording; a program that cannot be executed fails the same way (stage
 * `exec <arg0>`, runc's `executable file not found in $PATH`), nothing left running.
 */
export async function execContainer(options: ExecOptions): Promise<ExecResult> {
  const root = options.root ?? DEFAULT_ROOT;
  let proc: ContainerProcess | undefined;
  let attached: AttachedTerminal | undefined;
  let relay: SignalRelay | undefined;
  let started = false;
  try {
    const stored = must(root, options.id);
    checkStatus(root, stored);
    const detach = options.detach === true;
    const spec = execProcessSpec(options.process, stored);
    checkTerminalRequest({
      terminal: spec.terminal === true,
      consoleSocket: options.consoleSocket,
      foreground: !detach,
      hostTerminal: options.terminalIO !== undefined,
    });
    const consoleSize = checkConsoleSize(spec.terminal ? options.process.consoleSize : undefined);
    // Taken over before the process exists: a signal sent once it shows in the container's
    // cgroups, before it starts, is then passed on instead of killing this process. SIGWINCH
    // resizes an attached terminal instead.
    if (options.forwardSignals === true && !detach) {
      const attaches = spec.terminal === true && options.consoleSocket === undefined;
      relay = relaySignals({ winch: !(attaches && options.terminalIO !== undefined) });
    }

    proc = await createExecProcess(
      {
        ...spec,
        namespaces: initNamespaces(stored.pid),
        ...(options.stdio === undefined ? {} : { stdio: options.stdio }),
      },
      {
        seccompCacheDir: seccompCacheDir(root),
        // The child places itself in the container's cgroups first thing (a pid written to
        // cgroup.procs from here waited for an RCU grace period).
        cgroups: selfPlacement(stored.cgroupPaths, v2Leaf(stored.cgroupPaths)),
        // The namespaces were opened before the clone: if the init is still the same process
        // now, they were its own and not those of a process that took over its pid. The child
        // waits for this before it does anything in them.
        placeInCgroups: async () => {
          if (!isInitAlive(stored.pid, stored.initStartTime)) {
            throw new IzaError(OciErrorCode.BadState, 'cannot exec in a stopped container');
          }
        },
      },
    );
    const master = proc.terminal;
    if (master !== null && options.consoleSocket !== undefined) {
      sendTerminal(master, options.consoleSocket, consoleSize);
    } else if (master !== null && options.terminalIO !== undefined) {
      attached = attachTerminal(master, options.terminalIO);
    }

    await proc.start();
    started = true;
    if (options.pidFile !== undefined) {
      try {
        writePidFile(resolve(options.pidFile), proc.pid);
      } catch (err) {
        // Not reaped yet: the pid is still this process's child, not someone else's.
        process.kill(proc.pid, 'SIGKILL');
        throw err;
      }
    }
    const running = proc;
    const result = (status: number) => ({
      status,
      pid: running.pid,
      wait: async () => (await running.wait()).status,
    });
    if (detach) return result(0);

    relay?.to(proc.pid);
    return result((await proc.wait()).status);
  } catch (err) {
    if (proc !== undefined && !started) await proc.abort().catch(() => undefined);
    throw execFailed(err);
  } finally {
    relay?.undo();
    await attached?.detach();
  }
}
