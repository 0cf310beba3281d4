// Builds native/front (iza-runtime-front, a small C++ program with no dependencies) into
// dist/front/. Used by `build` and by the package's `install` script, so that an npm install of
// the published tarball builds it for the machine it lands on.
//   node scripts/build-front.mjs [--if-missing]
// --if-missing: do nothing when a built front already runs here.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, renameSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const pkg = dirname(dirname(fileURLToPath(import.meta.url)));
const srcDir = join(pkg, 'native', 'front');
const outDir = join(pkg, 'dist', 'front');
const out = join(outDir, 'iza-runtime-front');

// The front prints its usage and exits 2 when it is given no arguments: proof that it runs here.
if (process.argv.includes('--if-missing') && spawnSync(out, []).status === 2) process.exit(0);

const sources = readdirSync(srcDir)
  .filter((f) => f.endsWith('.cc'))
  .map((f) => join(srcDir, f));
const cxx = process.env.CXX || 'c++';
mkdirSync(outDir, { recursive: true });
const tmp = `${out}.${process.pid}.tmp`;
const res = spawnSync(
  cxx,
  ['-std=c++17', '-O2', '-Wall', '-Wextra', '-D_GNU_SOURCE', '-o', tmp, ...sources],
  { stdio: 'inherit' },
);
if (res.status !== 0) {
  console.error(`@iza/oci-runtime: building iza-runtime-front with ${cxx} failed`);
  process.exit(1);
}
renameSync(tmp, out);
