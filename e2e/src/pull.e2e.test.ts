import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { lines, parseImageRows, shortId } from './harness/cli-output.js';
import { iza } from './harness/iza.js';
import { makeIzaRoot, removeIzaRoot } from './harness/iza-root.js';
import { mountsUnder } from './harness/mountinfo.js';
import { fixture, suiteState } from './harness/suite-state.js';

// `iza pull` against the run's plain registry (global setup pushed the fixtures there):
// docker's output contract, digests, platforms and mirrors. Auth, errors, image management
// and interrupted pulls have their own files.

let root: string;

beforeAll(async () => {
  root = await makeIzaRoot('pull');
});

afterAll(async () => {
  expect(await removeIzaRoot(root)).toEqual([]);
});

describe('iza pull from a loopback registry', () => {
  it('pulls by tag and ends stdout with the digest, the status and the canonical name', async () => {
    const image = fixture('minimal:latest');
    const result = await iza(['pull', image.ref], { root });

    expect(result).toMatchObject({ exitCode: 0 });
    const out = lines(result.stdout);
    expect(out.slice(-3)).toEqual([
      `Digest: ${image.digest}`,
      `Status: Downloaded newer image for ${image.ref}`,
      image.ref,
    ]);
  });

  it('says the image is up to date when pulled again', async () => {
    const image = fixture('minimal:latest');
    const result = await iza(['pull', image.ref], { root });

    expect(result).toMatchObject({ exitCode: 0 });
    expect(lines(result.stdout)).toContain(`Status: Image is up to date for ${image.ref}`);
  });

  it('prints only the manifest digest with -q', async () => {
    const image = fixture('minimal:entrypoint');
    const result = await iza(['pull', '-q', image.ref], { root });

    expect(result).toMatchObject({ exitCode: 0, stdout: image.digest });
  });

  it('pulls by digest', async () => {
    const image = fixture('minimal:user');
    const byDigest = `${image.ref.replace(/:[^:/]+$/, '')}@${image.digest}`;
    const result = await iza(['pull', byDigest], { root });

    expect(result).toMatchObject({ exitCode: 0 });
    expect(lines(result.stdout)).toContain(`Digest: ${image.digest}`);
    const inspect = await iza(['image', 'inspect', byDigest], { root });
    expect(inspect).toMatchObject({ exitCode: 0 });
    expect(JSON.parse(inspect.stdout)).toMatchObject([{ Id: image.configDigest }]);
  });

  it('lists pulled images with the config digest as IMAGE ID', async () => {
    const image = fixture('minimal:latest');
    const result = await iza(['images', '--format', 'json'], { root });

    expect(result).toMatchObject({ exitCode: 0 });
    const [repository, tag] = [image.ref.replace(/:latest$/, ''), 'latest'];
    const row = parseImageRows(result.stdout).find(
      (r) => r.Repository === repository && r.Tag === tag,
    );
    expect(row).toBeDefined();
    expect(row?.ID.replace(/^sha256:/, '').slice(0, 12)).toBe(shortId(image.configDigest));
    expect(row?.Digest).toBe(image.digest);
  });

  it('leaves no mount under the root after pulling', () => {
    expect(mountsUnder(root)).toEqual([]);
  });
});

describe('iza pull of a multi-platform index', () => {
  it('picks the host platform (amd64) although arm64 is listed first', async () => {
    const image = fixture('minimal:multi');
    const result = await iza(['pull', image.ref], { root });

    expect(result).toMatchObject({ exitCode: 0 });
    expect(lines(result.stdout)).toContain(`Digest: ${image.digest}`);
    const inspect = JSON.parse((await iza(['image', 'inspect', image.ref], { root })).stdout);
    expect(inspect).toMatchObject([{ Architecture: 'amd64', Os: 'linux' }]);
    expect(inspect[0].Id).toBe(image.configDigest);
  });

  it('pulls the arm64 image with --platform linux/arm64', async () => {
    const image = fixture('minimal:multi');
    const result = await iza(['pull', '--platform', 'linux/arm64', image.ref], { root });

    expect(result).toMatchObject({ exitCode: 0 });
    const inspect = JSON.parse((await iza(['image', 'inspect', image.ref], { root })).stdout);
    expect(inspect).toMatchObject([
      { Architecture: 'arm64', Config: { Labels: { 'org.iza.e2e.platform': 'linux/arm64' } } },
    ]);
  });
});

describe('iza pull through a registry mirror for docker.io', () => {
  const mirror = () => `docker.io=http://${suiteState().registry.host}`;

  it('pulls alpine:latest from the mirror with --registry-mirror', async () => {
    const result = await iza(['--registry-mirror', mirror(), 'pull', 'alpine:latest'], { root });

    expect(result).toMatchObject({ exitCode: 0 });
    const out = lines(result.stdout);
    expect(out.slice(-3)).toEqual([
      `Digest: ${fixture('library/alpine:latest').digest}`,
      'Status: Downloaded newer image for alpine:latest',
      'docker.io/library/alpine:latest',
    ]);
  });

  it('takes the mirror from IZA_REGISTRY_MIRRORS too', async () => {
    const env = { IZA_REGISTRY_MIRRORS: mirror() };
    const result = await iza(['pull', 'docker.io/library/alpine'], { root, env });

    expect(result).toMatchObject({ exitCode: 0 });
    expect(lines(result.stdout)).toContain('Status: Image is up to date for alpine:latest');
  });

  it('lists the image as alpine, the way docker shortens docker.io/library names', async () => {
    const rows = parseImageRows((await iza(['images', '--format', 'json'], { root })).stdout);
    expect(rows).toContainEqual(expect.objectContaining({ Repository: 'alpine', Tag: 'latest' }));
  });
});

describe('iza pull through a mirror named in a config file', () => {
  // Docker Hub is unreachable here: the mirror in the file is the only route to the image. Each
  // test pulls into a fresh store, so "Downloaded newer image" proves the bytes came through it.
  let dir: string;

  beforeAll(async () => {
    dir = await makeIzaRoot('pull-config');
    const registry = `http://${suiteState().registry.host}`;
    // docker's daemon.json form: a bare URL mirrors docker.io.
    await writeFile(
      join(dir, 'docker-form.json'),
      JSON.stringify({ 'registry-mirrors': [registry] }),
    );
    await writeFile(
      join(dir, 'per-registry.json'),
      JSON.stringify({ 'registry-mirrors': [`docker.io=${registry}`] }),
    );
    await writeFile(join(dir, 'bad.json'), '{"registry-mirrors": {"docker.io": ["x"]}}');
  });

  afterAll(async () => {
    expect(await removeIzaRoot(dir)).toEqual([]);
  });

  const expectDownloaded = (stdout: string) =>
    expect(lines(stdout).slice(-3)).toEqual([
      `Digest: ${fixture('library/alpine:latest').digest}`,
      'Status: Downloaded newer image for alpine:latest',
      'docker.io/library/alpine:latest',
    ]);

  it('pulls docker.io/library/alpine with --config FILE', async () => {
    const store = join(dir, 'store-flag');
    const config = join(dir, 'docker-form.json');
    const result = await iza(['--config', config, 'pull', 'docker.io/library/alpine'], {
      root: store,
    });

    expect(result).toMatchObject({ exitCode: 0 });
    expectDownloaded(result.stdout);
  });

  it('pulls docker.io/library/alpine with IZA_CONFIG', async () => {
    const env = { IZA_CONFIG: join(dir, 'per-registry.json') };
    const result = await iza(['pull', 'docker.io/library/alpine'], {
      root: join(dir, 'store-env'),
      env,
    });

    expect(result).toMatchObject({ exitCode: 0 });
    expectDownloaded(result.stdout);
  });

  it('falls through a dead mirror to the next one with a warning', async () => {
    const config = join(dir, 'dead-first.json');
    const dead = 'http://127.0.0.1:1';
    const good = `http://${suiteState().registry.host}`;
    await writeFile(config, JSON.stringify({ 'registry-mirrors': [dead, good] }));
    const result = await iza(['--config', config, 'pull', 'alpine'], {
      root: join(dir, 'store-fallback'),
    });

    expect(result).toMatchObject({ exitCode: 0 });
    expectDownloaded(result.stdout);
    expect(result.stderr).toContain(`[WARNING] mirror ${dead} failed for docker.io: `);
  });

  it('refuses a bad config file with one line naming file and key, exit 125, nothing pulled', async () => {
    const store = join(dir, 'store-bad');
    const config = join(dir, 'bad.json');
    const result = await iza(['--config', config, 'pull', 'docker.io/library/alpine'], {
      root: store,
    });

    expect(result).toMatchObject({ exitCode: 125, stdout: '' });
    expect(result.stderr).toBe(
      `Error: config file ${config}: registry-mirrors: must be a list of strings, not {"docker.io":["x"]}`,
    );
    const images = await iza(['images', '-q'], { root: store });
    expect(images).toMatchObject({ exitCode: 0, stdout: '' });
  });
});
