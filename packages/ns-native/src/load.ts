import { statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import type { NativeBinding } from './binding.js';
import { createSystemError } from './system-error.js';

// Read when the addon is loaded, not when this module is evaluated: a program whose heap was
// saved in a V8 startup snapshot (the `iza` CLI) evaluated this module on the machine that built
// it, and is told where it lives now before it loads anything.
function candidatePaths(): string[] {
  const moduleDir = dirname(fileURLToPath(import.meta.url));
  const packageRoot = dirname(moduleDir);
  return [
    join(packageRoot, 'native', 'build', 'Release', 'iza_ns.node'),
    join(packageRoot, 'native', 'build', 'Debug', 'iza_ns.node'),
    join(moduleDir, 'iza_ns.node'),
  ];
}

/**
 * Where the loader looks for the addon: this package's release and debug builds, and a copy
 * beside the loading module (a bundled program, such as the `iza` CLI, ships one there).
 */
export const addonCandidates: readonly string[] = candidatePaths();

let cached: NativeBinding | undefined;

/**
 * Loads the addon once. When both a release and a debug build exist the newer one wins, so
 * `make build-debug` takes effect without removing anything. Throws an error that lists every
 * path tried and why it failed.
 */
export function loadBinding(): NativeBinding {
  if (cached) return cached;

  const require = createRequire(import.meta.url);
  const candidates = candidatePaths();
  const found = candidates
    .map((path) => ({ path, mtime: mtimeOf(path) }))
    .filter((c) => c.mtime > 0)
    .sort((a, b) => b.mtime - a.mtime);

  const failures: string[] = [];
  for (const { path } of found) {
    try {
      const binding = require(path) as NativeBinding;
      binding.setErrorFactory(createSystemError);
      cached = binding;
      return binding;
    } catch (err) {
      failures.push(`${path}: ${(err as Error).message}`);
    }
  }

  const tried = candidates.map((p) => `  ${p}`).join('\n');
  const why = failures.length ? `\nload errors:\n  ${failures.join('\n  ')}` : '';
  const err = new Error(
    `@iza/ns-native: the native addon is not built; tried:\n${tried}${why}\n` +
      `build it with: npm rebuild @iza/ns-native (or pnpm nx run ns-native:build)`,
  ) as Error & { code: string };
  err.code = 'ERR_IZA_NATIVE_NOT_BUILT';
  throw err;
}

function mtimeOf(path: string): number {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}
