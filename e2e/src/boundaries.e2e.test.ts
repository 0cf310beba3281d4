import { describe, expect, it } from '@jest/globals';
import { execa } from 'execa';
import { rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// The package graph is checked by lint (README "Architecture"): a library that imports a package
// its arrow does not allow must fail `lint`. Each case writes one probe file into a library,
// lints it with the workspace's eslint config, and removes it.
const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

async function lintProbe(pkg: string, source: string) {
  const file = join(repo, 'packages', pkg, 'src', `boundary-probe-${process.pid}.ts`);
  writeFileSync(file, source);
  try {
    return await execa('npx', ['eslint', '--no-warn-ignored', file], {
      cwd: join(repo, 'packages', pkg),
      reject: false,
      env: { NX_DAEMON: 'false', NX_NO_CLOUD: 'true' },
    });
  } finally {
    rmSync(file, { force: true });
  }
}

describe('package boundaries', () => {
  it.each([
    ['registry', '@iza/engine', 'a library importing the engine'],
    ['ns-native', '@iza/errors', 'the addon importing any iza package'],
    ['cgroups', '@iza/ns-native', 'cgroups importing the addon'],
    ['engine', '@iza/cli', 'a library importing the CLI'],
  ])('fails lint for %s importing %s (%s)', async (pkg, target) => {
    const result = await lintProbe(pkg, `import '${target}';\nexport const probe = 1;\n`);

    expect(result.exitCode).toBe(1);
    expect(result.stdout).toMatch(/@nx\/enforce-module-boundaries/);
  });

  it('passes lint for an import its arrow allows (layers -> ns-native)', async () => {
    const result = await lintProbe(
      'layers',
      `import { constants } from '@iza/ns-native';\nexport const probe = constants;\n`,
    );

    expect({ exitCode: result.exitCode, stdout: result.stdout }).toEqual({
      exitCode: 0,
      stdout: '',
    });
  });
});
