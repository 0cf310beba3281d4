import type { Argv } from 'yargs';

import type { CommandModule } from '../command.js';
import { engineFor } from '../engine-from-globals.js';

const load: CommandModule = {
  command: 'load',
  describe: 'Load images from an OCI archive',
  builder: (y: Argv) =>
    y
      .option('input', {
        alias: 'i',
        type: 'string',
        demandOption: true,
        describe: 'Read from this file',
      })
      .example('iza load -i alpine.tar', 'Load the images saved with iza save'),

  async handler(argv, ctx) {
    const names = await engineFor(ctx).loadImages(String(argv.input));
    for (const n of names) ctx.stdout.write(`Loaded image: ${n}\n`);
    return 0;
  },
};

export default load;
