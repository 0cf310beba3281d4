import type { Argv } from 'yargs';

import type { CommandContext, CommandModule } from '../command.js';
import { engineFor } from '../engine-from-globals.js';
import { groupOwnOptions } from '../help-layout.js';
import images from './images.js';
import { inspectImages, inspectOptions } from './inspect.js';
import rmi from './rmi.js';

async function mount(argv: Record<string, unknown>, ctx: CommandContext): Promise<number> {
  ctx.stdout.write(`${await engineFor(ctx).mountImage(String(argv.IMAGE))}\n`);
  return 0;
}

async function umount(argv: Record<string, unknown>, ctx: CommandContext): Promise<number> {
  await engineFor(ctx).unmountImage(String(argv.IMAGE));
  return 0;
}

async function prune(argv: Record<string, unknown>, ctx: CommandContext): Promise<number> {
  const r = await engineFor(ctx).pruneImages({ all: argv.all === true });
  for (const d of r.deleted) ctx.stdout.write(`Deleted: ${d}\n`);
  ctx.stdout.write(`Deleted ${r.deleted.length} blobs and ${r.layers} unpacked layers\n`);
  return 0;
}

const INSPECT = 'Show the configuration of one or more images as JSON';
const MOUNT = 'Mount an image read-only and print the path of its root filesystem';
const UMOUNT = 'Unmount an image mounted with iza image mount';
const PRUNE = 'Remove unused blobs, layers and leftovers of interrupted pulls';
const LS = 'List images (same as iza images)';
const RM = 'Remove images (same as iza rmi)';

/** `iza image inspect|mount|umount|prune|ls|rm`, as docker's and podman's `image` group. */
const image: CommandModule = {
  command: 'image <COMMAND>',
  describe: 'Manage images',
  subcommands: true,
  builder: (y: Argv, wrap) =>
    y
      .command(
        'inspect <IMAGE..>',
        INSPECT,
        (c) => sub(inspectOptions(c), 'inspect [OPTIONS] IMAGE [IMAGE...]', INSPECT),
        wrap(inspectImages),
      )
      .command(
        'mount <IMAGE>',
        MOUNT,
        (c) =>
          sub(c.positional('IMAGE', NAME), 'mount IMAGE', MOUNT, [
            'iza image mount alpine:latest',
            'Print the path of a read-only root filesystem',
          ]),
        wrap(mount),
      )
      .command(
        ['umount <IMAGE>', 'unmount <IMAGE>'],
        UMOUNT,
        (c) =>
          sub(c.positional('IMAGE', NAME), 'umount IMAGE', UMOUNT, [
            'iza image umount alpine:latest',
            'Unmount what iza image mount mounted',
          ]),
        wrap(umount),
      )
      .command(
        'prune',
        PRUNE,
        (c) =>
          sub(
            c
              .option('all', {
                alias: 'a',
                type: 'boolean',
                default: false,
                describe: 'Remove all images too',
              })
              .option('force', {
                alias: 'f',
                type: 'boolean',
                default: false,
                describe: 'Do not ask (iza never asks)',
              }),
            'prune [OPTIONS]',
            PRUNE,
            ['iza image prune', 'Remove dangling images, unused blobs and layers'],
          ),
        wrap(prune),
      )
      .command(
        'ls [REPOSITORY]',
        LS,
        (c) => sub(images.builder(c, wrap), 'ls [OPTIONS] [REPOSITORY[:TAG]]', LS),
        wrap(images.handler),
      )
      .command(
        'rm <IMAGE..>',
        RM,
        (c) => sub(rmi.builder(c, wrap), 'rm [OPTIONS] IMAGE [IMAGE...]', RM),
        wrap(rmi.handler),
      )
      .demandCommand(1, 'give an image command: inspect, mount, umount, prune, ls, rm')
      .example('iza image mount alpine:latest', 'Print the path of a read-only root filesystem')
      .example('iza image inspect alpine:latest', 'Show the image config'),

  async handler(_argv, ctx) {
    ctx.stderr.write('Error: give an image command: inspect, mount, umount, prune, ls, rm\n');
    return 125;
  },
};

const NAME = { type: 'string', describe: 'Image name or ID' } as const;

/**
 * A subcommand's help: its usage line, an example where the command it stands for has none, and
 * its positionals, its own options, then the global ones (help-layout.ts).
 */
function sub(c: Argv, usage: string, describe: string, example?: [string, string]): Argv {
  c = c.usage(`Usage: iza image ${usage}\n\n${describe}`);
  if (example) c = c.example(...example);
  return groupOwnOptions(c, ['IMAGE', 'REPOSITORY']);
}

export default image;
