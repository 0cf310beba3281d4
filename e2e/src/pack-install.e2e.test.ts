import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execa } from 'execa';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// What a user gets from `npm install`: every workspace package packed with `pnpm pack` (which
// turns workspace:* into versions), installed together into a scratch project with npm, then
// driven through its public API only. A package without a check here fails the suite, so a new
// package cannot ship untested.

const packagesDir = resolve(dirname(fileURLToPath(import.meta.url)), '../../packages');
const packageNames = readdirSync(packagesDir)
  .filter((dir) => !dir.startsWith('.'))
  .map((dir) => {
    const manifest = JSON.parse(readFileSync(join(packagesDir, dir, 'package.json'), 'utf8'));
    return { dir, name: manifest.name as string };
  });

/** One ESM script per package: it prints one line the test compares. */
const checks: Record<string, { script: string; expected: RegExp }> = {
  '@iza/errors': {
    script: `import { IzaError } from '@iza/errors';
const e = new IzaError('ERR_IZA_E2E_PACKED', 'packed error', { hint: 'a hint' });
console.log(JSON.stringify([e instanceof Error, e.code, e.message, e.hint]));`,
    expected: /^\[true,"ERR_IZA_E2E_PACKED","packed error","a hint"\]$/,
  },
  '@iza/registry': {
    script: `import { parseReference } from '@iza/registry';
console.log(parseReference('alpine').toString());`,
    expected: /^docker\.io\/library\/alpine:latest$/,
  },
  '@iza/cgroups': {
    script: `import { parseMemorySize } from '@iza/cgroups';
console.log(parseMemorySize('100m'));`,
    expected: /^104857600$/,
  },
  '@iza/overlay': {
    script: `import { mkdtempSync, rmSync } from 'node:fs';
import { overlaySupported } from '@iza/overlay';
const dir = mkdtempSync('/tmp/iza-e2e-packed-overlay-');
try { console.log(JSON.stringify(await overlaySupported(dir))); }
finally { rmSync(dir, { recursive: true, force: true }); }`,
    expected: /^\{"ok":true\}$/,
  },
  '@iza/ns-native': {
    script: `import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { lsetxattr, llistxattr } from '@iza/ns-native';
const dir = mkdtempSync('/tmp/iza-e2e-packed-native-');
try {
  writeFileSync(dir + '/f', 'x');
  lsetxattr(dir + '/f', 'user.iza.packed', Buffer.from('yes'));
  console.log(JSON.stringify(llistxattr(dir + '/f')));
} finally { rmSync(dir, { recursive: true, force: true }); }`,
    expected: /^\["user\.iza\.packed"\]$/,
  },
  '@iza/layers': {
    script: `import { mkdtempSync, rmSync } from 'node:fs';
import { openImageStore } from '@iza/layers';
const dir = mkdtempSync('/tmp/iza-e2e-packed-store-');
try {
  const store = await openImageStore({ root: dir });
  console.log(JSON.stringify(store.listImages()));
} finally { rmSync(dir, { recursive: true, force: true }); }`,
    expected: /^\[\]$/,
  },
  '@iza/engine': {
    script: `import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEngine } from '@iza/engine';
const root = mkdtempSync(join(tmpdir(), 'iza-pack-engine-'));
const engine = createEngine({ root, dockerConfigPath: join(root, 'config.json'), hostEnv: {} });
console.log('images: ' + (await engine.listImages()).length);
rmSync(root, { recursive: true, force: true });`,
    expected: /^images: 0$/,
  },
  '@iza/oci-runtime': {
    // The API, and the iza-runtime executable an engine would be pointed at (the packed bundle).
    script: `import { execFileSync } from 'node:child_process';
import { defaultSpec, parseSignal } from '@iza/oci-runtime';
const spec = defaultSpec({ rootless: false });
const npx = ['--no', '--', 'iza-runtime', '--version'];
const version = execFileSync('npx', npx, { encoding: 'utf8' });
console.log(spec.ociVersion + ' ' + spec.process.args.join(' ') + ' ' + parseSignal('KILL'));
console.log(version.split('\\n')[0]);`,
    expected: /^1\.\d+\.\d+ sh 9\niza-runtime version \d+\.\d+\.\d+$/,
  },
  '@iza/cli': {
    // `--` matters: without it npx takes --version for itself and prints npm's version.
    script: `import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
const { version } = JSON.parse(readFileSync('node_modules/@iza/cli/package.json', 'utf8'));
const out = execFileSync('npx', ['--no', '--', 'iza', '--version'], { encoding: 'utf8' });
console.log(out.includes(version) ? 'iza version ' + version : 'unexpected: ' + out);`,
    expected: /^iza version \d+\.\d+\.\d+$/,
  },
};

/**
 * The environment of a user in their own project: without the npm_config_* and pnpm variables
 * that `pnpm run` adds for this workspace (npm warns about pnpm's own keys), and without the
 * FORCE_COLOR nx sets for its tasks (console.log would colour numbers).
 */
function userEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(npm_|pnpm_|PNPM_|FORCE_COLOR$)/i.test(k)),
  );
}

let scratch: string;
let project: string;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'iza-e2e-pack-'));
  const tarballs = join(scratch, 'tarballs');
  project = join(scratch, 'project');
  await mkdir(tarballs);
  await mkdir(project);

  for (const { dir } of packageNames) {
    await execa('pnpm', ['pack', '--pack-destination', tarballs], { cwd: join(packagesDir, dir) });
  }
  const files = (await readdir(tarballs)).filter((f) => f.endsWith('.tgz'));
  expect(files).toHaveLength(packageNames.length);

  await writeFile(
    join(project, 'package.json'),
    JSON.stringify({ name: 'iza-packed-scratch', private: true, type: 'module' }),
  );
  // nodedir: node-gyp builds the addon against the installed Node headers, offline.
  await execa(
    'npm',
    ['install', '--no-audit', '--no-fund', ...files.map((f) => join(tarballs, f))],
    {
      cwd: project,
      env: { npm_config_nodedir: '/usr' },
      timeout: 540_000,
    },
  );
}, 600_000);

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describe('packed packages installed with npm', () => {
  it('has a check for every workspace package', () => {
    expect(packageNames.map((p) => p.name).sort()).toEqual(Object.keys(checks).sort());
  });

  it.each(packageNames.map((p) => p.name))('%s works through its public API', async (name) => {
    const check = checks[name];
    if (check === undefined) throw new Error(`no pack-install check for ${name}`);

    const file = join(project, `check-${name.replace(/\W/g, '-')}.mjs`);
    await writeFile(file, `${check.script}\n`);
    const result = await execa('node', [file], {
      cwd: project,
      reject: false,
      env: userEnv(),
      extendEnv: false,
    });
    expect({ exitCode: result.exitCode, stderr: result.stderr }).toEqual({
      exitCode: 0,
      stderr: '',
    });
    expect(result.stdout).toMatch(check.expected);
  });
});
