import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execa } from 'execa';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { failureReport, lines } from './harness/cli-output.js';
import { pushImage } from './harness/fixtures/push.js';
import { iza, izaBin } from './harness/iza.js';
import { makeIzaRoot, removeIzaRoot } from './harness/iza-root.js';
import { REGISTRY_USER, startRegistry, type Registry } from './harness/start-registry.js';
import { fixture } from './harness/suite-state.js';

// Pulls from registries that want credentials: htpasswd basic auth, and a token service in
// front like Docker Hub's. Credentials go through `iza login` into docker's config.json in a
// temp DOCKER_CONFIG, never the real ~/.docker.

describe.each(['basic', 'token'] as const)('iza pull from a registry with %s auth', (auth) => {
  let registry: Registry;
  let root: string;
  let dockerConfig: string;
  let env: Record<string, string>;
  const privateRef = () => `${registry.host}/private/minimal:latest`;

  beforeAll(async () => {
    registry = await startRegistry({ auth });
    const layout = { dir: fixture('minimal:latest').layout };
    await pushImage(layout, 'latest', registry, 'private/minimal', 'latest');
    await pushImage(layout, 'latest', registry, 'public/minimal', 'latest');
    root = await makeIzaRoot(`auth-${auth}`);
    dockerConfig = await mkdtemp(join(tmpdir(), 'iza-e2e-docker-config-'));
    env = { DOCKER_CONFIG: dockerConfig };
  });

  afterAll(async () => {
    await registry.stop();
    await rm(dockerConfig, { recursive: true, force: true });
    expect(await removeIzaRoot(root)).toEqual([]);
  });

  it('fails with one clear auth error and a hint to log in before `iza login`', async () => {
    const result = await iza(['pull', privateRef()], { root, env });

    const report = failureReport(result);
    expect(report).toMatchObject({ exitCode: 1, stackFrames: [] });
    expect(report.errors).toHaveLength(1);
    expect(report.errors[0]).toMatch(/unauthori[sz]ed|authentication|credentials|denied/i);
    expect(report.hints.join('\n')).toMatch(/iza login/);
  });

  it('refuses a wrong password at login and stores nothing', async () => {
    const result = await iza(
      ['login', '-u', REGISTRY_USER.username, '--password-stdin', registry.host],
      { root, env, input: 'not the password\n' },
    );

    expect(failureReport(result)).toMatchObject({ exitCode: 1, stackFrames: [] });
    const config = await readFile(join(dockerConfig, 'config.json'), 'utf8').catch(() => '{}');
    expect(JSON.parse(config).auths?.[registry.host]).toBeUndefined();
  });

  it('logs in with --password-stdin and writes docker config.json', async () => {
    const result = await iza(
      ['login', '-u', REGISTRY_USER.username, '--password-stdin', registry.host],
      { root, env, input: `${REGISTRY_USER.password}\n` },
    );

    expect(result).toMatchObject({ exitCode: 0 });
    expect(result.stdout).toMatch(/Login Succeeded/);
    const config = JSON.parse(await readFile(join(dockerConfig, 'config.json'), 'utf8'));
    const expected = Buffer.from(`${REGISTRY_USER.username}:${REGISTRY_USER.password}`);
    expect(config.auths[registry.host]).toEqual({ auth: expected.toString('base64') });
  });

  it('pulls the private image after login', async () => {
    const result = await iza(['pull', privateRef()], { root, env });

    expect(result).toMatchObject({ exitCode: 0 });
    expect(lines(result.stdout).at(-1)).toBe(privateRef());
  });

  it('forgets the credentials at logout', async () => {
    const result = await iza(['logout', registry.host], { root, env });

    expect(result).toMatchObject({ exitCode: 0 });
    const config = JSON.parse(await readFile(join(dockerConfig, 'config.json'), 'utf8'));
    expect(config.auths?.[registry.host]).toBeUndefined();
    const again = await iza(['pull', privateRef()], { root, env });
    expect(again.exitCode).toBe(1);
  });

  it('asks for the username and password on a terminal, as docker login does', async () => {
    // script(1) gives iza a terminal and types both answers into it.
    const command = `"${izaBin()}" --root "${root}" login "${registry.host}"`;
    const typed = `${REGISTRY_USER.username}\r${REGISTRY_USER.password}\r`;
    const result = await execa('script', ['-qec', command, '/dev/null'], {
      reject: false,
      input: typed,
      env: { ...env, CI: '1' },
      timeout: 60_000,
    });

    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/Username: [\s\S]*Password: [\s\S]*Login Succeeded/);
    const config = JSON.parse(await readFile(join(dockerConfig, 'config.json'), 'utf8'));
    const expected = Buffer.from(`${REGISTRY_USER.username}:${REGISTRY_USER.password}`);
    expect(config.auths[registry.host]).toEqual({ auth: expected.toString('base64') });
    expect(await iza(['logout', registry.host], { root, env })).toMatchObject({ exitCode: 0 });
  });
});

describe('iza pull with token auth and no credentials', () => {
  let registry: Registry;
  let root: string;

  beforeAll(async () => {
    registry = await startRegistry({ auth: 'token' });
    await pushImage(
      { dir: fixture('minimal:latest').layout },
      'latest',
      registry,
      'public/minimal',
    );
    root = await makeIzaRoot('auth-anonymous');
  });

  afterAll(async () => {
    await registry.stop();
    expect(await removeIzaRoot(root)).toEqual([]);
  });

  it('pulls a public repository with an anonymous token, as from Docker Hub', async () => {
    const dockerConfig = await mkdtemp(join(tmpdir(), 'iza-e2e-docker-config-'));
    const ref = `${registry.host}/public/minimal:latest`;
    const result = await iza(['pull', ref], { root, env: { DOCKER_CONFIG: dockerConfig } });
    await rm(dockerConfig, { recursive: true, force: true });

    expect(result).toMatchObject({ exitCode: 0 });
    const asked = registry.tokenService?.requests ?? [];
    expect(asked).toContainEqual(
      expect.objectContaining({
        account: undefined,
        scopes: ['repository:public/minimal:pull'],
        outcome: 'granted',
      }),
    );
  });
});
