// Builds iza-runtime's V8 startup snapshot into dist/snapshot/ (tools/snapshot/v8-snapshot.mjs):
// the heap after evaluating dist/bin/iza-runtime-snapshot.js. bin/iza-runtime starts from it
// where it loads, else from the bundle.
import { build } from 'esbuild';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { buildV8Snapshot } from '../../../tools/snapshot/v8-snapshot.mjs';

const pkgDir = dirname(dirname(fileURLToPath(import.meta.url)));

await buildV8Snapshot({
  esbuild: build,
  entry: join(pkgDir, 'dist', 'bin', 'iza-runtime-snapshot.js'),
  outdir: join(pkgDir, 'dist', 'snapshot'),
  name: 'iza-runtime',
  addon: join(pkgDir, 'dist', 'bundle', 'iza_ns.node'),
});
