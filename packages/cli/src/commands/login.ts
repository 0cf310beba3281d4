import { text } from 'node:stream/consumers';
import type { Argv } from 'yargs';

import type { CommandModule } from '../command.js';
import { engineFor } from '../engine-from-globals.js';
import { askLine } from '../prompt.js';

const login: CommandModule = {
  command: 'login [SERVER]',
  describe: "Log in to a registry (credentials kept in docker's config.json)",
  builder: (y: Argv) =>
    y
      .positional('SERVER', { type: 'string', describe: 'Registry host[:port]; default docker.io' })
      .option('username', { alias: 'u', type: 'string', describe: 'Username' })
      .option('password', {
        alias: 'p',
        type: 'string',
        describe: 'Password (prefer --password-stdin)',
      })
      .option('password-stdin', {
        type: 'boolean',
        default: false,
        describe: 'Read the password from stdin',
      })
      .example(
        'echo "$TOKEN" | iza login -u me --password-stdin 127.0.0.1:5000',
        'Log in without the password in the shell history',
      )
      .example('iza login 127.0.0.1:5000', 'Ask for the username and password on the terminal'),

  async handler(argv, ctx) {
    let username = argv.username === undefined ? undefined : String(argv.username);
    let password = argv.password === undefined ? undefined : String(argv.password);
    if (argv.passwordStdin === true) password = (await text(process.stdin)).replace(/\r?\n$/, '');
    const server = argv.SERVER === undefined ? 'docker.io' : String(argv.SERVER);
    // docker asks for what is missing on a terminal; a script gets the error instead.
    if (
      (!username || password === undefined) &&
      process.stdin.isTTY &&
      argv.passwordStdin !== true
    ) {
      username ||= await askLine(process.stdin, ctx.stderr, 'Username: ', false);
      password ??= await askLine(process.stdin, ctx.stderr, 'Password: ', true);
    }
    if (!username || password === undefined) {
      ctx.stderr.write('Error: give a username (-u) and a password (-p or --password-stdin)\n');
      return 125;
    }
    await engineFor(ctx).login(server, { username, password });
    ctx.stdout.write('Login Succeeded\n');
    return 0;
  },
};

export default login;
