import { resolve } from 'node:path';
import { isatty } from 'node:tty';

import { IzaError } from '@iza/errors';

import { unsupported, OciErrorCode } from '../errors.js';
import { execContainer } from '../exec.js';
import { processFromFlags, readProcessFile } from '../exec-request.js';
import { must } from '../operations.js';
import type { ParsedArgv } from './argv.js';

const str = (p: ParsedArgv, name: string) => {
  const v = p.flags[name];
  return typeof v === 'string' ? v : undefined;
};
const list = (p: ParsedArgv, name: string) => {
  const v = p.flags[name];
  return Array.isArray(v) ? v : [];
};

function refuseUnsupported(p: ParsedArgv): void {
  const preserve = str(p, 'preserve-fds') ?? '0';
  // LIMITATION: extra fds cannot be passed to an exec'd process yet.
  if (preserve !== '0')
    throw unsupported('--preserve-fds', 'passing extra fds is not supported yet');
  if (str(p, 'pidfd-socket') !== undefined) throw unsupported('--pidfd-socket');
  if (list(p, 'cgroup').length > 0)
    throw unsupported('--cgroup', 'exec into a sub-cgroup is not supported');
  if (p.flags['ignore-paused'] === true)
    throw unsupported('--ignore-paused', 'exec into a paused container is not supported');
  for (const name of ['process-label', 'apparmor']) {
    if (str(p, name) !== undefined)
      throw unsupported(`--${name}`, 'iza has no SELinux or AppArmor support');
  }
}

/**
 * `exec [flags] ID [COMMAND...]`, runc's: the process from --process, or the container's own
 * with the command and the flags that change it. Resolves to the exit status.
 */
export async function execCommand(p: ParsedArgv, root: string): Promise<number> {
  const [id, ...command] = p.args;
  if (id === undefined) {
    throw new IzaError(OciErrorCode.Usage, 'exec: expects a container id', {
      hint: 'iza-runtime exec ID COMMAND [ARG...], or exec --process FILE ID',
    });
  }
  refuseUnsupported(p);
  const file = str(p, 'process');
  if (file !== undefined && command.length > 0) {
    throw new IzaError(OciErrorCode.Usage, 'exec: a command and --process exclude each other');
  }

  const process =
    file !== undefined
      ? readProcessFile(file)
      : processFromFlags(must(root, id).process, {
          args: command,
          ...(str(p, 'cwd') === undefined ? {} : { cwd: str(p, 'cwd') as string }),
          env: list(p, 'env'),
          tty: p.flags['tty'] === true,
          ...(str(p, 'user') === undefined ? {} : { user: str(p, 'user') as string }),
          additionalGids: list(p, 'additional-gids'),
          caps: list(p, 'cap'),
          ...(p.flags['no-new-privs'] === undefined
            ? {}
            : { noNewPrivs: p.flags['no-new-privs'] === true }),
        });
  const pidFile = str(p, 'pid-file');
  const consoleSocket = str(p, 'console-socket');
  const result = await execContainer({
    root,
    id,
    process,
    detach: p.flags['detach'] === true,
    forwardSignals: true,
    ...(pidFile === undefined ? {} : { pidFile: resolve(pidFile) }),
    ...(consoleSocket === undefined ? {} : { consoleSocket }),
    // A foreground terminal exec is attached to ours, when we have one (as run).
    ...(isatty(0) && isatty(1) ? { terminalIO: { input: 0, output: 1 } } : {}),
  });
  // A detached process is left to the caller's subreaper once this process exits, as runc's.
  return result.status;
}
