import type { Argv } from 'yargs';

import type { CommandModule } from '../command.js';
import { engineFor } from '../engine-from-globals.js';
import { printError } from '../output.js';
import images from './images.js';
import rmi from './rmi.js';

/** `iza image inspect|mount|umount|prune|ls|rm`, as docker's and podman's `image` group. */
const image: CommandModule = {
  command: 'image <command>',
  describe: 'Manage images',
  builder: (y: Argv) =>
    y
      .command(
        'inspect <images..>',
        'Show the configuration of one or more images as JSON',
        (c) => c.positional('images', { type: 'string', array: true }),
      )
      .command(
        'mount <image>',
        'Mount an image read-only and print the path of its root filesystem',
        (c) => c.positional('image', { type: 'string' }),
      )
      .command(
        ['umount <image>', 'unmount <image>'],
        'Unmount an image mounted with iza image mount',
        (c) => c.positional('image', { type: 'string' }),
      )
      .command('prune', 'Remove unused blobs, layers and leftovers of interrupted pulls', (c) =>
        c
          .option('all', { alias: 'a', type: 'boolean', default: false, describe: 'Remove all images too' })
          .option('force', { alias: 'f', type: 'boolean', default: false, describe: 'Do not ask (iza never asks)' }),
      )
      .command('ls', 'List images (same as iza images)', images.builder)
      .command('rm <images..>', 'Remove images (same as iza rmi)', rmi.builder)
      .demandCommand(1)
      .example('iza image mount alpine:latest', 'Print the path of a read-only root filesystem')
      .example('iza image inspect alpine:latest', 'Show the image config'),

  async handler(argv, ctx) {
    const sub = (argv._ as string[])[1];
    const engine = engineFor(ctx);
    switch (sub) {
      case 'inspect': {
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
      case 'mount':
        ctx.stdout.write(`${await engine.mountImage(String(argv.image))}\n`);
        return 0;
      case 'umount':
      case 'unmount':
        await engine.unmountImage(String(argv.image));
        return 0;
      case 'prune': {
        const r = await engine.pruneImages({ all: argv.all === true });
        for (const d of r.deleted) ctx.stdout.write(`Deleted: ${d}\n`);
        ctx.stdout.write(`Deleted ${r.deleted.length} blobs and ${r.layers} unpacked layers\n`);
        return 0;
      }
      case 'ls':
        return images.handler(argv, ctx);
      case 'rm':
        return rmi.handler(argv, ctx);
      default:
        ctx.stderr.write(`Error: unknown image command ${sub}\n`);
        return 125;
    }
  },
};

export default image;
