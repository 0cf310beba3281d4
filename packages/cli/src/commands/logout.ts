import type { Argv } from 'yargs';

import type { CommandModule } from '../command.js';
import { engineFor } from '../engine-from-globals.js';

const logout: CommandModule = {
  command: 'logout [server]',
  describe: 'Log out from a registry',
  builder: (y: Argv) =>
    y.positional('server', { type: 'string', describe: 'Registry host[:port]; default docker.io' }),

  async handler(argv, ctx) {
    const server = argv.server === undefined ? 'docker.io' : String(argv.server);
    const removed = await engineFor(ctx).logout(server);
    ctx.stdout.write(
      removed ? `Removing login credentials for ${server}\n` : `Not logged in to ${server}\n`,
    );
    return 0;
  },
};

export default logout;
