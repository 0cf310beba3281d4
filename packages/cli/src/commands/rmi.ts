import type { Argv } from 'yargs';

import type { CommandModule } from '../command.js';
import { engineFor } from '../engine-from-globals.js';
import { printError } from '../output.js';

const rmi: CommandModule = {
  command: 'rmi <IMAGE..>',
  describe: 'Remove one or more images',
  builder: (y: Argv) =>
    y
      .positional('IMAGE', { type: 'string', array: true, describe: 'Names or IDs' })
      .option('force', {
        alias: 'f',
        type: 'boolean',
        default: false,
        describe: 'Remove even when an image has several names',
      })
      .example('iza rmi alpine:latest', 'Remove an image and free the layers no other image uses'),

  async handler(argv, ctx) {
    const engine = engineFor(ctx);
    let failed = false;
    for (const ref of argv.IMAGE as string[]) {
      try {
        const r = await engine.removeImage(String(ref), { force: argv.force === true });
        for (const u of r.untagged) ctx.stdout.write(`Untagged: ${u}\n`);
        for (const d of r.deleted) ctx.stdout.write(`Deleted: ${d}\n`);
      } catch (err) {
        printError(ctx.stderr, err);
        failed = true;
      }
    }
    return failed ? 1 : 0;
  },
};

export default rmi;
