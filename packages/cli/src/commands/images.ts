import type { Argv } from 'yargs';

import type { CommandModule } from '../command.js';
import { engineFor } from '../engine-from-globals.js';
import { formatTable, humanAge, humanSize, shortId } from '../output.js';

const images: CommandModule = {
  command: 'images',
  describe: 'List images',
  builder: (y: Argv) =>
    y
      .option('quiet', {
        alias: 'q',
        type: 'boolean',
        default: false,
        describe: 'Only show image IDs',
      })
      .option('format', {
        type: 'string',
        choices: ['table', 'json'],
        default: 'table',
        describe: 'Output format: table, or json (one object per line)',
      })
      .example('iza images', 'List images')
      .example('iza images --format json', 'One JSON object per image'),

  async handler(argv, ctx) {
    const list = await engineFor(ctx).listImages();
    if (argv.quiet === true) {
      ctx.stdout.write(
        [...new Set(list.map((i) => shortId(i.id)))].map((id) => `${id}\n`).join(''),
      );
      return 0;
    }
    if (argv.format === 'json') {
      for (const i of list) {
        ctx.stdout.write(
          `${JSON.stringify({
            Repository: i.repository,
            Tag: i.tag,
            ID: shortId(i.id),
            Digest: i.digest,
            CreatedAt: i.created,
            Size: humanSize(i.size),
            VirtualSize: i.size,
          })}\n`,
        );
      }
      return 0;
    }
    ctx.stdout.write(
      formatTable(
        ['REPOSITORY', 'TAG', 'IMAGE ID', 'CREATED', 'SIZE'],
        list.map((i) => [
          i.repository,
          i.tag,
          shortId(i.id),
          i.created ? humanAge(new Date(i.created)) : 'N/A',
          humanSize(i.size),
        ]),
      ),
    );
    return 0;
  },
};

export default images;
