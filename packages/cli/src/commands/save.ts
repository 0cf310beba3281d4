import type { Argv } from 'yargs';

import type { CommandModule } from '../command.js';
import { engineFor } from '../engine-from-globals.js';

const save: CommandModule = {
  command: 'save <images..>',
  describe: 'Save one or more images to an OCI archive',
  builder: (y: Argv) =>
    y
      .positional('images', { type: 'string', array: true })
      .option('output', {
        alias: 'o',
        type: 'string',
        demandOption: true,
        describe: 'Write to this file',
      })
      .example(
        'iza save -o alpine.tar alpine:latest',
        'Write an OCI archive (skopeo: oci-archive:alpine.tar)',
      ),

  async handler(argv, ctx) {
    await engineFor(ctx).saveImages((argv.images as string[]).map(String), String(argv.output));
    return 0;
  },
};

export default save;
