// Bundles the built CLI (dist/bin/iza.js and everything it imports, workspace packages and
// yargs included) into dist/bundle/: the entry iza.js and chunks per command, loaded on demand. Node spends most of
// a short command's life resolving and parsing hundreds of small ES modules; a bundle of a few
// files starts about twice as fast (README "Start-up"). The native addon is copied beside the
// chunk that loads it.
import { build } from 'esbuild';
import { copyFileSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const pkgDir = dirname(dirname(fileURLToPath(import.meta.url)));
const outdir = join(pkgDir, 'dist', 'bundle');
const { version } = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));

rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: { iza: join(pkgDir, 'dist', 'bin', 'iza.js') },
  outdir,
  bundle: true,
  format: 'esm',
  splitting: true,
  entryNames: '[name]',
  chunkNames: 'chunks/[name]-[hash]',
  platform: 'node',
  target: 'node20',
  external: ['*.node'],
  define: { __IZA_VERSION__: JSON.stringify(version) },
  // CommonJS dependencies (minipass-fetch) call require(); give the ESM bundle a real one.
  banner: {
    js: "import { createRequire as __izaCreateRequire } from 'node:module'; const require = __izaCreateRequire(import.meta.url);",
  },
  logLevel: 'warning',
});

// The addon, found by @iza/ns-native's loader beside the module that loads it (a chunk). The
// CLI does not depend on @iza/ns-native itself: pnpm links it only for the engine, so it is
// resolved from there.
const fromCli = createRequire(import.meta.url);
const fromEngine = createRequire(fromCli.resolve('@iza/engine/package.json'));
const nativeRoot = dirname(fromEngine.resolve('@iza/ns-native/package.json'));
copyFileSync(
  join(nativeRoot, 'native', 'build', 'Release', 'iza_ns.node'),
  join(outdir, 'chunks', 'iza_ns.node'),
);
