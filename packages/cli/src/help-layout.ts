import type { Argv } from 'yargs';

import { addGlobalOptions, globalOptionSpecs } from './global-options.js';

/** The help group of the options every command takes. */
export const GLOBAL_GROUP = 'Global Options:';

interface ParserOptions {
  key: Record<string, unknown>;
  alias: Record<string, string[]>;
}

/**
 * Lays out a command's help as docker's: its positionals, then its own options, then the
 * options every command takes. yargs lists groups in the order they were made and the default
 * `Options:` group last, so the command's options are grouped first, then the globals added.
 */
export function ownOptionsFirst(y: Argv, positionals: readonly string[]): Argv {
  return addGlobalOptions(groupOwnOptions(y, positionals), GLOBAL_GROUP);
}

/**
 * Groups a subcommand's own options under `Options:` and help and version with the global ones,
 * which its group command declared already (`iza image inspect`).
 */
export function groupOwnOptions(y: Argv, positionals: readonly string[]): Argv {
  const globals = new Set(globalOptionSpecs().map((s) => s.name));
  // getOptions() is public in yargs but missing from its types.
  const { key, alias } = (y as unknown as { getOptions(): ParserOptions }).getOptions();
  const aliases = new Set(Object.values(alias).flat());
  const own = Object.keys(key).filter(
    (k) =>
      !aliases.has(k) &&
      !globals.has(k) &&
      !positionals.includes(k) &&
      k !== 'help' &&
      k !== 'version',
  );
  if (own.length > 0) y = y.group(own, 'Options:');
  return y.group(['help', 'version'], GLOBAL_GROUP);
}

/** The positional names of a yargs command string: `run <IMAGE> [COMMAND..]` → IMAGE, COMMAND. */
export function positionalsOf(command: string): string[] {
  return [...command.matchAll(/[<[]([^\]>.]+)(?:\.\.)?[\]>]/g)].map((m) => m[1] as string);
}
