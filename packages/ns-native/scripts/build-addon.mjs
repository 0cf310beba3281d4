// Builds the addon with node-gyp. Used by the package's `install` script (so an npm install of
// the published tarball builds it) and by the workspace's `build` target.
//   node scripts/build-addon.mjs [--if-missing] [--debug]
// --if-missing: do nothing when a built addon already loads (keeps `pnpm install` fast).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const pkg = dirname(dirname(fileURLToPath(import.meta.url)));
const nativeDir = join(pkg, 'native');
const args = process.argv.slice(2);
const debug = args.includes('--debug');
const built = join(nativeDir, 'build', debug ? 'Debug' : 'Release', 'iza_ns.node');

if (args.includes('--if-missing') && existsSync(built)) {
  try {
    createRequire(import.meta.url)(built);
    process.exit(0);
  } catch {
    // Built for another Node or machine: rebuild below.
  }
}

// Node's headers ship with Node in <prefix>/include/node; point node-gyp there so that it never
// tries to download them (machines without internet).
const nodedir = process.env.npm_config_nodedir || dirname(dirname(process.execPath));
const gypArgs = [existsSync(join(nativeDir, 'build', 'config.gypi')) ? 'build' : 'rebuild'];
gypArgs.push(`--nodedir=${nodedir}`, '--directory', nativeDir);
if (debug) gypArgs.push('--debug');

const gyp = findNodeGyp();
const res = spawnSync(gyp.cmd, [...gyp.args, ...gypArgs], { stdio: 'inherit' });
if (res.status !== 0) {
  console.error(`@iza/ns-native: node-gyp ${gypArgs[0]} failed (exit ${res.status ?? res.signal})`);
  process.exit(1);
}

function findNodeGyp() {
  // npm puts its bundled node-gyp on PATH for install scripts; in the workspace it is a
  // devDependency. Prefer a resolvable module, fall back to PATH.
  try {
    const script = createRequire(import.meta.url).resolve('node-gyp/bin/node-gyp.js');
    return { cmd: process.execPath, args: [script] };
  } catch {
    return { cmd: 'node-gyp', args: [] };
  }
}
