// Builds the CLI's V8 startup snapshot into dist/snapshot/ (tools/snapshot/v8-snapshot.mjs): the
// heap after evaluating dist/bin/iza-snapshot.js, with the run and pull modules compiled and
// evaluated. bin/iza starts from it where it loads. Start-up measurements: README.
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { buildV8Snapshot } from '../../../tools/snapshot/v8-snapshot.mjs';

const pkgDir = dirname(dirname(fileURLToPath(import.meta.url)));
const { version } = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));

await buildV8Snapshot({
  esbuild: build,
  entry: join(pkgDir, 'dist', 'bin', 'iza-snapshot.js'),
  outdir: join(pkgDir, 'dist', 'snapshot'),
  name: 'iza',
  addon: join(pkgDir, 'dist', 'bundle', 'chunks', 'iza_ns.node'),
  define: { __IZA_VERSION__: JSON.stringify(version) },
});
