import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import { CONFIG_ERROR, configPathOf, loadConfigFile, parseConfigText } from './config-file.js';
import type { ConfigSettings } from './config-file.js';

const FILE = '/etc/iza/config.json';

describe('parseConfigText', () => {
  it.each<[string, ConfigSettings]>([
    ['{}', {}],
    [
      '{"registry-mirrors": ["https://mirror.example"]}',
      { registryMirrors: ['https://mirror.example'] },
    ],
    [
      '{"registry-mirrors": ["docker.io=http://127.0.0.1:5000", " quay.io=https://q.example/ "]}',
      { registryMirrors: ['docker.io=http://127.0.0.1:5000', 'quay.io=https://q.example/'] },
    ],
    [
      '{"insecure-registries": ["reg.lan", "reg.lan:5000", "10.0.0.0/8", "[fd00::1]:5000"]}',
      { insecureRegistries: ['reg.lan', 'reg.lan:5000', '10.0.0.0/8', '[fd00::1]:5000'] },
    ],
    ['{"storage-driver": "copy"}', { storageDriver: 'copy' }],
    ['{"data-root": "/srv/iza"}', { dataRoot: '/srv/iza' }],
  ])('reads %s', (text, expected) => {
    expect(parseConfigText(text, FILE)).toEqual(expected);
  });

  it.each<[string, string]>([
    ['{"registry-mirrors": ', `config file ${FILE}: invalid JSON: `],
    ['', `config file ${FILE}: invalid JSON: `],
    ['["https://m.example"]', `config file ${FILE}: must hold a JSON object`],
    ['{"mirrors": []}', `config file ${FILE}: "mirrors": unknown key (known: registry-mirrors,`],
    ['{"root": "/srv"}', 'did you mean "data-root"?'],
    [
      '{"registry-mirrors": {"docker.io": ["http://127.0.0.1:5000"]}}',
      `config file ${FILE}: registry-mirrors: must be a list of strings, not {"docker.io"`,
    ],
    ['{"registry-mirrors": "https://m.example"}', 'registry-mirrors: must be a list of strings'],
    ['{"registry-mirrors": [5000]}', 'registry-mirrors[0]: 5000 is not a string'],
    ['{"registry-mirrors": ["ftp://m.example"]}', 'registry-mirrors[0]: "ftp://m.example" is'],
    ['{"registry-mirrors": ["https://ok.example", "m.example"]}', 'registry-mirrors[1]:'],
    ['{"registry-mirrors": ["https://m.example/v2/"]}', 'more than scheme://host[:port]'],
    ['{"registry-mirrors": ["https://u:p@m.example"]}', 'carrying credentials'],
    ['{"registry-mirrors": ["=https://m.example"]}', 'missing the registry before "="'],
    ['{"registry-mirrors": ["a b=https://m.example"]}', 'not REGISTRY=URL'],
    ['{"registry-mirrors": ["https://a.example,https://b.example"]}', 'not one entry'],
    ['{"insecure-registries": ["http://reg.lan"]}', 'insecure-registries[0]: "http://reg.lan"'],
    ['{"insecure-registries": ["reg.lan/v2"]}', 'not host[:port] or an IPv4 CIDR'],
    ['{"insecure-registries": [null]}', 'insecure-registries[0]: null is not a string'],
    ['{"storage-driver": "overlay2"}', 'storage-driver: must be "overlay" or "copy"'],
    ['{"data-root": "var/lib/iza"}', 'data-root: must be an absolute path'],
  ])('rejects %s with one line naming the file and the key', (text, message) => {
    let caught: unknown;
    try {
      parseConfigText(text, FILE);
    } catch (err) {
      caught = err;
    }

    expect(caught).toMatchObject({ code: CONFIG_ERROR });
    const got = (caught as Error).message;
    expect(got).toContain(message);
    expect(got).toMatch(new RegExp(`^config file ${FILE}: `));
    expect(got).not.toContain('\n');
  });
});

describe('configPathOf', () => {
  it.each<[string | undefined, Record<string, string>, number, string, boolean]>([
    ['/x.json', { IZA_CONFIG: '/y.json' }, 0, '/x.json', true],
    [undefined, { IZA_CONFIG: '/y.json' }, 1000, '/y.json', true],
    [undefined, {}, 0, '/etc/iza/config.json', false],
    [undefined, { XDG_CONFIG_HOME: '/h/cfg', HOME: '/h' }, 1000, '/h/cfg/iza/config.json', false],
    [undefined, { HOME: '/h' }, 1000, '/h/.config/iza/config.json', false],
    [undefined, { XDG_CONFIG_HOME: 'rel', HOME: '/h' }, 1000, '/h/.config/iza/config.json', false],
  ])('flag %s, env %j, euid %d: %s', (flag, env, euid, path, explicit) => {
    expect(configPathOf(flag, env, euid)).toEqual({ path, explicit });
  });
});

describe('loadConfigFile', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'iza-config-test-'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads a file that is there', async () => {
    const path = join(dir, 'good.json');
    await writeFile(path, '{"insecure-registries": ["reg.lan:5000"]}');

    expect(loadConfigFile(path, true)).toEqual({
      path,
      found: true,
      settings: { insecureRegistries: ['reg.lan:5000'] },
    });
  });

  it('takes a file missing from the default place as an empty config', () => {
    const path = join(dir, 'absent.json');
    expect(loadConfigFile(path, false)).toEqual({ path, found: false, settings: {} });
  });

  it('refuses a file the user named that is not there', () => {
    const path = join(dir, 'absent.json');
    expect(() => loadConfigFile(path, true)).toThrow(
      `config file ${path}: cannot read it: no such file`,
    );
  });

  it('refuses a directory, even at the default place', async () => {
    const path = join(dir, 'a-dir');
    await mkdir(path);
    expect(() => loadConfigFile(path, false)).toThrow(
      `config file ${path}: cannot read it: is a directory`,
    );
  });
});
