// Summarises a V8 .cpuprofile (node --cpu-prof) by where the time went: which package, node's
// own module loader, native code, idle.
import { readFileSync } from 'node:fs';

/** The bucket a script URL belongs to: `@iza/<pkg>`, an npm package, node internals, … */
function bucket(url, functionName) {
  if (url === '') {
    if (functionName === '(idle)') return '(idle: waiting on I/O or children)';
    if (functionName === '(garbage collector)') return '(garbage collector)';
    if (functionName === '(program)') return '(program: V8/native, incl. compile)';
    return '(native)';
  }
  if (url.startsWith('node:internal/modules')) return 'node: module loading';
  if (url.startsWith('node:')) return 'node: other internals';

  const nm = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return `npm: ${nm[1]}`;
  const pkg = /\/packages\/([^/]+)\//.exec(url);
  if (pkg) return `@iza/${pkg[1]}`;
  return url;
}

/**
 * Reads `file` and returns `{ totalMs, rows: [{ bucket, ms, share }] }`, rows by self time,
 * largest first.
 */
export function summarizeProfile(file) {
  const prof = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const ms = new Map();
  let total = 0;

  prof.samples.forEach((id, i) => {
    const node = byId.get(id);
    const dt = (prof.timeDeltas[i] ?? 0) / 1000;
    const key = bucket(node.callFrame.url, node.callFrame.functionName);
    ms.set(key, (ms.get(key) ?? 0) + dt);
    total += dt;
  });

  const rows = [...ms.entries()]
    .map(([b, t]) => ({ bucket: b, ms: t, share: t / total }))
    .sort((a, b) => b.ms - a.ms);
  return { totalMs: total, rows };
}
