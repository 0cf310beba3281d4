import { IzaError } from '@iza/errors';

import { OciErrorCode } from '../errors.js';

/** A flag's shape: `bool` takes no value; `string` takes the next word or `=value`. */
type FlagKind = 'bool' | 'string';

/** Flags per command, with their aliases; names are stored without dashes. */
const GLOBAL: Record<string, FlagKind> = {
  root: 'string',
  log: 'string',
  'log-format': 'string',
  'systemd-cgroup': 'bool',
  debug: 'bool',
  rootless: 'string',
  version: 'bool',
  help: 'bool',
};

const CREATE: Record<string, FlagKind> = {
  bundle: 'string',
  'pid-file': 'string',
  'console-socket': 'string',
  'pidfd-socket': 'string',
  'no-pivot': 'bool',
  'no-new-keyring': 'bool',
  'preserve-fds': 'string',
  detach: 'bool',
  keep: 'bool',
};

export const COMMAND_FLAGS: Record<string, Record<string, FlagKind>> = {
  create: CREATE,
  run: CREATE,
  start: {},
  state: {},
  kill: { all: 'bool' },
  delete: { force: 'bool' },
  spec: { bundle: 'string', rootless: 'bool' },
  features: {},
};

const ALIASES: Record<string, string> = {
  b: 'bundle',
  f: 'force',
  a: 'all',
  d: 'detach',
  v: 'version',
  h: 'help',
};

/** A parsed command line: global flags, the command, its flags and positionals. */
export interface ParsedArgv {
  global: Record<string, string | boolean>;
  command: string | undefined;
  flags: Record<string, string | boolean>;
  args: string[];
}

function usage(message: string): IzaError {
  return new IzaError(OciErrorCode.Usage, message, { hint: 'see iza-runtime --help' });
}

function takeFlag(
  argv: readonly string[],
  i: number,
  table: Record<string, FlagKind>,
  out: Record<string, string | boolean>,
): number {
  const word = argv[i] as string;
  const body = word.replace(/^--?/, '');
  const eq = body.indexOf('=');
  const rawName = eq < 0 ? body : body.slice(0, eq);
  const name = ALIASES[rawName] ?? rawName;
  const kind = table[name];
  if (kind === undefined) throw usage(`unknown flag ${word}`);

  if (kind === 'bool') {
    out[name] = eq < 0 ? true : !['false', '0'].includes(body.slice(eq + 1));
    return i + 1;
  }
  if (eq >= 0) {
    out[name] = body.slice(eq + 1);
    return i + 1;
  }
  const value = argv[i + 1];
  if (value === undefined) throw usage(`flag ${word} needs a value`);
  out[name] = value;
  return i + 2;
}

/**
 * runc's command line (urfave/cli style): global flags, a command, then its flags and
 * positionals in any order; `--` ends flags. No library: this runs once per container.
 */
export function parseArgv(argv: readonly string[]): ParsedArgv {
  const parsed: ParsedArgv = { global: {}, command: undefined, flags: {}, args: [] };
  let i = 0;
  while (i < argv.length && (argv[i] as string).startsWith('-'))
    i = takeFlag(argv, i, GLOBAL, parsed.global);
  parsed.command = argv[i];
  if (parsed.command === undefined) return parsed;

  const table = COMMAND_FLAGS[parsed.command];
  if (table === undefined) throw usage(`unknown command ${JSON.stringify(parsed.command)}`);
  i++;
  let flagsDone = false;
  while (i < argv.length) {
    const word = argv[i] as string;
    if (!flagsDone && word === '--') {
      flagsDone = true;
      i++;
    } else if (!flagsDone && word.startsWith('-') && word !== '-' && !/^-\d+$/.test(word)) {
      i = takeFlag(argv, i, table, parsed.flags);
    } else {
      parsed.args.push(word);
      i++;
    }
  }
  return parsed;
}
