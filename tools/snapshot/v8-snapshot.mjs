// Builds a V8 startup snapshot of a bundled Node program, for the packages whose start-up users
// feel (the iza CLI, iza-runtime). Into `outdir` go NAME.cjs (one CommonJS bundle of `entry`, the
// only form `node --build-snapshot` takes), NAME.blob (the heap after evaluating it), the native
// addon, and node.stamp: the size and mtime of the node that built it and the CPU's feature line
// from /proc/cpuinfo (`flags` on x86, `Features` on arm). V8 loads a blob only into the same
// binary, with the same V8 flags, on a CPU with the same features (its cached-data version tag
// hashes all three); the launchers (packages/*/bin) compare the stamp and fall back to the plain
// bundle when anything differs.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * `esbuild` is the caller's `build` (tools/ has no dependencies of its own). `entry` must call
 * `startupSnapshot.setDeserializeMainFunction` and set `globalThis.__izaModuleUrl` from
 * `process.argv[1]` there: `import.meta.url` is rewritten to read it at call time, so paths
 * (the addon's) follow the installed files, not where the snapshot was built.
 */
export async function buildV8Snapshot({ esbuild, entry, outdir, name, addon, define = {} }) {
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });
  await esbuild({
    entryPoints: [entry],
    outfile: join(outdir, `${name}.cjs`),
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    external: ['*.node'],
    minifyWhitespace: true,
    minifySyntax: true,
    define: { ...define, 'import.meta.url': 'globalThis.__izaModuleUrl' },
    banner: {
      js: 'globalThis.__izaModuleUrl = require("node:url").pathToFileURL(__filename).href;',
    },
    logLevel: 'warning',
  });
  copyFileSync(addon, join(outdir, 'iza_ns.node'));

  // Node warns that some built-ins are "not yet fully verified" in snapshots; iza only creates
  // their objects at run time (streams, ttys), never while the snapshot is built.
  const blob = `${name}.blob`;
  execFileSync(process.execPath, ['--snapshot-blob', blob, '--build-snapshot', `${name}.cjs`], {
    cwd: outdir,
    stdio: ['ignore', 'ignore', 'pipe'],
  });

  const node = statSync(process.execPath);
  const cpuFlags =
    readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((line) => line.startsWith('flags') || line.startsWith('Features')) ?? '';
  const stamp = `${node.size} ${Math.floor(node.mtimeMs / 1000)}\n${cpuFlags}\n`;
  writeFileSync(join(outdir, 'node.stamp'), stamp);
}
