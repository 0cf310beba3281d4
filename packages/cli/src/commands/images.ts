import type { ImageSummary } from '@iza/engine';
import { IzaError } from '@iza/errors';
import type { Argv } from 'yargs';

import type { CommandModule } from '../command.js';
import { engineFor } from '../engine-from-globals.js';
import { checkTemplate, renderTemplate, tableTemplate } from '../go-template.js';
import { formatTable, humanAge, humanSize, shortId } from '../output.js';

const images: CommandModule = {
  command: 'images [REPOSITORY]',
  describe: 'List images',
  builder: (y: Argv) =>
    y
      .positional('REPOSITORY', {
        type: 'string',
        describe: 'Only images of this repository, or of this REPOSITORY:TAG',
      })
      .option('quiet', {
        alias: 'q',
        type: 'boolean',
        default: false,
        describe: 'Only show image IDs',
      })
      .option('all', {
        alias: 'a',
        type: 'boolean',
        default: false,
        describe: 'Show all images (iza keeps no intermediate images: the same list)',
      })
      .option('digests', { type: 'boolean', default: false, describe: 'Show digests' })
      .option('no-trunc', { type: 'boolean', default: false, describe: "Don't truncate IDs" })
      .option('filter', {
        alias: 'f',
        type: 'string',
        describe: 'Filter output: dangling=true|false',
      })
      .option('format', {
        type: 'string',
        default: 'table',
        describe: "table, json (one object per line), or a Go template: '{{.Repository}}:{{.Tag}}'",
      })
      .example('iza images', 'List images')
      .example('iza images alpine', 'List the tags of alpine')
      .example('iza images --format json', 'One JSON object per image')
      .example("iza images --format '{{.Repository}}:{{.Tag}}'", 'One name per line'),

  async handler(argv, ctx) {
    const format = String(argv.format);
    if (format !== 'table' && format !== 'json') checkTemplate(format);
    const repository = argv.REPOSITORY === undefined ? undefined : String(argv.REPOSITORY);
    const dangling = danglingFilter(argv.filter);
    let list = await engineFor(ctx).listImages(repository);
    if (dangling !== undefined) list = list.filter((i) => (i.name === undefined) === dangling);
    const id = (i: ImageSummary) => (argv.noTrunc === true ? i.id : shortId(i.id));

    if (argv.quiet === true) {
      ctx.stdout.write([...new Set(list.map(id))].map((i) => `${i}\n`).join(''));
      return 0;
    }
    if (format === 'json') {
      for (const i of list) ctx.stdout.write(`${JSON.stringify(row(i, id(i)))}\n`);
      return 0;
    }
    if (format !== 'table') {
      const table = tableTemplate(format);
      if (!table) {
        for (const i of list) ctx.stdout.write(`${renderTemplate(format, row(i, id(i)))}\n`);
        return 0;
      }
      // docker aligns a table template's tab-separated cells in columns.
      const cells = (text: string) => renderTemplate(text, {}).split('\t');
      const rows = list.map((i) => renderTemplate(table.row, row(i, id(i))).split('\t'));
      ctx.stdout.write(formatTable(cells(table.header), rows));
      return 0;
    }

    const digests = argv.digests === true;
    ctx.stdout.write(
      formatTable(
        ['REPOSITORY', 'TAG', ...(digests ? ['DIGEST'] : []), 'IMAGE ID', 'CREATED', 'SIZE'],
        list.map((i) => [
          i.repository,
          i.tag,
          ...(digests ? [i.repoDigest] : []),
          id(i),
          i.created ? humanAge(new Date(i.created)) : 'N/A',
          humanSize(i.size),
        ]),
      ),
    );
    return 0;
  },
};

/** One image as docker's `--format` sees it (its field names and values). */
function row(i: ImageSummary, id: string): Record<string, unknown> {
  return {
    Repository: i.repository,
    Tag: i.tag,
    ID: id,
    Digest: i.repoDigest,
    CreatedAt: i.created,
    CreatedSince: i.created ? humanAge(new Date(i.created)) : 'N/A',
    Size: humanSize(i.size),
    VirtualSize: i.size,
  };
}

/** `--filter dangling=true|false`; docker's other filters are refused by name. */
function danglingFilter(value: unknown): boolean | undefined {
  if (value === undefined) return undefined;
  const m = /^dangling=(true|false)$/.exec(String(value));
  if (!m) {
    throw new IzaError('ERR_IZA_CLI_INVALID_FILTER', `invalid filter '${String(value)}'`, {
      hint: 'iza images filters on dangling=true or dangling=false',
    });
  }
  return m[1] === 'true';
}

export default images;
