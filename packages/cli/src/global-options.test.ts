import { describe, expect, it } from '@jest/globals';

import { CONFIG_ERROR } from './config-file.js';
import type { ConfigSettings } from './config-file.js';
import { resolveGlobalOptions } from './global-options.js';
import { mirrorRegistryOf, mirrorsByPrecedence } from './mirror-precedence.js';
import { parseFast } from './option-table.js';
import { globalOptionSpecs } from './global-options.js';

/** Resolves `args` as the fast parser reads them, over a config file holding `file`. */
function resolve(args: string[], env: Record<string, string> = {}, file: ConfigSettings = {}) {
  const parsed = parseFast(args, globalOptionSpecs());
  if (!parsed) throw new Error(`not plain arguments: ${args.join(' ')}`);
  const asked: string[] = [];
  const globals = resolveGlobalOptions(parsed, {
    env,
    euid: 0,
    loadConfig: (path, explicit) => {
      asked.push(`${path} ${String(explicit)}`);
      return { path, found: true, settings: file };
    },
  });
  return { globals, asked };
}

describe('resolveGlobalOptions', () => {
  it('uses the defaults when nothing is set', () => {
    const { globals, asked } = resolve([]);

    expect(globals).toEqual({
      root: '/var/lib/iza',
      storageDriver: undefined,
      registryMirror: [],
      insecureRegistry: [],
      debug: false,
      logLevel: 'warn',
      config: { path: '/etc/iza/config.json', found: true },
    });
    expect(asked).toEqual(['/etc/iza/config.json false']);
  });

  it('reads the file named by --config, else by IZA_CONFIG', () => {
    expect(resolve(['--config', '/a.json'], { IZA_CONFIG: '/b.json' }).asked).toEqual([
      '/a.json true',
    ]);
    expect(resolve([], { IZA_CONFIG: '/b.json' }).asked).toEqual(['/b.json true']);
  });

  it.each<[string, string[], Record<string, string>, ConfigSettings, unknown]>([
    ['root from the file', [], {}, { dataRoot: '/f' }, { root: '/f' }],
    ['root from env over file', [], { IZA_ROOT: '/e' }, { dataRoot: '/f' }, { root: '/e' }],
    ['root from flag over env', ['--root', '/r'], { IZA_ROOT: '/e' }, {}, { root: '/r' }],
    ['driver from the file', [], {}, { storageDriver: 'copy' }, { storageDriver: 'copy' }],
    [
      'driver from env over file',
      [],
      { IZA_STORAGE_DRIVER: 'overlay' },
      { storageDriver: 'copy' },
      { storageDriver: 'overlay' },
    ],
    [
      'insecure registries: the flag list replaces the file list',
      ['--insecure-registry', 'a:1'],
      {},
      { insecureRegistries: ['b:2'] },
      { insecureRegistry: ['a:1'] },
    ],
    [
      'insecure registries: env replaces the file',
      [],
      { IZA_INSECURE_REGISTRIES: 'c:3,d:4' },
      { insecureRegistries: ['b:2'] },
      { insecureRegistry: ['c:3', 'd:4'] },
    ],
    [
      'mirrors: the file alone',
      [],
      {},
      { registryMirrors: ['https://hub.example'] },
      { registryMirror: ['https://hub.example'] },
    ],
    [
      'mirrors: the flag wins docker.io whole, the file keeps quay.io',
      ['--registry-mirror', 'docker.io=http://127.0.0.1:5000'],
      {},
      { registryMirrors: ['https://hub.example', 'https://hub2.example', 'quay.io=https://q'] },
      { registryMirror: ['docker.io=http://127.0.0.1:5000', 'quay.io=https://q'] },
    ],
    [
      'mirrors: env over the file, flag over env',
      ['--registry-mirror', 'quay.io=http://flag'],
      { IZA_REGISTRY_MIRRORS: 'quay.io=http://env,docker.io=http://env' },
      { registryMirrors: ['https://file', 'ghcr.io=https://file'] },
      { registryMirror: ['quay.io=http://flag', 'docker.io=http://env', 'ghcr.io=https://file'] },
    ],
  ])('%s', (_name, args, env, file, expected) => {
    expect(resolve(args, env, file).globals).toMatchObject(expected as Record<string, unknown>);
  });

  it('refuses an IZA_STORAGE_DRIVER that is not a driver', () => {
    expect(() => resolve([], { IZA_STORAGE_DRIVER: 'zfs' })).toThrow(
      expect.objectContaining({ code: 'ERR_IZA_CLI_ENV_INVALID' }),
    );
  });

  it('lets a config file error through, before anything else is read', () => {
    const failing = () => {
      throw Object.assign(new Error('config file /x: bad'), { code: CONFIG_ERROR });
    };
    expect(() => resolveGlobalOptions({}, { env: {}, euid: 0, loadConfig: failing })).toThrow(
      'config file /x: bad',
    );
  });
});

describe('mirrorRegistryOf', () => {
  it.each([
    ['https://hub.example', 'docker.io'],
    ['docker.io=http://127.0.0.1:5000', 'docker.io'],
    ['Index.Docker.IO=http://m', 'docker.io'],
    ['quay.io=https://q', 'quay.io'],
    ['reg.lan:5000=http://m', 'reg.lan:5000'],
  ])('%s mirrors %s', (entry, registry) => {
    expect(mirrorRegistryOf(entry)).toBe(registry);
  });
});

describe('mirrorsByPrecedence', () => {
  it('keeps every mirror a source gives for a registry, in order', () => {
    expect(mirrorsByPrecedence([['https://a', 'https://b'], ['https://c']])).toEqual([
      'https://a',
      'https://b',
    ]);
  });

  it('passes over empty sources', () => {
    expect(mirrorsByPrecedence([[], [], ['https://c']])).toEqual(['https://c']);
  });
});
