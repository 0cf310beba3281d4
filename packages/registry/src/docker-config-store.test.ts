import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';

import {
  createDockerConfigCredentialStore,
  defaultDockerConfigPath,
  type CredentialHelperRunner,
} from './index.js';

let dir = '';
let path = '';

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'iza-registry-config-'));
  path = join(dir, 'docker', 'config.json');
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('defaultDockerConfigPath', () => {
  it('uses DOCKER_CONFIG when set, else ~/.docker', () => {
    expect(defaultDockerConfigPath({ DOCKER_CONFIG: '/etc/d' }, '/home/u')).toBe(
      '/etc/d/config.json',
    );
    expect(defaultDockerConfigPath({}, '/home/u')).toBe('/home/u/.docker/config.json');
  });
});

describe('docker config credential store', () => {
  it('writes docker-format auths with mode 0600 and reads them back', async () => {
    const store = createDockerConfigCredentialStore({ path });
    await store.set('docker.io', { username: 'ann', password: 'p:w' });
    await store.set('127.0.0.1:5000', { username: 'bob', password: 'x' });

    const json = JSON.parse(await readFile(path, 'utf8')) as {
      auths: Record<string, { auth: string }>;
    };
    expect(json.auths['https://index.docker.io/v1/']?.auth).toBe(
      Buffer.from('ann:p:w').toString('base64'),
    );
    expect(json.auths['127.0.0.1:5000']?.auth).toBe(Buffer.from('bob:x').toString('base64'));
    expect((await stat(path)).mode & 0o777).toBe(0o600);

    await expect(store.get('index.docker.io')).resolves.toEqual({
      username: 'ann',
      password: 'p:w',
    });
    await expect(store.get('127.0.0.1:5000')).resolves.toEqual({ username: 'bob', password: 'x' });
    await expect(store.get('ghcr.io')).resolves.toBeUndefined();
  });

  it('keeps unknown keys and removes entries', async () => {
    const p = join(dir, 'config.json');
    await writeFile(
      p,
      JSON.stringify({
        auths: { 'https://ghcr.io/': { auth: Buffer.from('a:b').toString('base64') } },
        proxies: { x: 1 },
      }),
    );
    await chmod(p, 0o644);
    const store = createDockerConfigCredentialStore({ path: p });

    await expect(store.get('ghcr.io')).resolves.toEqual({ username: 'a', password: 'b' });
    await expect(store.remove('ghcr.io')).resolves.toBe(true);
    await expect(store.remove('ghcr.io')).resolves.toBe(false);
    const json = JSON.parse(await readFile(p, 'utf8')) as Record<string, unknown>;
    expect(json).toEqual({ auths: {}, proxies: { x: 1 } });
    expect((await stat(p)).mode & 0o777).toBe(0o600);
  });

  it('reports a corrupt config file', async () => {
    const p = join(dir, 'config.json');
    await writeFile(p, '{not json');
    await expect(createDockerConfigCredentialStore({ path: p }).get('x.io')).rejects.toMatchObject({
      code: 'ERR_IZA_REGISTRY_CREDENTIALS',
    });
  });

  it('goes through credHelpers and credsStore', async () => {
    const p = join(dir, 'config.json');
    await writeFile(
      p,
      JSON.stringify({ credsStore: 'desktop', credHelpers: { 'gcr.io': 'gcloud' } }),
    );
    const calls: string[] = [];
    const runHelper: CredentialHelperRunner = async (name, action, input) => {
      calls.push(`${name} ${action} ${input}`);
      if (action === 'get' && name === 'gcloud')
        return JSON.stringify({ ServerURL: input, Username: '_token', Secret: 'tok' });
      if (action === 'get')
        throw Object.assign(new Error('x'), {
          helperOutput: 'credentials not found in native keychain',
        });
      return '';
    };
    const store = createDockerConfigCredentialStore({ path: p, runHelper });

    await expect(store.get('gcr.io')).resolves.toEqual({ username: '_token', password: 'tok' });
    await expect(store.get('docker.io')).resolves.toBeUndefined();
    await store.set('docker.io', { username: 'ann', password: 'pw' });

    expect(calls).toEqual([
      'gcloud get gcr.io',
      'desktop get https://index.docker.io/v1/',
      `desktop store ${JSON.stringify({ ServerURL: 'https://index.docker.io/v1/', Username: 'ann', Secret: 'pw' })}`,
    ]);
    const json = JSON.parse(await readFile(p, 'utf8')) as { auths: Record<string, unknown> };
    expect(json.auths).toEqual({ 'https://index.docker.io/v1/': {} });
  });

  it('runs a real docker-credential helper from PATH', async () => {
    const { execCredentialHelper } = await import('./credential-helper.js');
    const bin = join(dir, 'bin');
    await import('node:fs/promises').then((fs) => fs.mkdir(bin));
    const script = join(bin, 'docker-credential-fake');
    await writeFile(
      script,
      '#!/bin/sh\nread url\necho "{\\"Username\\":\\"u\\",\\"Secret\\":\\"s-$url\\"}"\n',
    );
    await chmod(script, 0o755);
    const p = join(dir, 'config.json');
    await writeFile(p, JSON.stringify({ credsStore: 'fake' }));
    const runHelper = execCredentialHelper({ PATH: `${bin}:/usr/bin:/bin` });

    await expect(
      createDockerConfigCredentialStore({ path: p, runHelper }).get('q.io'),
    ).resolves.toEqual({ username: 'u', password: 's-q.io' });
  });

  it('says when a helper is not installed', async () => {
    const { execCredentialHelper } = await import('./credential-helper.js');
    const p = join(dir, 'config.json');
    await writeFile(p, JSON.stringify({ credsStore: 'missing-helper' }));
    const runHelper = execCredentialHelper({ PATH: dir });
    await expect(
      createDockerConfigCredentialStore({ path: p, runHelper }).get('q.io'),
    ).rejects.toMatchObject({
      code: 'ERR_IZA_REGISTRY_CREDENTIALS',
      message: 'credential helper docker-credential-missing-helper get is not installed',
    });
  });
});
