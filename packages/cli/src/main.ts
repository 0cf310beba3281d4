import { readFileSync } from 'node:fs';

import { isIzaError } from '@iza/errors';

import { findCommand, nextPositional } from './argv-split.js';
import { commandTable } from './command.js';
import type { CommandContext, CommandModule, WrapHandler } from './command.js';
import { CONFIG_ERROR } from './config-file.js';
import {
  SETTINGS_PRECEDENCE,
  addGlobalOptions,
  globalOptionSpecs,
  resolveGlobalOptions,
  valuedGlobalOptions,
} from './global-options.js';
import { normalizeFlags } from './flag-syntax.js';
import { GLOBAL_GROUP, ownOptionsFirst, positionalsOf } from './help-layout.js';
import { parseFast } from './option-table.js';
import { printError } from './output.js';

/** Exit code for usage errors and for failures before a container exists (docker, podman). */
export const EXIT_USAGE = 125;

/**
 * Runs one `iza` invocation and returns its exit code. Only the module of the command being run
 * is loaded; yargs is loaded only when there are arguments to parse.
 */
export async function main(argv: string[], io = defaultIo()): Promise<number> {
  if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-v')) {
    io.stdout.write(`iza version ${version()}\n`);
    return 0;
  }

  const commandIndex = findCommand(argv, valuedGlobalOptions);
  const name = commandIndex >= 0 ? argv[commandIndex] : undefined;
  const entry = commandTable.find((c) => c.name === name || c.aliases?.includes(name ?? ''));
  if (name !== undefined && !entry) {
    io.stderr.write(`Error: '${name}' is not an iza command\nSee 'iza --help'.\n`);
    return EXIT_USAGE;
  }
  const mod: CommandModule | undefined = entry ? (await entry.load()).default : undefined;

  if (mod?.fast) {
    // docker's flag syntax for the command's own flags; an unknown flag stops here by name.
    const specs = [...globalOptionSpecs(), ...mod.fast.options];
    const checked = normalizeFlags(argv, commandIndex + 1, specs);
    if ('unknown' in checked) {
      const hint = mod.fast.hints?.[checked.unknown];
      return usageError(io.stderr, name, `unknown flag: ${checked.unknown}`, hint);
    }
    argv = checked.argv;
    const valued = new Set([...valuedGlobalOptions, ...(mod.valuedOptions ?? [])]);
    const helpAsked = argv.some((a, i) => i > commandIndex && HELP_FLAGS.has(a));
    if (!helpAsked && nextPositional(argv, commandIndex + 1, valued) < 0) {
      return usageError(io.stderr, name, mod.fast.missing);
    }
  }

  let own = argv;
  let rest: string[] = [];
  if (mod?.valuedOptions) {
    const valued = new Set([...valuedGlobalOptions, ...mod.valuedOptions]);
    const first = nextPositional(argv, commandIndex + 1, valued);
    if (first >= 0) {
      own = argv.slice(0, first + 1);
      rest = argv.slice(first + 1);
    }
  }

  const contextOf = (parsed: Record<string, unknown>): CommandContext => ({
    globals: resolveGlobalOptions(parsed, { env: io.env, euid: io.euid }),
    rest,
    stdout: io.stdout,
    stderr: io.stderr,
    env: io.env,
    version: version(),
    globalArgv: commandIndex >= 0 ? argv.slice(0, commandIndex) : [],
  });

  if (mod?.fast) {
    // `iza run` is start-up time: plain arguments skip yargs (about a third of a run's time).
    const args = [...own.slice(0, commandIndex), ...own.slice(commandIndex + 1)];
    const parsed = parseFast(args, [...globalOptionSpecs(), ...mod.fast.options]);
    const positionals = parsed?._ as string[] | undefined;
    if (parsed && positionals?.length === mod.fast.positionals.length) {
      mod.fast.positionals.forEach((p, i) => (parsed[p] = positionals[i]));
      try {
        return await mod.handler(parsed, contextOf(parsed));
      } catch (err) {
        printError(io.stderr, err);
        return name === 'run' || isSettingsError(err) ? EXIT_USAGE : 1;
      }
    }
  }

  const { default: yargs } = await import('yargs');
  let exitCode = 0;
  // The command being run is parsed as yargs' default command of a parser named after it
  // (`iza run`): yargs renders the whole help text of every non-default command it runs, just
  // in case the handler fails later, which cost more than the rest of `iza run` together.
  const args = mod ? [...own.slice(0, commandIndex), ...own.slice(commandIndex + 1)] : own;
  let parser = yargs(args)
    .scriptName(mod ? `iza ${entry?.name}` : 'iza')
    .version(version())
    .help()
    .alias('help', 'h')
    .strict()
    // docker has no --no-FLAG negations: --no-trunc is a flag of its own.
    .parserConfiguration({ 'boolean-negation': false })
    .wrap(Math.min(100, io.stdout.columns || 100))
    .fail((msg, err) => {
      throw err ?? new UsageError(msg);
    });
  if (mod) {
    // yargs' own words name no command; docker's say which one and what it needs.
    const missing = `got %s argument(s), "iza ${entry?.name ?? ''}" requires at least %s`;
    // A plural entry, as yargs' own locale has it (its types say string).
    const plural = { one: missing, other: missing } as unknown as string;
    parser = parser.updateStrings({
      'Not enough non-option arguments: got %s, need at least %s': plural,
    });
  }

  const wrap: WrapHandler = (handler) => async (parsed) => {
    exitCode = await handler(parsed, contextOf(parsed));
  };
  if (mod?.subcommands) {
    // A group (`iza image`): its subcommands are the parser's own, each with its own help.
    parser = mod.builder(parser.usage(`Usage: iza ${entry?.usage}\n\n${mod.describe}`), wrap);
    parser = addGlobalOptions(parser, GLOBAL_GROUP).group(['help', 'version'], GLOBAL_GROUP);
  } else if (mod) {
    // The usage line is docker's (commandTable); the command string only names positionals.
    parser = parser
      .usage(`Usage: iza ${entry?.usage}\n\n${mod.describe}`)
      .command(
        mod.command.replace(/^\S+/, '$0'),
        false,
        (y) => ownOptionsFirst(mod.builder(y, wrap), positionalsOf(mod.command)),
        wrap(mod.handler),
      );
  } else {
    parser = addGlobalOptions(parser)
      .usage('Usage: iza [OPTIONS] COMMAND\n\nA container runtime that works like docker.')
      .epilogue(SETTINGS_PRECEDENCE)
      .demandCommand(1, 'no command given; see iza --help')
      .recommendCommands();
    for (const c of commandTable) parser = parser.command(c.usage, c.describe);
  }

  try {
    await parser.parseAsync();
    return exitCode;
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr.write(
        `Error: ${err.message}\nSee 'iza ${name ?? ''} --help'.\n`.replace('  ', ' '),
      );
      return EXIT_USAGE;
    }
    printError(io.stderr, err);
    return name === 'run' || isSettingsError(err) ? EXIT_USAGE : 1;
  }
}

class UsageError extends Error {}

const HELP_FLAGS = new Set(['--help', '-h']);

/** docker's usage error: the line, a hint where there is one, where to read more; exit 125. */
function usageError(
  stderr: NodeJS.WritableStream,
  command: string | undefined,
  message: string,
  hint?: string,
): number {
  stderr.write(`Error: ${message}\n${hint ? `hint: ${hint}\n` : ''}`);
  stderr.write(`See 'iza ${command ?? ''} --help'.\n`.replace('  ', ' '));
  return EXIT_USAGE;
}

/** A bad config file or variable: a usage error, found before the command did anything. */
function isSettingsError(err: unknown): boolean {
  return isIzaError(err, CONFIG_ERROR) || isIzaError(err, 'ERR_IZA_CLI_ENV_INVALID');
}

// Set by the bundler (scripts/bundle.mjs); the unbundled build reads package.json.
declare const __IZA_VERSION__: string | undefined;

let cachedVersion: string | undefined;
function version(): string {
  if (typeof __IZA_VERSION__ === 'string') return __IZA_VERSION__;
  cachedVersion ??= (
    JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      version: string;
    }
  ).version;
  return cachedVersion;
}

function defaultIo() {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    euid: process.geteuid?.(),
  };
}
