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

function isOwnCode(url) {
  return /\/packages\/[^/]+\/|node_modules\//.test(url);
}

/**
 * Reads `file` and returns `{ totalMs, self, charged }`, each a list of `{ bucket, ms, share }`
 * largest first. `self` buckets each sample by the function it landed in; `charged` charges a
 * sample in node internals or native code to the nearest calling frame of iza or an npm package
 * (so `require`/`import` work and syscalls count against whoever asked for them).
 */
export function summarizeProfile(file) {
  const prof = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

  const self = new Map();
  const charged = new Map();
  const add = (m, k, dt) => m.set(k, (m.get(k) ?? 0) + dt);
  let total = 0;

  prof.samples.forEach((id, i) => {
    const dt = (prof.timeDeltas[i] ?? 0) / 1000;
    const node = byId.get(id);
    const own = bucket(node.callFrame.url, node.callFrame.functionName);
    add(self, own, dt);

    let cur = id;
    while (cur !== undefined && !isOwnCode(byId.get(cur).callFrame.url)) cur = parent.get(cur);
    const frame = cur === undefined ? undefined : byId.get(cur).callFrame;
    add(charged, frame ? bucket(frame.url, frame.functionName) : own, dt);
    total += dt;
  });

  const rows = (m) =>
    [...m.entries()]
      .map(([b, t]) => ({ bucket: b, ms: t, share: t / total }))
      .sort((a, b) => b.ms - a.ms);
  return { totalMs: total, self: rows(self), charged: rows(charged) };
}
