// Builds the CLI's V8 startup snapshot into dist/snapshot/: iza.cjs (one CommonJS bundle of
// dist/bin/iza-snapshot.js, the only form `node --build-snapshot` takes), iza.blob (the heap
// after evaluating it, with the run and pull modules compiled and evaluated) and node.stamp: the
// size and mtime of the node that built it and the CPU's flags line from /proc/cpuinfo. V8 loads
// a blob only into the same binary on a CPU with the same features (its cached-data version tag
// hashes both), so bin/iza falls back to the plain bundle when either differs, as on another
// machine or in a VM with another CPU model. Start-up measurements: README.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const pkgDir = dirname(dirname(fileURLToPath(import.meta.url)));
const outdir = join(pkgDir, 'dist', 'snapshot');
const { version } = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));

rmSync(outdir, { recursive: true, force: true });
mkdirSync(outdir, { recursive: true });
await build({
  entryPoints: [join(pkgDir, 'dist', 'bin', 'iza-snapshot.js')],
  outfile: join(outdir, 'iza.cjs'),
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  external: ['*.node'],
  minifyWhitespace: true,
  minifySyntax: true,
  define: {
    __IZA_VERSION__: JSON.stringify(version),
    // Read at call time (see src/bin/iza-snapshot.ts), so paths follow the installed files.
    'import.meta.url': 'globalThis.__izaModuleUrl',
  },
  banner: { js: 'globalThis.__izaModuleUrl = require("node:url").pathToFileURL(__filename).href;' },
  logLevel: 'warning',
});
copyFileSync(join(pkgDir, 'dist', 'bundle', 'chunks', 'iza_ns.node'), join(outdir, 'iza_ns.node'));

// Node warns that some built-ins are "not yet fully verified" in snapshots; iza only creates
// their objects at run time (streams, ttys), never while the snapshot is built.
execFileSync(process.execPath, ['--snapshot-blob', 'iza.blob', '--build-snapshot', 'iza.cjs'], {
  cwd: outdir,
  stdio: ['ignore', 'ignore', 'pipe'],
});
const node = statSync(process.execPath);
const cpuFlags =
  readFileSync('/proc/cpuinfo', 'utf8')
    .split('\n')
    .find((line) => line.startsWith('flags')) ?? '';
writeFileSync(
  join(outdir, 'node.stamp'),
  `${node.size} ${Math.floor(node.mtimeMs / 1000)}\n${cpuFlags}\n`,
);
