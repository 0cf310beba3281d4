import type { Argv } from 'yargs';

import type { CommandContext, CommandModule } from '../command.js';
import { engineFor } from '../engine-from-globals.js';
import { printError } from '../output.js';
import images from './images.js';
import rmi from './rmi.js';

async function inspect(argv: Record<string, unknown>, ctx: CommandContext): Promise<number> {
  const engine = engineFor(ctx);
  const out = [];
  let failed = false;
  for (const ref of argv.images as string[]) {
    try {
      out.push(await engine.inspectImage(String(ref)));
    } catch (err) {
      printError(ctx.stderr, err);
      failed = true;
    }
  }
  ctx.stdout.write(`${JSON.stringify(out, null, 4)}\n`);
  return failed ? 1 : 0;
}

async function mount(argv: Record<string, unknown>, ctx: CommandContext): Promise<number> {
  ctx.stdout.write(`${await engineFor(ctx).mountImage(String(argv.image))}\n`);
  return 0;
}

async function umount(argv: Record<string, unknown>, ctx: CommandContext): Promise<number> {
  await engineFor(ctx).unmountImage(String(argv.image));
  return 0;
}

async function prune(argv: Record<string, unknown>, ctx: CommandContext): Promise<number> {
  const r = await engineFor(ctx).pruneImages({ all: argv.all === true });
  for (const d of r.deleted) ctx.stdout.write(`Deleted: ${d}\n`);
  ctx.stdout.write(`Deleted ${r.deleted.length} blobs and ${r.layers} unpacked layers\n`);
  return 0;
}

/** `iza image inspect|mount|umount|prune|ls|rm`, as docker's and podman's `image` group. */
const image: CommandModule = {
  command: 'image <command>',
  describe: 'Manage images',
  builder: (y: Argv, wrap) =>
    y
      .command(
        'inspect <images..>',
        'Show the configuration of one or more images as JSON',
        (c) => c.positional('images', { type: 'string', array: true }),
        wrap(inspect),
      )
      .command(
        'mount <image>',
        'Mount an image read-only and print the path of its root filesystem',
        (c) => c.positional('image', { type: 'string' }),
        wrap(mount),
      )
      .command(
        ['umount <image>', 'unmount <image>'],
        'Unmount an image mounted with iza image mount',
        (c) => c.positional('image', { type: 'string' }),
        wrap(umount),
      )
      .command(
        'prune',
        'Remove unused blobs, layers and leftovers of interrupted pulls',
        (c) =>
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
        wrap(prune),
      )
      .command(
        'ls',
        'List images (same as iza images)',
        (c) => images.builder(c, wrap),
        wrap(images.handler),
      )
      .command(
        'rm <images..>',
        'Remove images (same as iza rmi)',
        (c) => rmi.builder(c, wrap),
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

export default image;
