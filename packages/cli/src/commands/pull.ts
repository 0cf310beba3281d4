import type { Argv } from 'yargs';

import type { CommandModule } from '../command.js';
import { engineFor } from '../engine-from-globals.js';
import { pullReport, pullWithProgress } from '../pull-report.js';

const pull: CommandModule = {
  command: 'pull <IMAGE>',
  describe: 'Download an image from a registry',
  builder: (y: Argv) =>
    y
      .positional('IMAGE', { type: 'string', describe: 'NAME[:TAG|@DIGEST]' })
      .option('quiet', {
        alias: 'q',
        type: 'boolean',
        default: false,
        describe: 'Print only the manifest digest',
      })
      .option('platform', {
        type: 'string',
        describe: 'Pull this platform of a multi-platform image: os/arch[/variant]',
      })
      .example('iza pull alpine:latest', 'Pull docker.io/library/alpine:latest')
      .example(
        'iza pull --platform linux/arm64 127.0.0.1:5000/app:1.0',
        'Pull one platform from a local registry',
      ),

  async handler(argv, ctx) {
    const quiet = argv.quiet === true;
    const platform = argv.platform === undefined ? undefined : String(argv.platform);
    const result = await pullWithProgress(engineFor(ctx), ctx, String(argv.IMAGE), platform, quiet);

    if (quiet) {
      ctx.stdout.write(`${result.digest}\n`);
      return 0;
    }
    ctx.stdout.write(pullReport(result));
    return 0;
  },
};

export default pull;
