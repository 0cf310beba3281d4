// Summaries and the plain-text tables the benchmarks print.

/** Median of `xs` (mean of the two middle values for an even count). */
export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** `{ runs, median, min, max }` of a list of numbers. */
export function summarize(xs) {
  return { runs: xs.length, median: median(xs), min: Math.min(...xs), max: Math.max(...xs) };
}

/** A number with `digits` decimals, or `-` when there is none. */
export function fmt(x, digits = 3) {
  return Number.isFinite(x) ? x.toFixed(digits) : '-';
}

/** `a / b` as `0.42x`, or `-`. */
export function ratio(a, b) {
  return Number.isFinite(a) && Number.isFinite(b) && b > 0 ? `${(a / b).toFixed(2)}x` : '-';
}

/** A Markdown table (readable as plain text too) of `rows` under `headers`. */
export function table(headers, rows) {
  const cells = [headers, ...rows].map((r) => r.map(String));
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => r[i].length)));
  const line = (r) => `| ${r.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  const rule = `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`;
  return [line(cells[0]), rule, ...cells.slice(1).map(line)].join('\n');
}

/** One line describing where and when the numbers were taken. */
export function machineLine(readFile) {
  const cpus = readFile('/proc/cpuinfo').match(/^processor/gm)?.length ?? '?';
  const model = /^model name\s*:\s*(.+)$/m.exec(readFile('/proc/cpuinfo'))?.[1] ?? 'unknown cpu';
  const load = readFile('/proc/loadavg').split(' ').slice(0, 3).join(' ');
  const kernel = readFile('/proc/sys/kernel/osrelease').trim();
  return `${new Date().toISOString()} | ${cpus} x ${model} | kernel ${kernel} | load ${load}`;
}
