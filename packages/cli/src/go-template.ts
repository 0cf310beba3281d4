import { IzaError } from '@iza/errors';

/**
 * The part of Go's text/template that docker users put in `--format`: text with `{{.Field}}`,
 * `{{.A.B}}`, `{{.}}`, `{{json .}}` and `{{json .Field}}` actions, values printed as Go prints
 * them (`[a b]` for a list, `map[k:v]` for an object, `<no value>` for a missing key). Anything
 * else in an action is ERR_IZA_CLI_FORMAT, naming it: scripts get an error, never a guess.
 */
export function renderTemplate(template: string, data: unknown): string {
  return unescape(template).replace(/\{\{-?\s*(.*?)\s*-?\}\}/g, (_, action: string) => {
    const json = /^json\s+(\S+)$/.exec(action);
    if (json) return JSON.stringify(lookup(data, json[1] as string, action)) ?? 'null';
    return goString(lookup(data, action, action));
  });
}

/** docker reads `\t` and `\n` typed in a template (in shell quotes) as a tab and a newline. */
function unescape(template: string): string {
  return template.replace(/\\t/g, '\t').replace(/\\n/g, '\n');
}

/** Checks `template` once, before anything is printed (a bad action fails the whole command). */
export function checkTemplate(template: string): void {
  renderTemplate(template, {});
}

/** docker's `table` form: the template without the word, and a header row from its fields. */
export function tableTemplate(template: string): { row: string; header: string } | undefined {
  const m = /^table\s+/.exec(template);
  if (!m) return undefined;
  const row = template.slice(m[0].length);
  const header = row.replace(/\{\{\s*\.(\w+)\s*\}\}/g, (_, f: string) => headerOf(f));
  return { row, header };
}

function headerOf(field: string): string {
  return field === 'ID' ? 'IMAGE ID' : field.replace(/([a-z])([A-Z])/g, '$1 $2').toUpperCase();
}

function lookup(data: unknown, path: string, action: string): unknown {
  if (path === '.') return data;
  if (!/^(\.[A-Za-z_][A-Za-z0-9_]*)+$/.test(path)) {
    throw new IzaError('ERR_IZA_CLI_FORMAT', `template: unsupported action {{${action}}}`, {
      hint: 'iza reads {{.Field}}, {{.A.B}}, {{json .}} and {{json .Field}}',
    });
  }
  let value: unknown = data;
  for (const key of path.slice(1).split('.')) {
    value =
      value !== null && typeof value === 'object'
        ? (value as Record<string, unknown>)[key]
        : undefined;
    if (value === undefined) return undefined;
  }
  return value;
}

/** A value as Go's fmt %v prints it, the way templates print it. */
function goString(value: unknown): string {
  if (value === undefined) return '<no value>';
  if (value === null) return '<nil>';
  if (Array.isArray(value)) return `[${value.map(goString).join(' ')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) =>
      a < b ? -1 : a > b ? 1 : 0,
    );
    return `map[${entries.map(([k, v]) => `${k}:${goString(v)}`).join(' ')}]`;
  }
  return String(value);
}
