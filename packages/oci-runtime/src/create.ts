import { chmodSync, closeSync, readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { resolve } from 'node:path';

import { IzaError, wrapError } from '@iza/errors';
import { constants as nativeConstants, createContainerProcess, mknod } from '@iza/ns-native';
import type { ContainerProcess } from '@iza/ns-native';

import {
  cgroupPlacement,
  createContainerCgroup,
  removeCgroupDirs,
  signalCgroup,
} from './container-cgroup.js';
import type { ContainerCgroup } from './container-cgroup.js';
import { checkConsoleSize, checkTerminalRequest, sendTerminal } from './console-socket.js';
import { invalidConfig, OciErrorCode, unsupported } from './errors.js';
import { runHooks } from './hooks.js';
import { mapOciConfig } from './map-config.js';
import type { OciSpec } from './oci-config.js';
import { writePidFile } from './pid-file.js';
import { readProcStat } from './proc-stat.js';
import {
  containerPaths,
  DEFAULT_ROOT,
  makeContainerDir,
  removeContainerDir,
  saveState,
  seccompCacheDir,
} from './state-store.js';
import type { StoredState } from './state-store.js';
import { publicState, type OciState } from './status.js';

/** Options of {@link createContainer} and {@link createContainerFromSpec}. */
export interface CreateOptions {
  /** State directory root; default `/run/iza-runtime`. */
  root?: string;
  id: string;
  /** Written with the init's pid once it is created (atomically, as runc). */
  pidFile?: string;
  /**
   * An AF_UNIX stream socket that receives the pty master when `process.terminal` is true (runc's
   * `--console-socket`); required then, unless `foreground` attaches a terminal.
   */
  consoleSocket?: string;
  /**
   * Set by a caller that stays in the foreground (`run`). `hostTerminal` says it can attach a
   * `process.terminal` pty to a terminal of its own: the master is then returned as
   * `CreatedContainer.terminal` instead of sent to a console socket. A foreground caller takes
   * no console socket (runc).
   */
  foreground?: { hostTerminal: boolean };
  /** runc's ramdisk mode (MS_MOVE + chroot); refused: iza always uses pivot_root. */
  noPivot?: boolean;
  /**
   * Keep the caller's session keyring. iza never creates a new one, so this is what it always
   * does (LIMITATION in the README).
   */
  noNewKeyring?: boolean;
  /** Host fds on the init's 0, 1, 2; default this process's own. */
  stdio?: [number, number, number];
  /** Kill the init when the calling thread exits (an in-process `run`); default false. */
  killOnExit?: boolean;
  /**
   * Whether the container can be paused later (`pause`): on a cgroup v1 host it then joins a
   * freezer hierarchy, one more cgroup migration per container. Default true; an in-process
   * caller that never pauses (iza run) passes false.
   */
  pausable?: boolean;
  /** Told about what create ignores: config.json properties the runtime spec does not define. */
  onWarning?: (message: string) => void;
}

/** What create leaves behind: the init, waiting in its namespaces for start. */
export interface CreatedContainer {
  pid: number;
  state: OciState;
  /** The spawn handle (for an in-process caller that also reaps the init, like `run`). */
  process: ContainerProcess;
  /** The pty master for a `foreground.hostTerminal` caller, who owns and closes it; else null. */
  terminal: number | null;
  /** The container's cgroups (an in-process caller reads OOM kills and destroys them). */
  cgroup: ContainerCgroup;
}

function readConfig(bundle: string): OciSpec {
  let text: string;
  try {
    text = readFileSync(resolve(bundle, 'config.json'), 'utf8');
  } catch (err) {
    throw new IzaError(OciErrorCode.InvalidConfig, `cannot read ${bundle}/config.json`, {
      cause: err,
    });
  }
  try {
    return JSON.parse(text) as OciSpec;
  } catch (err) {
    throw invalidConfig('config.json', `not valid JSON: ${(err as Error).message}`);
  }
}

/** `create` from a bundle directory: reads `<bundle>/config.json`, then createContainerFromSpec. */
export async function createContainer(
  options: CreateOptions & { bundle: string },
): Promise<CreatedContainer> {
  const bundle = resolve(options.bundle);
  return createContainerFromSpec(readConfig(bundle), bundle, options);
}

/**
 * The OCI `create`: sets up the container from an in-memory config (namespaces, mounts,
 * cgroups; prestart, createRuntime and createContainer hooks before the init's pivot_root),
 * leaves its init blocked on `<root>/<id>/exec.fifo`
 * and records the state. Everything it made is undone when it fails.
 */
export async function createContainerFromSpec(
  spec: OciSpec,
  bundleDir: string,
  options: CreateOptions,
): Promise<CreatedContainer> {
  const root = options.root ?? DEFAULT_ROOT;
  const bundle = resolve(bundleDir);
  const mapped = mapOciConfig(spec, bundle);
  const placement = cgroupPlacement(mapped.cgroupsPath, options.id);
  if (options.noPivot === true)
    throw unsupported('--no-pivot', 'not supported: iza always uses pivot_root');
  checkTerminalRequest({
    terminal: mapped.process.terminal === true,
    consoleSocket: options.consoleSocket,
    foreground: options.foreground !== undefined,
    hostTerminal: options.foreground?.hostTerminal === true,
  });
  const consoleSize = checkConsoleSize(mapped.consoleSize);
  for (const field of mapped.ignoredFields) {
    options.onWarning?.(`config.json: ignoring ${field}, which the runtime spec does not define`);
  }

  // What every hook's state and the stored state share; the init adds its pid and the status
  // for the hooks it runs itself (createContainer, startContainer).
  const described = {
    ociVersion: spec.ociVersion,
    id: options.id,
    bundle,
    rootfs: mapped.process.rootfs,
    created: new Date().toISOString(),
    owner: userInfo().username,
    annotations: mapped.annotations,
  };
  const initHooks = {
    createContainer: mapped.hooks.createContainer,
    startContainer: mapped.hooks.startContainer,
    state: described,
  };
  // runtime-spec config.md: prestart then createRuntime, in the runtime namespace, once the
  // environment exists but before pivot_root; their state says "creating".
  const { prestart, createRuntime } = mapped.hooks;
  const runtimeHooks =
    prestart.length + createRuntime.length === 0
      ? {}
      : {
          beforePivot: async (pid: number) => {
            const { ociVersion, id, ...rest } = described;
            const state = JSON.stringify({ ociVersion, id, status: 'creating', pid, ...rest });
            await runHooks(prestart, state, 'prestart');
            await runHooks(createRuntime, state, 'createRuntime');
          },
        };

  const paths = containerPaths(root, options.id);
  makeContainerDir(root, options.id);
  let child: ContainerProcess | undefined;
  let terminal: number | null = null;
  let cgroup: ContainerCgroup | undefined;

  try {
    // exec.fifo, 0622 as runc's (libcontainer/container_linux.go createExecFifo).
    mknod(paths.fifo, nativeConstants().S_IFIFO | 0o622, 0, 0);
    chmodSync(paths.fifo, 0o622);

    const cg = await createContainerCgroup({
      placement,
      resources: mapped.resources,
      deviceRules: mapped.deviceRules,
      pausable: options.pausable ?? true,
    });
    cgroup = cg;
    child = await createContainerProcess(
      {
        ...mapped.process,
        hooks: initHooks,
        startWith: { kind: 'fifo', path: paths.fifo },
        pdeathSignal: options.killOnExit ?? false,
        ...(options.stdio === undefined ? {} : { stdio: options.stdio }),
      },
      {
        // Compiling podman's profile cost about 17 ms of every create; an engine sends the
        // same one each time.
        seccompCacheDir: seccompCacheDir(root),
        // The init places itself in its cgroups: moved by this process instead, with a pid
        // written to cgroup.procs, it waited for an RCU grace period (5-15 ms a create here).
        cgroups: cg.selfPlacement,
        ...runtimeHooks,
      },
    );
    terminal = child.terminal;
    if (terminal !== null && options.consoleSocket !== undefined) {
      // runc hands the pty over during create, so a caller can attach before start.
      const master = terminal;
      terminal = null;
      sendTerminal(master, options.consoleSocket, consoleSize);
    }

    const stat = readProcStat(child.pid);
    if (stat === undefined)
      throw new IzaError(OciErrorCode.BadState, 'container init exited during create');

    const state: StoredState = {
      ...described,
      pid: child.pid,
      initStartTime: stat.startTime,
      cgroupPaths: cgroup.paths,
      cgroupAncestors: cgroup.ancestors,
      ownPidNamespace: mapped.ownPidNamespace,
      poststart: mapped.hooks.poststart,
      poststop: mapped.hooks.poststop,
      ...(spec.process === undefined ? {} : { process: spec.process }),
      ...(mapped.process.seccomp === undefined ? {} : { seccomp: mapped.process.seccomp }),
    };

    saveState(root, state);
    if (options.pidFile !== undefined) writePidFile(resolve(options.pidFile), child.pid);
    return {
      pid: child.pid,
      state: publicState(state, 'created'),
      process: child,
      terminal,
      cgroup,
    };
  } catch (err) {
    if (terminal !== null) closeSync(terminal);
    if (child !== undefined) {
      signalCgroup(cgroup?.paths ?? [], 9);
      // A fifo-mode init blocks opening the fifo and never sees its socket close: kill it.
      process.kill(child.pid, 'SIGKILL');
      await child.abort().catch(() => undefined);
    }
    if (cgroup !== undefined) {
      const paths = cgroup.paths;
      await cgroup.destroy(5000).catch(() => removeCgroupDirs(paths, 5000).catch(() => undefined));
    }
    removeContainerDir(root, options.id);
    throw wrapError(`creating container ${options.id}`, err);
  }
}
