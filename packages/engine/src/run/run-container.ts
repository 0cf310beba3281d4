import { openSync, closeSync, existsSync } from 'node:fs';
import { availableParallelism, release } from 'node:os';
import { join } from 'node:path';

import { buildResources } from '@iza/cgroups';
import { IzaError } from '@iza/errors';
import {
  defaultCapabilities,
  defaultMounts,
  resolveUser,
  setOutputProcessing,
  setWindowSize,
} from '@iza/ns-native';
import { createContainerFromSpec, deleteContainer, startContainer } from '@iza/oci-runtime';
import type { CreatedContainer } from '@iza/oci-runtime';
import { mountRootfs } from '@iza/overlay';

import { CleanupStack } from './cleanup-stack.js';
import {
  createContainerState,
  newContainerId,
  removeContainerDir,
  saveContainerState,
} from './container-state.js';
import { buildEnvironment, readEnvFile } from './environment.js';
import { writeEtcFiles } from './etc-files.js';
import { exitCodeForExecError, exitCodeOf } from './exit-status.js';
import { dockerFlags, hasLimits } from './limit-flags.js';
import { buildHostRootfs } from './host-rootfs.js';
import { cgroupsPathFor, ociSpecForRun, runtimeRoot } from './oci-spec.js';
import { parseSecurityOptions } from './security-options.js';
import { buildProcessArgs } from './process-args.js';
import type { ImageProcessConfig } from './process-args.js';
import { identityOf } from './process-identity.js';
import {
  checkName,
  ensureVolumeSources,
  hostnameOf,
  isHostMode,
  parseVolume,
} from './run-request.js';
import type { OciMount, RunRequest } from './run-request.js';
import { SignalRelay } from './signal-relay.js';
import { attachTerminal } from './terminal.js';
import { checkWorkdir, ensureWorkdir } from './workdir.js';

/** The image a run starts from: its layer directories (bottom → top) and its config. */
export interface RunImage {
  name: string;
  layerDirs: string[];
  config: ImageRuntimeConfig;
}

/** The `config` object of an OCI image config (the fields a container uses). */
export interface ImageRuntimeConfig extends ImageProcessConfig {
  Env?: string[] | null;
  WorkingDir?: string;
  User?: string;
}

/** What runContainer needs from the engine around it. */
export interface RunContext {
  root: string;
  storageDriver?: 'overlay' | 'copy' | undefined;
  /** Finds the image, pulling it first according to `pull`. */
  getImage(ref: string, pull: RunRequest['pull'], platform?: string): Promise<RunImage>;
  hostEnv: Readonly<Record<string, string | undefined>>;
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  onWarning(message: string): void;
}

/**
 * Runs one container to completion and returns the exit code `iza run` exits with. Failures
 * before the container process exists throw (the CLI exits 125). Whatever happens, everything
 * the run created (mounts, cgroups, the state directory, processes) is removed before it returns.
 */
export async function runContainer(ctx: RunContext, req: RunRequest): Promise<number> {
  // Everything that can be checked is checked before anything is created.
  if (req.tty && req.interactive && !ctx.stdin.isTTY) {
    // docker's check: the pty would be fed by a pipe whose end never reaches the container.
    throw new IzaError('ERR_IZA_RUN_NOT_A_TTY', 'the input device is not a TTY', {
      hint: 'to pipe input into the container use -i without -t; -it needs a terminal',
    });
  }
  const resources = hasLimits(req.limits)
    ? buildResources(dockerFlags(req.limits), { hostCpus: availableParallelism() })
    : undefined;
  const hostname = hostnameOf(req.hostname);
  checkName(req.name);
  checkWorkdir(req.workdir);
  const volumes = req.volumes.map(parseVolume);
  const envFileLines = req.envFiles.flatMap(readEnvFile);
  const initBinary = req.init ? findInitBinary() : undefined;
  const capabilities = defaultCapabilities();
  const security = parseSecurityOptions(req.securityOpts, {
    capabilities: capabilities.bounding,
    arch: process.arch,
    kernel: release(),
  });
  const id = newContainerId();
  const cgroupsPath =
    req.cgroupParent === undefined ? undefined : cgroupsPathFor(req.cgroupParent, id);

  const hostMode = isHostMode(req.image);
  const image: RunImage = hostMode
    ? {
        name: req.image,
        layerDirs: [await buildHostRootfs(join(ctx.root, 'hostfs'), req.image, ctx.hostEnv.PATH)],
        config: {},
      }
    : await ctx.getImage(req.image, req.pull, req.platform);
  const command = hostMode ? [req.image, ...req.command] : req.command;
  let args = buildProcessArgs(image.config, { entrypoint: req.entrypoint, command });
  if (initBinary) args = ['/sbin/iza-init', '--', ...args];

  // From the first thing created on, a signal stops the run through the cleanup below instead
  // of killing iza half-way; once the container runs it gets the signals.
  const relay = new SignalRelay(process, killIfAlive);
  const cleanup = new CleanupStack();
  cleanup.push('restoring signal handlers', () => relay.close());
  try {
    const { dir, state } = createContainerState(ctx.root, {
      id,
      name: req.name || `iza_${id.slice(0, 12)}`,
      image: image.name,
    });
    cleanup.push('removing the container state', () => removeContainerDir(ctx.root, id));

    ensureVolumeSources(volumes);
    const rootfs = await mountRootfs({
      layers: image.layerDirs,
      containerDir: join(dir, 'rootfs'),
      driver: ctx.storageDriver ?? 'auto',
      onWarning: ctx.onWarning,
    });
    cleanup.push('releasing the root filesystem', () => rootfs.release());
    state.rootfsDir = join(dir, 'rootfs');
    saveContainerState(dir, state);

    const etc = writeEtcFiles(dir, hostname);
    const user = resolveUser(rootfs.path, req.user ?? image.config.User ?? '');
    const env = buildEnvironment({
      imageEnv: image.config.Env ?? [],
      userEnv: req.env,
      envFileLines,
      hostname,
      tty: req.tty,
      hostEnv: ctx.hostEnv,
      home: user.home,
    });

    const mounts: OciMount[] = [
      ...defaultMounts(),
      {
        destination: '/etc/hostname',
        type: 'bind',
        source: etc.hostname,
        options: ['bind', req.readOnly ? 'ro' : 'rw'],
      },
      {
        destination: '/etc/hosts',
        type: 'bind',
        source: etc.hosts,
        options: ['bind', req.readOnly ? 'ro' : 'rw'],
      },
      {
        destination: '/etc/resolv.conf',
        type: 'bind',
        source: etc.resolvConf,
        options: ['bind', req.readOnly ? 'ro' : 'rw'],
      },
      ...volumes,
    ];
    if (initBinary) {
      mounts.push({
        destination: '/sbin/iza-init',
        type: 'bind',
        source: initBinary,
        options: ['bind', 'ro'],
      });
    }

    const cwd = req.workdir || image.config.WorkingDir || '/';
    // Made in the container's own layer before it starts, --read-only or not, as docker does.
    ensureWorkdir(rootfs.path, cwd);

    // The container is what `iza-runtime create` would make of this config.json: the same
    // mapping, checks, cgroups (device rules included) and state, in this process.
    const spec = ociSpecForRun({
      args,
      env,
      cwd,
      user: { uid: user.uid, gid: user.gid, additionalGids: user.additionalGids },
      tty: req.tty,
      capabilities,
      noNewPrivileges: security.noNewPrivileges,
      rootfs: rootfs.path,
      readonlyRootfs: req.readOnly,
      hostname,
      mounts,
      ...(resources === undefined ? {} : { resources }),
      ...(security.seccomp === undefined ? {} : { seccomp: security.seccomp }),
      ...(cgroupsPath === undefined ? {} : { cgroupsPath }),
    });
    const runtime = { root: runtimeRoot(ctx.root), id };
    const stdio = openStdio(req, cleanup);
    if (relay.pending) return relay.stoppedStatus() as number;
    let created: CreatedContainer;
    try {
      created = await createContainerFromSpec(spec, dir, {
        ...runtime,
        foreground: { hostTerminal: req.tty },
        killOnExit: true,
        // iza has no pause: a freezer cgroup would cost one more migration on v1 (~15 ms).
        pausable: false,
        stdio,
      });
    } catch (err) {
      const exec = execFailureOf(err);
      if (exec === undefined) throw err;
      ctx.stderr.write(`Error: ${execFailureMessage(args[0] ?? '', exec)}\n`);
      return exitCodeForExecError(exec);
    }
    const reap = async () => {
      const result = await created.process.wait();
      // Reaped: the pid may be reused, so nothing is sent to it any more.
      relay.stopForwarding();
      return result;
    };
    cleanup.push('removing the container', () =>
      deleteContainer({ ...runtime, created, force: true, onWarning: ctx.onWarning }),
    );
    const master = created.terminal ?? undefined;
    let masterOwned = false;
    if (master !== undefined) {
      cleanup.push('closing the terminal', () => {
        if (!masterOwned) closeSync(master);
      });
    }
    const init = identityOf(created.pid);
    if (init) state.init = init;
    state.cgroupPaths = created.cgroup.paths;
    saveContainerState(dir, state);
    const oomBefore = await created.cgroup.readOomKills();

    const terminal =
      master === undefined
        ? undefined
        : attachTerminal(master, { setWindowSize, setOutputProcessing }, ctx.stdin, ctx.stdout);
    masterOwned = terminal !== undefined;
    if (terminal) {
      process.on('SIGWINCH', terminal.resize);
      cleanup.push('restoring the terminal', () => {
        process.off('SIGWINCH', terminal.resize);
        terminal.detach();
      });
    }

    // The container's init waits for start: a signal held until now stops the run here.
    if (relay.pending) return relay.stoppedStatus() as number;
    try {
      await startContainer({ ...runtime, created, onWarning: ctx.onWarning });
      // Until wait() has reaped it, the pid cannot be reused: signalling it by pid is safe.
      relay.forwardTo(created.pid);
    } catch (err) {
      const exec = execFailureOf(err);
      if (exec === undefined) throw err;
      await reap();
      ctx.stderr.write(`Error: ${execFailureMessage(args[0] ?? '', exec)}\n`);
      return exitCodeForExecError(exec);
    }

    const result = await reap();
    if (terminal) await Promise.race([terminal.drained, delay(200)]);

    const oomKills = (await created.cgroup.readOomKills()) - oomBefore;
    if (oomKills > 0) {
      const limit = resources?.memory?.limit;
      const what = limit ? ` (limit ${formatMemory(limit)})` : '';
      ctx.stderr.write(`container killed: out of memory${what}\n`);
    }
    return exitCodeOf(result);
  } finally {
    const errors = await cleanup.run();
    for (const e of errors) ctx.onWarning(`cleanup: ${e.message}`);
  }
}

/**
 * The container's fds 0-2 without a terminal: iza's own stdout and stderr (no copying); stdin is
 * iza's with -i and /dev/null without, as docker. With -t the container gets a pty of its own
 * devpts (made by @iza/ns-native inside the container, as runc does) and these are ignored.
 */
function openStdio(req: RunRequest, cleanup: CleanupStack): [number, number, number] {
  if (req.interactive || req.tty) return [0, 1, 2];

  const devNull = openSync('/dev/null', 'r');
  cleanup.push('closing /dev/null', () => closeSync(devNull));
  return [devNull, 1, 2];
}

/** The host's tini, used as the container's init with --init (docker ships it as docker-init). */
function findInitBinary(): string {
  for (const path of ['/usr/bin/tini-static', '/usr/local/bin/tini-static']) {
    if (existsSync(path)) return path;
  }
  throw new IzaError('ERR_IZA_RUN_NO_INIT', '--init needs a static tini on the host', {
    hint: 'install it: apt-get install tini',
  });
}

/**
 * The errno of a program the container could not execute (ENOENT, EACCES...), found in the
 * cause chain of a create or start error: create checks the program, start reports execve.
 */
function execFailureOf(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 16; depth++) {
    const sys = e as { syscall?: unknown; code?: unknown };
    if (sys.syscall === 'execve' && typeof sys.code === 'string') return sys.code;
    e = e.cause;
  }
  return undefined;
}

function execFailureMessage(command: string, code: string | undefined): string {
  if (code === 'ENOENT' && !command.includes('/')) {
    return `exec: "${command}": executable file not found in $PATH`;
  }
  if (code === 'ENOENT') return `exec ${command}: no such file or directory`;
  if (code === 'EACCES') return `exec ${command}: permission denied`;
  return `exec ${command}: ${code ?? 'failed'}`;
}

function killIfAlive(pid: number, signal: NodeJS.Signals = 'SIGKILL'): void {
  try {
    process.kill(pid, signal);
  } catch {
    // Already gone.
  }
}

function formatMemory(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1 && v % 1024 === 0) {
    v /= 1024;
    i++;
  }
  return `${v}${units[i]}`;
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms).unref());
}
