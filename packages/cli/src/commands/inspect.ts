import type { Argv } from 'yargs';

import type { CommandContext, CommandModule } from '../command.js';
import { engineFor } from '../engine-from-globals.js';
import { checkTemplate, renderTemplate } from '../go-template.js';
import { printError } from '../output.js';

/** `iza inspect` and `iza image inspect`: docker's JSON array, or a line per image by --format. */
export async function inspectImages(
  argv: Record<string, unknown>,
  ctx: CommandContext,
): Promise<number> {
  const format = argv.format === undefined ? undefined : String(argv.format);
  if (format !== undefined && format !== 'json') checkTemplate(format);
  const engine = engineFor(ctx);
  const out = [];
  let failed = false;
  for (const ref of argv.IMAGE as string[]) {
    try {
      out.push(await engine.inspectImage(String(ref)));
    } catch (err) {
      printError(ctx.stderr, err);
      failed = true;
    }
  }
  if (format === undefined || format === 'json') {
    ctx.stdout.write(`${JSON.stringify(out, null, 4)}\n`);
  } else {
    for (const image of out) ctx.stdout.write(`${renderTemplate(format, image)}\n`);
  }
  return failed ? 1 : 0;
}

/** The positionals and options of both inspect commands. */
export function inspectOptions(y: Argv): Argv {
  return y
    .positional('IMAGE', { type: 'string', array: true, describe: 'Image names or IDs' })
    .option('format', {
      alias: 'f',
      type: 'string',
      describe: "json (the default), or a Go template: '{{.Config.Cmd}}', '{{json .Config}}'",
    })
    .example('iza inspect alpine:latest', 'Show the image config as JSON')
    .example("iza inspect -f '{{.Config.Entrypoint}} {{.Config.Cmd}}' alpine", 'Show one field');
}

const DESCRIBE = 'Show the configuration of one or more images as JSON';

const inspect: CommandModule = {
  command: 'inspect <IMAGE..>',
  describe: DESCRIBE,
  builder: (y: Argv) => inspectOptions(y),
  handler: inspectImages,
};

export default inspect;
