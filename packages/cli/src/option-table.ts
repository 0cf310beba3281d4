import type { Argv, Options } from 'yargs';

/**
 * One option, declared once: yargs builds help and validation from it, and the fast parser
 * (below) reads the common case of `iza run` without loading yargs at all.
 */
export interface OptionSpec {
  name: string;
  alias?: string;
  type: 'boolean' | 'string';
  describe: string;
  /** Repeatable (`-e A=1 -e B=2`): the value is an array when given more than once. */
  repeat?: boolean;
  choices?: readonly string[];
  default?: string | boolean;
  defaultDescription?: string;
}

/** Declares `specs` on a yargs parser (in help `group` when given). */
export function addOptions(
  y: Argv,
  specs: readonly OptionSpec[],
  global = false,
  group?: string,
): Argv {
  for (const s of specs) {
    const o: Options = { type: s.type, describe: s.describe, global };
    if (group) o.group = group;
    if (s.alias) o.alias = s.alias;
    if (s.choices) o.choices = [...s.choices];
    if (s.default !== undefined) o.default = s.default;
    if (s.defaultDescription) o.defaultDescription = s.defaultDescription;
    y = y.option(s.name, o);
  }
  return y;
}

/**
 * Parses `args` against `specs` when they are plain (known options, valid choices, no help or
 * version request); returns undefined otherwise, and the caller lets yargs parse and explain.
 * The result has the keys yargs would give: camelCase names, `_` for positionals.
 */
export function parseFast(
  args: readonly string[],
  specs: readonly OptionSpec[],
): Record<string, unknown> | undefined {
  const byFlag = new Map<string, OptionSpec>();
  for (const s of specs) {
    byFlag.set(`--${s.name}`, s);
    if (s.alias) byFlag.set(s.alias.length === 1 ? `-${s.alias}` : `--${s.alias}`, s);
  }

  const out: Record<string, unknown> = { _: [] as string[] };
  for (const s of specs) if (s.default !== undefined) out[camel(s.name)] = s.default;
  const set = (s: OptionSpec, value: string | boolean): boolean => {
    if (s.choices && !s.choices.includes(String(value))) return false;
    const key = camel(s.name);
    const had = out[key];
    out[key] = s.repeat && had !== undefined && had !== s.default ? [had, value].flat() : value;
    return true;
  };

  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (!arg.startsWith('-') || arg === '-') {
      (out._ as string[]).push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const spec = byFlag.get(flag);
    if (spec) {
      if (spec.type === 'boolean') {
        if (eq > 0) return undefined;
        set(spec, true);
        continue;
      }
      const value = eq > 0 ? arg.slice(eq + 1) : args[++i];
      if (value === undefined || !set(spec, value)) return undefined;
      continue;
    }
    // Combined short booleans: -it.
    if (/^-[a-zA-Z]{2,}$/.test(arg)) {
      for (const c of arg.slice(1)) {
        const s = byFlag.get(`-${c}`);
        if (s?.type !== 'boolean') return undefined;
        set(s, true);
      }
      continue;
    }
    return undefined;
  }
  return out;
}

function camel(name: string): string {
  return name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** The flags of `specs` that take a value (`--env`, `-e`): where argv splitting must skip one. */
export function valuedFlags(specs: readonly OptionSpec[]): Set<string> {
  const flags = new Set<string>();
  for (const s of specs) {
    if (s.type !== 'string') continue;
    flags.add(`--${s.name}`);
    if (s.alias) flags.add(s.alias.length === 1 ? `-${s.alias}` : `--${s.alias}`);
  }
  return flags;
}
