/**
 * Finds where the CLI's own arguments end, without loading yargs: the command name, and for
 * commands like `run IMAGE CMD...` the index of the first positional after it (everything that
 * follows belongs to the container, `-la` included, as with docker).
 */
export interface ArgvSplit {
  /** Index of the command name in argv, or -1 when there is none. */
  commandIndex: number;
  /** Index of the first positional after the command, or -1. */
  firstPositional: number;
}

export function findCommand(argv: readonly string[], valued: ReadonlySet<string>): number {
  return nextPositional(argv, 0, valued);
}

/**
 * The index of the first positional at or after `from`. Options in `valued` consume the next
 * token unless written `--opt=value`; `--` ends option parsing.
 */
export function nextPositional(
  argv: readonly string[],
  from: number,
  valued: ReadonlySet<string>,
): number {
  for (let i = from; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') return i + 1 < argv.length ? i + 1 : -1;
    if (!arg.startsWith('-') || arg === '-') return i;
    if (arg.includes('=')) continue;
    if (valued.has(arg)) {
      i++;
      continue;
    }
    // Combined short flags (`-it`): only the last may take a value (`-ie FOO=1`).
    if (/^-[a-zA-Z]{2,}$/.test(arg) && valued.has(`-${arg.slice(-1)}`)) i++;
  }
  return -1;
}
