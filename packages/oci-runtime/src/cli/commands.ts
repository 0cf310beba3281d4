import { writeSync } from 'node:fs';
import { isatty } from 'node:tty';
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';

import { IzaError } from '@iza/errors';

import { createContainer } from '../create.js';
import { OciErrorCode, unsupported } from '../errors.js';
import { defaultSpec, features, OCI_VERSION } from '../features.js';
import { containerState, deleteContainer, killContainer, startContainer } from '../operations.js';
import { pauseContainer, resumeContainer } from '../pause.js';
import { containerPids, containerPsTable } from '../ps.js';
import { runContainer } from '../run.js';
import { DEFAULT_ROOT } from '../state-store.js';
import { updateContainer } from '../update.js';
import type { ParsedArgv } from './argv.js';
import { execCommand } from './exec-command.js';
import type { RuntimeLog } from './log.js';
import { resourcesFromArgv } from './update-command.js';

/** The package version printed by --version. */
export const RUNTIME_VERSION = '0.1.0';

function out(text: string): void {
  writeSync(1, text.endsWith('\n') ? text : `${text}\n`);
}

function oneId(p: ParsedArgv, extra = 0): string {
  const id = p.args[0];
  if (id === undefined || p.args.length > 1 + extra) {
    throw new IzaError(
      OciErrorCode.Usage,
      `${p.command}: expects a container id${extra > 0 ? ' and an optional signal' : ''}`,
    );
  }
  return id;
}

function createOptions(p: ParsedArgv, root: string) {
  const f = p.flags;
  const str = (name: string) => (typeof f[name] === 'string' ? (f[name] as string) : undefined);
  const preserve = Number(f['preserve-fds'] ?? 0);
  // LIMITATION: extra fds cannot be passed to the init yet.
  if (!(preserve === 0))
    throw unsupported('--preserve-fds', 'passing extra fds is not supported yet');
  if (f['pidfd-socket'] !== undefined) throw unsupported('--pidfd-socket');
  const pidFile = str('pid-file');
  const consoleSocket = str('console-socket');
  return {
    root,
    id: oneId(p),
    bundle: resolve(str('bundle') ?? '.'),
    ...(pidFile === undefined ? {} : { pidFile: resolve(pidFile) }),
    ...(consoleSocket === undefined ? {} : { consoleSocket }),
    noPivot: f['no-pivot'] === true,
    noNewKeyring: f['no-new-keyring'] === true,
  };
}

/** Runs one parsed command line; resolves to the exit status. */
export async function runCommand(p: ParsedArgv, log: RuntimeLog): Promise<number> {
  const root = typeof p.global['root'] === 'string' ? p.global['root'] : DEFAULT_ROOT;
  const onWarning = (msg: string) => log.warn(msg);

  switch (p.command) {
    case 'create': {
      const created = await createContainer({ ...createOptions(p, root), onWarning });
      log.debug(`created container ${created.state.id} with init pid ${created.pid}`);
      return 0;
    }
    case 'run':
      if (p.flags['detach'] === true)
        throw unsupported('run --detach', 'not supported: use create and start');
      // A terminal container in the foreground is attached to ours, when we have one.
      // LIMITATION: without a tty on stdin and stdout, run refuses a terminal config.
      return runContainer({
        ...createOptions(p, root),
        onWarning,
        ...(isatty(0) && isatty(1) ? { terminalIO: { input: 0, output: 1 } } : {}),
      });
    case 'start':
      await startContainer({ root, id: oneId(p), onWarning });
      return 0;
    case 'state':
      out(JSON.stringify(containerState({ root, id: oneId(p) }), null, 2));
      return 0;
    case 'kill':
      killContainer({
        root,
        id: oneId(p, 1),
        signal: p.args[1] ?? 'SIGTERM',
        all: p.flags['all'] === true,
      });
      return 0;
    case 'delete':
      await deleteContainer({ root, id: oneId(p), force: p.flags['force'] === true, onWarning });
      return 0;
    case 'exec':
      return execCommand(p, root);
    case 'ps': {
      const [id, ...psArgs] = p.args;
      if (id === undefined) throw new IzaError(OciErrorCode.Usage, 'ps: expects a container id');
      const format = p.flags['format'] ?? 'table';
      if (format === 'json') out(JSON.stringify(containerPids({ root, id })));
      else if (format === 'table') writeSync(1, containerPsTable({ root, id, psArgs }));
      else throw new IzaError(OciErrorCode.Usage, `ps: --format must be table or json`);
      return 0;
    }
    case 'pause':
      await pauseContainer({ root, id: oneId(p) });
      return 0;
    case 'resume':
      await resumeContainer({ root, id: oneId(p) });
      return 0;
    case 'update':
      await updateContainer({ root, id: oneId(p), resources: resourcesFromArgv(p) });
      return 0;
    case 'features':
      out(JSON.stringify(features(), null, 2));
      return 0;
    case 'spec': {
      const bundle = typeof p.flags['bundle'] === 'string' ? p.flags['bundle'] : '.';
      const spec = defaultSpec({ rootless: p.flags['rootless'] === true });
      await writeFile(join(bundle, 'config.json'), `${JSON.stringify(spec, null, 2)}\n`, {
        flag: 'wx',
      });
      return 0;
    }
    default:
      throw new IzaError(OciErrorCode.Usage, `unknown command ${String(p.command)}`);
  }
}

/** `--version`, as runc prints it. */
export function versionText(): string {
  return `iza-runtime version ${RUNTIME_VERSION}\nspec: ${OCI_VERSION}\n`;
}

/** `--help`. */
export function helpText(): string {
  return `usage: iza-runtime [--root DIR] [--log FILE] [--log-format text|json] [--debug] COMMAND

An OCI runtime with runc's command line (iza).

commands:
  create --bundle B [--pid-file P] [--console-socket S] [--no-new-keyring] ID
                      create the container; its init waits for start
  start ID            run the user program of a created container
  state ID            print the state JSON
  kill [--all] ID [SIGNAL]  signal the container (default SIGTERM)
  delete [--force] ID delete a stopped (or created; --force: running) container
  run --bundle B ID   create, start, wait and delete; exits with the container's status
                      (a process.terminal container is attached to this terminal)
  exec [--process FILE] [-d] [--pid-file P] [--console-socket S] [-t] [--cwd D] [-e K=V]...
       [-u UID[:GID]] [-g GID]... [-c CAP]... [--no-new-privs] ID [COMMAND [ARG...]]
                      run one more process in a created or running container (its
                      namespaces, cgroups and seccomp filter); exits with its status, or
                      with -d once it runs; 255 when it cannot be started
  ps [--format table|json] ID [PS-OPTIONS...]
                      list the container's processes (json: host pids; table: ps -ef lines)
  pause ID            freeze every process of the container; state says paused
  resume ID           thaw a paused container
  update [--resources FILE|-] [--memory N] [--memory-swap N] [--memory-reservation N]
         [--cpu-share N] [--cpu-quota N] [--cpu-period N] [--cpuset-cpus S]
         [--cpuset-mems S] [--pids-limit N] ID
                      change the container's cgroup limits (FILE: OCI LinuxResources JSON)
  spec [--bundle B]   write a starting config.json
  features            print the features JSON

global options:
  --root DIR          state directory (default ${DEFAULT_ROOT})
  --log FILE          also append messages to FILE
  --log-format F      text (default) or json
  --debug             log debug messages
examples:
  iza-runtime --root /tmp/state create --bundle ./bundle --pid-file ./pid c1 && iza-runtime start c1
  iza-runtime --root /tmp/state exec c1 sh -c 'ps; hostname'
  echo '{"memory":{"limit":104857600}}' | iza-runtime --root /tmp/state update --resources - c1
`;
}
