// Bundles the built runtime (dist/bin/iza-runtime.js and the workspace packages it imports) into
// one ES module, dist/bundle/iza-runtime.mjs, with the native addon copied beside it. An engine
// starts the runtime three or more times per container (create, start, state, delete), and Node
// spends most of such a short command's life resolving and compiling small modules: one file
// starts in about half the time (README "Performance").
import { build } from 'esbuild';
import { copyFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const pkgDir = dirname(dirname(fileURLToPath(import.meta.url)));
const outdir = join(pkgDir, 'dist', 'bundle');

rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: [join(pkgDir, 'dist', 'bin', 'iza-runtime.js')],
  outfile: join(outdir, 'iza-runtime.mjs'),
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: ['*.node'],
  banner: {
    js: "import { createRequire as __izaCreateRequire } from 'node:module'; const require = __izaCreateRequire(import.meta.url);",
  },
  logLevel: 'warning',
});

// @iza/ns-native's loader also looks beside the module that loads it: here, the bundle.
const nativeRoot = dirname(createRequire(import.meta.url).resolve('@iza/ns-native/package.json'));
copyFileSync(
  join(nativeRoot, 'native', 'build', 'Release', 'iza_ns.node'),
  join(outdir, 'iza_ns.node'),
);
