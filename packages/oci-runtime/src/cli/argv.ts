import { IzaError } from '@iza/errors';

import { OciErrorCode } from '../errors.js';

/**
 * A flag's shape: `bool` takes no value; `string` takes the next word or `=value`; `list` is a
 * string that may be repeated, each value kept.
 */
type FlagKind = 'bool' | 'string' | 'list';

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

// runc exec's flags; those iza refuses are still known, so the refusal can name them.
const EXEC: Record<string, FlagKind> = {
  process: 'string',
  detach: 'bool',
  'pid-file': 'string',
  'console-socket': 'string',
  'pidfd-socket': 'string',
  tty: 'bool',
  cwd: 'string',
  env: 'list',
  user: 'string',
  'additional-gids': 'list',
  cap: 'list',
  'no-new-privs': 'bool',
  'preserve-fds': 'string',
  'process-label': 'string',
  apparmor: 'string',
  cgroup: 'list',
  'ignore-paused': 'bool',
};

const UPDATE: Record<string, FlagKind> = {
  resources: 'string',
  memory: 'string',
  'memory-swap': 'string',
  'memory-reservation': 'string',
  'cpu-share': 'string',
  'cpu-quota': 'string',
  'cpu-period': 'string',
  'cpuset-cpus': 'string',
  'cpuset-mems': 'string',
  'pids-limit': 'string',
  'blkio-weight': 'string',
  'cpu-burst': 'string',
  'cpu-idle': 'string',
  'cpu-rt-period': 'string',
  'cpu-rt-runtime': 'string',
  'kernel-memory': 'string',
  'kernel-memory-tcp': 'string',
  'l3-cache-schema': 'string',
  'mem-bw-schema': 'string',
};

export const COMMAND_FLAGS: Record<string, Record<string, FlagKind>> = {
  create: CREATE,
  run: CREATE,
  start: {},
  state: {},
  kill: { all: 'bool' },
  delete: { force: 'bool' },
  exec: EXEC,
  ps: { format: 'string' },
  pause: {},
  resume: {},
  update: UPDATE,
  spec: { bundle: 'string', rootless: 'bool' },
  features: {},
};

// Short names, per command as runc has them (-f is --force for delete, --format for ps).
const GLOBAL_ALIASES: Record<string, string> = { v: 'version', h: 'help' };
const ALIASES: Record<string, Record<string, string>> = {
  create: { b: 'bundle', d: 'detach' },
  run: { b: 'bundle', d: 'detach' },
  kill: { a: 'all' },
  delete: { f: 'force' },
  exec: {
    p: 'process',
    d: 'detach',
    t: 'tty',
    e: 'env',
    u: 'user',
    g: 'additional-gids',
    c: 'cap',
  },
  ps: { f: 'format' },
  // runc's flag is --cpu-share; the brief form of docker and the OCI field name is shares.
  update: { r: 'resources', 'cpu-shares': 'cpu-share' },
  spec: { b: 'bundle' },
};

// runc stops parsing flags after the container id for these (StopOnNthArg): what follows is
// the command to run, or ps's own options, dashes and all.
const ARGS_AFTER_ID = new Set(['exec', 'ps']);

/** A parsed command line: global flags, the command, its flags and positionals. */
export interface ParsedArgv {
  global: Record<string, string | boolean>;
  command: string | undefined;
  flags: Record<string, string | boolean | string[]>;
  args: string[];
}

function usage(message: string): IzaError {
  return new IzaError(OciErrorCode.Usage, message, { hint: 'see iza-runtime --help' });
}

function takeFlag(
  argv: readonly string[],
  i: number,
  table: Record<string, FlagKind>,
  aliases: Record<string, string>,
  out: Record<string, string | boolean | string[]>,
): number {
  const word = argv[i] as string;
  const body = word.replace(/^--?/, '');
  const eq = body.indexOf('=');
  const rawName = eq < 0 ? body : body.slice(0, eq);
  const name = aliases[rawName] ?? rawName;
  const kind = table[name];
  if (kind === undefined) throw usage(`unknown flag ${word}`);

  if (kind === 'bool') {
    out[name] = eq < 0 ? true : !['false', '0'].includes(body.slice(eq + 1));
    return i + 1;
  }
  const value = eq >= 0 ? body.slice(eq + 1) : argv[i + 1];
  if (value === undefined) throw usage(`flag ${word} needs a value`);
  if (kind === 'list') {
    const before = out[name];
    out[name] = [...(Array.isArray(before) ? before : []), value];
  } else {
    out[name] = value;
  }
  return eq >= 0 ? i + 1 : i + 2;
}

/**
 * runc's command line (urfave/cli style): global flags, a command, then its flags and
 * positionals in any order; `--` ends flags. No library: this runs once per container.
 */
export function parseArgv(argv: readonly string[]): ParsedArgv {
  const parsed: ParsedArgv = { global: {}, command: undefined, flags: {}, args: [] };
  let i = 0;
  while (i < argv.length && (argv[i] as string).startsWith('-'))
    i = takeFlag(argv, i, GLOBAL, GLOBAL_ALIASES, parsed.global);
  parsed.command = argv[i];
  if (parsed.command === undefined) return parsed;

  const table = COMMAND_FLAGS[parsed.command];
  if (table === undefined) throw usage(`unknown command ${JSON.stringify(parsed.command)}`);
  const aliases = ALIASES[parsed.command] ?? {};
  const argsAfterId = ARGS_AFTER_ID.has(parsed.command);
  i++;
  let flagsDone = false;
  while (i < argv.length) {
    const word = argv[i] as string;
    if (!flagsDone && word === '--') {
      flagsDone = true;
      i++;
    } else if (!flagsDone && word.startsWith('-') && word !== '-' && !/^-\d+$/.test(word)) {
      i = takeFlag(argv, i, table, aliases, parsed.flags);
    } else {
      parsed.args.push(word);
      i++;
      if (argsAfterId && !flagsDone) {
        flagsDone = true;
        if (argv[i] === '--') i++;
      }
    }
  }
  return parsed;
}
