import type { Argv } from 'yargs';

import type { CommandModule } from '../command.js';
import { engineFor } from '../engine-from-globals.js';
import { asList } from '../global-options.js';
import { createPullRenderer } from '../pull-progress.js';

/** `iza run`: docker's flags with docker's meaning. */
const run: CommandModule = {
  command: 'run <image> [command..]',
  describe: 'Run a command in a new container',
  valuedOptions: new Set([
    '-e', '--env', '--env-file', '-w', '--workdir', '-u', '--user', '--hostname', '-h',
    '--name', '-v', '--volume', '--network', '--net', '--entrypoint', '--pull', '--platform',
    '-m', '--memory', '--memory-swap', '--memory-reservation', '--cpus', '-c', '--cpu-shares',
    '--cpuset-cpus', '--pids-limit', '--cgroup-parent',
  ]),

  builder: (y: Argv) =>
    y
      .positional('image', {
        type: 'string',
        describe: 'Image to run, or an absolute host path to run with no image',
      })
      .positional('command', { type: 'string', array: true, describe: 'Command and arguments' })
      .option('rm', { type: 'boolean', default: false, describe: 'Remove the container when it exits (always the case today)' })
      .option('interactive', { alias: 'i', type: 'boolean', default: false, describe: 'Keep STDIN open' })
      .option('tty', { alias: 't', type: 'boolean', default: false, describe: 'Allocate a pseudo-TTY' })
      .option('env', { alias: 'e', type: 'string', describe: 'Set an environment variable: KEY=VALUE, or KEY to copy it from the host' })
      .option('env-file', { type: 'string', describe: 'Read environment variables from a file' })
      .option('workdir', { alias: 'w', type: 'string', describe: 'Working directory inside the container' })
      .option('user', { alias: 'u', type: 'string', describe: 'User: name|uid[:group|gid]' })
      .option('hostname', { type: 'string', describe: 'Container host name (default iza-container)' })
      .option('name', { type: 'string', describe: 'Assign a name to the container' })
      .option('volume', { alias: 'v', type: 'string', describe: 'Bind mount a volume: /host/path:/container/path[:ro]' })
      .option('read-only', { type: 'boolean', default: false, describe: "Mount the container's root filesystem read-only" })
      .option('init', { type: 'boolean', default: false, describe: 'Run an init inside the container that forwards signals and reaps processes' })
      .option('network', { alias: 'net', type: 'string', default: 'none', choices: ['none'], describe: 'Network: none (loopback only)' })
      .option('entrypoint', { type: 'string', describe: 'Overwrite the default ENTRYPOINT of the image ("" clears it)' })
      .option('pull', { type: 'string', default: 'missing', choices: ['missing', 'always', 'never'], describe: 'Pull image before running' })
      .option('platform', { type: 'string', describe: 'Platform if the image is multi-platform: os/arch[/variant]' })
      .option('memory', { alias: 'm', type: 'string', describe: 'Memory limit: 50m, 1g (b, k, m, g)' })
      .option('memory-swap', { type: 'string', describe: 'Memory plus swap limit; -1 for unlimited swap' })
      .option('memory-reservation', { type: 'string', describe: 'Memory soft limit' })
      .option('cpus', { type: 'string', describe: 'Number of CPUs: 0.5, 2' })
      .option('cpu-shares', { alias: 'c', type: 'string', describe: 'CPU shares (relative weight)' })
      .option('cpuset-cpus', { type: 'string', describe: 'CPUs in which to allow execution: 0-2,4' })
      .option('pids-limit', { type: 'string', describe: 'Tune container pids limit (-1 for unlimited)' })
      .option('cgroup-parent', { type: 'string', describe: 'Optional parent cgroup for the container' })
      .example('iza run alpine:latest /bin/sh -c "ls / && hostname"', 'Run a command in an Alpine container')
      .example('iza run -it alpine:latest', 'Start an interactive shell')
      .example('iza run --memory 50m --cpus 0.5 alpine:latest top', 'Run with resource limits')
      .example('iza run /bin/sh -c "echo hi"', 'No image: a minimal root built from host binaries'),

  async handler(argv, ctx) {
    const str = (k: string) => (argv[k] === undefined ? undefined : String(argv[k]));
    const list = (k: string) => asList(argv[k]);
    const engine = engineFor(ctx);
    const progress = createPullRenderer(ctx.stderr, ctx.env);
    try {
      return await engine.run(
        {
          image: String(argv.image),
          command: ctx.rest,
          entrypoint: str('entrypoint'),
          env: list('env'),
          envFiles: list('envFile'),
          workdir: str('workdir'),
          user: str('user'),
          hostname: str('hostname'),
          name: str('name'),
          volumes: list('volume'),
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
        },
        { stdin: process.stdin, stdout: ctx.stdout, stderr: ctx.stderr },
        (e) => progress.onEvent(e),
      );
    } finally {
      progress.stop();
    }
  },
};

export default run;
