import type { Argv } from 'yargs';

import type { CommandModule } from '../command.js';
import { engineFor } from '../engine-from-globals.js';
import { copyToFile, withTempArchive } from '../temp-archive.js';

const load: CommandModule = {
  command: 'load',
  describe: 'Load images from an OCI archive',
  builder: (y: Argv) =>
    y
      .option('input', {
        alias: 'i',
        type: 'string',
        describe: 'Read from this file instead of STDIN (gzip-compressed too)',
      })
      .example('iza load -i alpine.tar', 'Load the images saved with iza save')
      .example('iza load < alpine.tar', 'Read them from STDIN'),

  async handler(argv, ctx) {
    const engine = engineFor(ctx);
    let names: string[];
    if (argv.input !== undefined) {
      names = await engine.loadImages(String(argv.input));
    } else if (process.stdin.isTTY) {
      ctx.stderr.write(
        'Error: requested load from stdin, but stdin is empty\n' +
          'hint: give the archive with -i FILE, or redirect it: iza load < FILE\n',
      );
      return 125;
    } else {
      names = await withTempArchive(ctx.env, async (path) => {
        await copyToFile(process.stdin, path);
        return engine.loadImages(path);
      });
    }
    for (const n of names) ctx.stdout.write(`Loaded image: ${n}\n`);
    return 0;
  },
};

export default load;
