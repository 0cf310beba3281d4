import type { OptionSpec } from './option-table.js';

/** The arguments rewritten in one form both parsers read, or the first flag nobody declared. */
export type FlagCheck = { argv: string[] } | { unknown: string };

const HELP = new Set(['help', 'h', 'version']);

/**
 * Reads a command's own flags, from `from` up to its first positional, as docker's parser
 * (pflag) does and yargs does not: a short flag that takes a value takes the rest of its group
 * (`-m50m`, `-eFOO=bar`, `-itw/tmp`), and a flag that was never declared is an error instead of
 * taking the image as its value (`iza run -d IMAGE` read IMAGE as the value of -d). Values come
 * back as `--name=value`, so that one starting with `-` stays a value.
 */
export function normalizeFlags(
  argv: readonly string[],
  from: number,
  specs: readonly OptionSpec[],
): FlagCheck {
  const long = new Map<string, OptionSpec>();
  const short = new Map<string, OptionSpec>();
  for (const s of specs) {
    long.set(s.name, s);
    if (s.alias) (s.alias.length === 1 ? short : long).set(s.alias, s);
  }

  const out = argv.slice(0, from);
  for (let i = from; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--' || !arg.startsWith('-') || arg === '-') {
      out.push(...argv.slice(i));
      break;
    }

    if (arg.startsWith('--')) {
      const name = arg.slice(2).split('=')[0] as string;
      const spec = long.get(name);
      if (!spec && !HELP.has(name)) return { unknown: `--${name}` };
      const joinNext = spec?.type === 'string' && !arg.includes('=') && i + 1 < argv.length;
      out.push(joinNext ? `${arg}=${argv[++i] as string}` : arg);
      continue;
    }

    const group = arg.slice(1);
    for (let j = 0; j < group.length; j++) {
      const c = group[j] as string;
      const spec = short.get(c);
      if (c === 'h' && !spec) {
        out.push('-h');
        continue;
      }
      if (!spec) return { unknown: `-${c}` };

      const rest = group.slice(j + 1);
      if (spec.type === 'boolean') {
        if (!rest.startsWith('=')) {
          out.push(`-${c}`);
          continue;
        }
        out.push(`--${spec.name}${rest}`);
        break;
      }

      // pflag: `-e=FOO` is FOO, `-eFOO` too; a value flag last in its group takes the next arg.
      const inline = rest.startsWith('=') ? rest.slice(1) : rest;
      if (rest !== '') out.push(`--${spec.name}=${inline}`);
      else if (i + 1 < argv.length) out.push(`--${spec.name}=${argv[++i] as string}`);
      else out.push(`-${c}`);
      break;
    }
  }
  return { argv: out };
}
