import { resolve } from 'node:path';

import type { Argv } from 'yargs';

import type { CommandModule } from '../command.js';
import { engineFor } from '../engine-from-globals.js';
import { asList } from '../global-options.js';
import { addOptions, valuedFlags } from '../option-table.js';
import type { OptionSpec } from '../option-table.js';

/** `iza run`'s flags: docker's, with docker's meaning. */
const RUN_OPTIONS: OptionSpec[] = [
  {
    name: 'rm',
    type: 'boolean',
    default: false,
    describe: 'Remove the container when it exits (always the case today)',
  },
  { name: 'interactive', alias: 'i', type: 'boolean', default: false, describe: 'Keep STDIN open' },
  { name: 'tty', alias: 't', type: 'boolean', default: false, describe: 'Allocate a pseudo-TTY' },
  {
    name: 'env',
    alias: 'e',
    type: 'string',
    repeat: true,
    describe: 'Set an environment variable: KEY=VALUE, or KEY to copy it from the host',
  },
  {
    name: 'env-file',
    type: 'string',
    repeat: true,
    describe: 'Read environment variables from a file',
  },
  {
    name: 'workdir',
    alias: 'w',
    type: 'string',
    describe: 'Working directory inside the container',
  },
  { name: 'user', alias: 'u', type: 'string', describe: 'User: name|uid[:group|gid]' },
  { name: 'hostname', type: 'string', describe: 'Container host name (default iza-container)' },
  { name: 'name', type: 'string', describe: 'Assign a name to the container' },
  {
    name: 'volume',
    alias: 'v',
    type: 'string',
    repeat: true,
    describe: 'Bind mount a host path: /host/path:/container/path[:ro] (./path is relative)',
  },
  {
    name: 'read-only',
    type: 'boolean',
    default: false,
    describe: "Mount the container's root filesystem read-only",
  },
  {
    name: 'init',
    type: 'boolean',
    default: false,
    describe: 'Run an init inside the container that forwards signals and reaps processes',
  },
  {
    name: 'network',
    alias: 'net',
    type: 'string',
    default: 'none',
    choices: ['none'],
    describe: 'Network: none (loopback only)',
  },
  {
    name: 'entrypoint',
    type: 'string',
    describe: 'Overwrite the default ENTRYPOINT of the image ("" clears it)',
  },
  {
    name: 'pull',
    type: 'string',
    default: 'missing',
    choices: ['missing', 'always', 'never'],
    describe: 'Pull image before running',
  },
  {
    name: 'platform',
    type: 'string',
    describe: 'Platform if the image is multi-platform: os/arch[/variant]',
  },
  { name: 'memory', alias: 'm', type: 'string', describe: 'Memory limit: 50m, 1g (b, k, m, g)' },
  {
    name: 'memory-swap',
    type: 'string',
    describe: 'Memory plus swap limit; -1 for unlimited swap',
  },
  { name: 'memory-reservation', type: 'string', describe: 'Memory soft limit' },
  { name: 'cpus', type: 'string', describe: 'Number of CPUs: 0.5, 2 (0: no limit)' },
  { name: 'cpu-shares', alias: 'c', type: 'string', describe: 'CPU shares (relative weight)' },
  { name: 'cpuset-cpus', type: 'string', describe: 'CPUs in which to allow execution: 0-2,4' },
  { name: 'pids-limit', type: 'string', describe: 'Tune container pids limit (-1 for unlimited)' },
  { name: 'cgroup-parent', type: 'string', describe: 'Optional parent cgroup for the container' },
  {
    name: 'security-opt',
    type: 'string',
    repeat: true,
    describe: 'seccomp=unconfined|PROFILE.json, no-new-privileges[=true|false]',
  },
];

/**
 * `-v ./dir:/c` with the host path made absolute against the current directory, as docker's CLI
 * does for a source starting with `.` (any other relative source names a volume).
 */
function absoluteSource(volume: string): string {
  if (!volume.startsWith('.')) return volume;
  const colon = volume.indexOf(':');
  const source = colon < 0 ? volume : volume.slice(0, colon);
  return resolve(source) + (colon < 0 ? '' : volume.slice(colon));
}

/** What to say about docker's run flags users reach for that iza does not have. */
function flagHints(): Record<string, string> {
  const detached =
    'iza has no detached containers: a container lives as long as its iza run ' +
    '(start it in the background with &)';
  const ports = 'iza containers have a loopback network only (--network none): no ports to publish';
  return {
    '-d': detached,
    '--detach': detached,
    '-p': ports,
    '--publish': ports,
    '-P': ports,
    '--publish-all': ports,
  };
}

/** `iza run`: docker's flags with docker's meaning. */
const run: CommandModule = {
  command: 'run <IMAGE> [COMMAND..]',
  describe: 'Run a command in a new container',
  valuedOptions: valuedFlags(RUN_OPTIONS),

  fast: {
    options: RUN_OPTIONS,
    positionals: ['IMAGE'],
    missing: '"iza run" requires at least 1 argument: IMAGE, or /HOST/BINARY for no image',
    hints: flagHints(),
  },

  builder: (y: Argv) =>
    addOptions(
      y
        .positional('IMAGE', {
          type: 'string',
          describe: 'Image to run, or an absolute host path to run with no image',
        })
        .positional('COMMAND', { type: 'string', array: true, describe: 'Command and arguments' }),
      RUN_OPTIONS,
    )
      .example(
        'iza run alpine:latest /bin/sh -c "ls / && hostname"',
        'Run a command in an Alpine container',
      )
      .example('iza run -it alpine:latest', 'Start an interactive shell')
      .example('iza run --memory 50m --cpus 0.5 alpine:latest top', 'Run with resource limits')
      .example('iza run /bin/sh -c "echo hi"', 'No image: a minimal root built from host binaries'),

  async handler(argv, ctx) {
    const str = (k: string) => (argv[k] === undefined ? undefined : String(argv[k]));
    const list = (k: string) => asList(argv[k]);
    return engineFor(ctx).run(
      {
        image: String(argv.IMAGE),
        command: ctx.rest,
        entrypoint: str('entrypoint'),
        env: list('env'),
        envFiles: list('envFile'),
        workdir: str('workdir'),
        user: str('user'),
        hostname: str('hostname'),
        name: str('name'),
        volumes: list('volume').map(absoluteSource),
        readOnly: argv.readOnly === true,
        init: argv.init === true,
        tty: argv.tty === true,
        interactive: argv.interactive === true,
        pull: argv.pull as 'missing' | 'always' | 'never',
        platform: str('platform'),
        limits: {
          memory: str('memory'),
          memorySwap: str('memorySwap'),
          memoryReservation: str('memoryReservation'),
          cpus: str('cpus'),
          cpuShares: str('cpuShares'),
          cpusetCpus: str('cpusetCpus'),
          pidsLimit: str('pidsLimit'),
        },
        cgroupParent: str('cgroupParent'),
        securityOpts: list('securityOpt'),
      },
      { stdin: process.stdin, stdout: ctx.stdout, stderr: ctx.stderr },
    );
  },
};

export default run;
