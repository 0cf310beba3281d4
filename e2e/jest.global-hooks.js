// Jest loads globalSetup/globalTeardown outside its ESM test runtime (through require, where
// the `.js` → `.ts` mapping of our imports does not apply), so the TypeScript hooks are bundled
// with esbuild first and imported as plain ESM. Third-party packages stay external and resolve
// from e2e/node_modules.
import { build } from 'esbuild';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const outDir = join(import.meta.dirname, 'node_modules/.cache/iza-e2e');

/** Bundles src/harness/<name>.ts and returns its default export. */
export async function loadHook(name) {
  const outfile = join(outDir, `${name}.mjs`);
  await build({
    entryPoints: [join(import.meta.dirname, 'src/harness', `${name}.ts`)],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    logLevel: 'warning',
  });
  const module = await import(`${pathToFileURL(outfile).href}?t=${Date.now()}`);
  return module.default;
}
