import { findIzaError, formatErrorChain } from '@iza/errors';

/** The code of a failed pull in a child iza, whose own error lines are the report. */
export const PULL_CHILD_FAILED = 'ERR_IZA_CLI_PULL_FAILED';

/** Writes `Error: <chain>` and, when the error carries one, `hint: <hint>` to stderr. */
export function printError(stderr: NodeJS.WritableStream, err: unknown): void {
  // A child iza (the pull of `iza run`, deferred-ca.ts) already printed this failure's lines.
  if (findIzaError(err)?.code === PULL_CHILD_FAILED) return;
  stderr.write(`Error: ${formatErrorChain(err)}\n`);
  const hint = findIzaError(err)?.hint;
  if (hint) stderr.write(`hint: ${hint}\n`);
}

/** A byte count as `docker images` shows it (kB, MB, GB with 3 significant digits). */
export function humanSize(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  const digits = value >= 100 || unit === 0 ? 0 : value >= 10 ? 1 : 2;
  return `${Number(value.toFixed(digits))}${units[unit]}`;
}

/** "3 days ago", as docker's CREATED column. */
export function humanAge(date: Date, now = new Date()): string {
  const s = Math.max(0, Math.floor((now.getTime() - date.getTime()) / 1000));
  const steps: Array<[number, string]> = [
    [60, 'second'],
    [60, 'minute'],
    [24, 'hour'],
    [7, 'day'],
    [4.35, 'week'],
    [12, 'month'],
    [Infinity, 'year'],
  ];
  let value = s;
  for (const [size, name] of steps) {
    if (value < size) {
      const n = Math.floor(value);
      if (name === 'second' && n < 1) return 'Less than a second ago';
      return `${n} ${name}${n === 1 ? '' : 's'} ago`;
    }
    value /= size;
  }
  return 'a long time ago';
}

/** Left-aligned columns separated by 3 spaces, as docker's tables. */
export function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('   ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}

/** The 12 hex digits docker shows for an ID or digest (`sha256:` dropped). */
export function shortId(digest: string): string {
  return digest.replace(/^sha256:/, '').slice(0, 12);
}
