import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execa } from 'execa';
import { pushImage } from './fixtures/push.js';
import { PUBLIC_REPOS, startRegistry, type Registry } from './start-registry.js';
import { fixture, suiteState } from './suite-state.js';

// The harness tested on its own, with skopeo as the client: if these fail, every iza test that
// pulls would fail for the harness's sake, not iza's.

async function skopeoInspect(ref: string, creds?: string) {
  const credArgs = creds === undefined ? ['--no-creds'] : ['--creds', creds];
  return execa(
    'skopeo',
    ['inspect', '--raw', '--tls-verify=false', ...credArgs, `docker://${ref}`],
    {
      reject: false,
    },
  );
}

describe('the plain registry of the run', () => {
  it('serves every fixture at the digest recorded in the suite state', async () => {
    const state = suiteState();
    expect(Object.keys(state.images)).toEqual(
      expect.arrayContaining(['minimal:latest', 'library/alpine:latest', 'layers-exact:step4']),
    );

    const minimal = fixture('minimal:latest');
    const result = await skopeoInspect(minimal.ref);
    expect(result.exitCode).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ schemaVersion: 2 });
  });

  it('serves minimal:multi as an index with arm64 listed first', async () => {
    const result = await skopeoInspect(fixture('minimal:multi').ref);
    const index = JSON.parse(result.stdout) as {
      manifests: { platform: { architecture: string } }[];
    };
    expect(index.manifests.map((m) => m.platform.architecture)).toEqual(['arm64', 'amd64']);
  });
});

describe.each(['basic', 'token'] as const)('a registry with %s auth', (auth) => {
  let registry: Registry;
  const layout = () => ({ dir: fixture('minimal:latest').layout });

  beforeAll(async () => {
    registry = await startRegistry({ auth });
    await pushImage(layout(), 'latest', registry, 'private/minimal', 'latest');
    await pushImage(layout(), 'latest', registry, 'public/minimal', 'latest');
  });

  afterAll(async () => {
    await registry.stop();
  });

  it('refuses anonymous pulls of a private repository', async () => {
    const result = await skopeoInspect(`${registry.host}/private/minimal:latest`);
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toMatch(/unauthorized|authentication required/i);
  });

  it('serves a private repository with the right credentials', async () => {
    const result = await skopeoInspect(`${registry.host}/private/minimal:latest`, registry.creds);
    expect(result.exitCode).toBe(0);
  });

  it('refuses wrong credentials', async () => {
    const result = await skopeoInspect(`${registry.host}/private/minimal:latest`, 'iza-e2e:wrong');
    expect(result.exitCode).not.toBe(0);
  });

  it('lets anyone pull a public repository only when it has a token service', async () => {
    expect(PUBLIC_REPOS).toContain('public/minimal');
    const result = await skopeoInspect(`${registry.host}/public/minimal:latest`);
    expect(result.exitCode).toBe(auth === 'token' ? 0 : 1);
  });

  it('sends token-scheme clients to the token service, which logs the scopes asked for', () => {
    const scopes = registry.tokenService?.requests.flatMap((r) => r.scopes) ?? [];
    if (auth === 'basic') {
      expect(registry.tokenService).toBeUndefined();
    } else {
      expect(scopes).toContain('repository:private/minimal:pull');
    }
  });
});
