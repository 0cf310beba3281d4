import type { Argv } from 'yargs';

import type { CommandModule } from '../command.js';
import { engineFor } from '../engine-from-globals.js';
import { copyFileTo, withTempArchive } from '../temp-archive.js';

const save: CommandModule = {
  command: 'save <IMAGE..>',
  describe: 'Save one or more images to an OCI archive',
  builder: (y: Argv) =>
    y
      .positional('IMAGE', { type: 'string', array: true, describe: 'Names or IDs' })
      .option('output', {
        alias: 'o',
        type: 'string',
        describe: 'Write to this file instead of STDOUT',
      })
      .example(
        'iza save -o alpine.tar alpine:latest',
        'Write an OCI archive (skopeo: oci-archive:alpine.tar)',
      )
      .example('iza save alpine:latest | gzip > alpine.tar.gz', 'Write it to a pipe'),

  async handler(argv, ctx) {
    const images = (argv.IMAGE as string[]).map(String);
    const engine = engineFor(ctx);
    if (argv.output !== undefined) {
      await engine.saveImages(images, String(argv.output));
      return 0;
    }
    if (ctx.stdout.isTTY) {
      // docker's refusal: an archive is binary, a terminal would show garbage.
      ctx.stderr.write(
        'Error: cowardly refusing to save to a terminal. Use the -o flag or redirect\n',
      );
      return 125;
    }
    await withTempArchive(ctx.env, async (path) => {
      await engine.saveImages(images, path);
      await copyFileTo(path, ctx.stdout);
    });
    return 0;
  },
};

export default save;
