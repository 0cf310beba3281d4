import type { Argv } from 'yargs';

import type { CommandModule } from '../command.js';
import { engineFor } from '../engine-from-globals.js';

const logout: CommandModule = {
  command: 'logout [SERVER]',
  describe: 'Log out from a registry',
  builder: (y: Argv) =>
    y
      .positional('SERVER', { type: 'string', describe: 'Registry host[:port]; default docker.io' })
      .example('iza logout 127.0.0.1:5000', "Remove that registry's credentials"),

  async handler(argv, ctx) {
    const server = argv.SERVER === undefined ? 'docker.io' : String(argv.SERVER);
    const removed = await engineFor(ctx).logout(server);
    ctx.stdout.write(
      removed ? `Removing login credentials for ${server}\n` : `Not logged in to ${server}\n`,
    );
    return 0;
  },
};

export default logout;
