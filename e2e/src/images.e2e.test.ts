import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { failureReport, lines, parseImageRows, shortId } from './harness/cli-output.js';
import { pushImage } from './harness/fixtures/push.js';
import { iza, izaBin } from './harness/iza.js';
import { makeIzaRoot, removeIzaRoot } from './harness/iza-root.js';
import { mountsUnder } from './harness/mountinfo.js';
import { startRegistry, type Registry } from './harness/start-registry.js';
import { fixture } from './harness/suite-state.js';

// Image management after a pull: images, image inspect, rmi, prune, save/load, image mount.

let root: string;
const minimal = () => fixture('minimal:latest');

beforeAll(async () => {
  root = await makeIzaRoot('images');
  const result = await iza(['pull', '-q', minimal().ref], { root });
  expect(result).toMatchObject({ exitCode: 0 });
});

afterAll(async () => {
  expect(await removeIzaRoot(root)).toEqual([]);
});

describe('iza images', () => {
  it('prints docker table columns with the short config digest as IMAGE ID', async () => {
    const result = await iza(['images'], { root });

    expect(result).toMatchObject({ exitCode: 0 });
    const [header, ...rows] = lines(result.stdout);
    expect(header?.split(/\s{2,}/)).toEqual(['REPOSITORY', 'TAG', 'IMAGE ID', 'CREATED', 'SIZE']);
    const repository = minimal().ref.replace(/:latest$/, '');
    const row = rows.find((r) => r.startsWith(`${repository} `));
    expect(row?.split(/\s{2,}/).slice(0, 3)).toEqual([
      repository,
      'latest',
      shortId(minimal().configDigest),
    ]);
  });

  it('prints only image IDs with -q', async () => {
    const result = await iza(['images', '-q'], { root });
    expect(result).toMatchObject({ exitCode: 0, stdout: shortId(minimal().configDigest) });
  });

  it('prints one JSON object per image with --format json', async () => {
    const result = await iza(['images', '--format', 'json'], { root });

    expect(result).toMatchObject({ exitCode: 0 });
    const rows = parseImageRows(result.stdout);
    expect(rows).toHaveLength(1);
    expect(Object.keys(rows[0] ?? {})).toEqual(
      expect.arrayContaining(['Repository', 'Tag', 'ID', 'Digest', 'CreatedAt', 'Size']),
    );
  });
});

describe('iza image inspect', () => {
  it('prints a JSON array in docker shape with the image config', async () => {
    const image = minimal();
    const result = await iza(['image', 'inspect', image.ref], { root });

    expect(result).toMatchObject({ exitCode: 0 });
    const [info, ...more] = JSON.parse(result.stdout);
    expect(more).toEqual([]);
    expect(info).toMatchObject({
      Id: image.configDigest,
      RepoTags: [image.ref],
      RepoDigests: [`${image.ref.replace(/:latest$/, '')}@${image.digest}`],
      Architecture: 'amd64',
      Os: 'linux',
      Config: {
        Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
        Cmd: ['/bin/sh'],
        WorkingDir: '/',
        Labels: { 'org.iza.e2e.image': 'minimal' },
      },
      RootFS: { Type: 'layers' },
    });
    expect(info.RootFS.Layers).toHaveLength(image.layerCount);
    expect(info.Size).toBeGreaterThan(500_000);
    expect(Date.parse(info.Created)).not.toBeNaN();
  });

  it('fails with exit 1 for an image that is not there', async () => {
    const report = failureReport(await iza(['image', 'inspect', 'nothing:here'], { root }));
    expect(report).toMatchObject({ exitCode: 1, stackFrames: [] });
    expect(report.errors).toHaveLength(1);
  });
});

describe('iza image mount', () => {
  it('mounts a read-only merged rootfs with the second layer applied', async () => {
    const result = await iza(['image', 'mount', minimal().ref], { root });

    expect(result).toMatchObject({ exitCode: 0 });
    const path = result.stdout.trim();
    expect(await readFile(join(path, 'etc/iza-e2e-release'), 'utf8')).toBe('minimal 2\n');
    expect(existsSync(join(path, 'etc/iza-e2e-removed'))).toBe(false);
    const write = await execa('touch', [join(path, 'written-by-test')], { reject: false });
    expect(write.exitCode).not.toBe(0);
  });

  it('unmounts it again', async () => {
    const result = await iza(['image', 'umount', minimal().ref], { root });

    expect(result).toMatchObject({ exitCode: 0 });
    expect(mountsUnder(root)).toEqual([]);
  });
});

describe('iza save and load', () => {
  it('saves an image to a tar and loads it back after rmi', async () => {
    const image = minimal();
    const archive = join(root, 'saved.tar');
    const save = await iza(['save', '-o', archive, image.ref], { root });
    expect(save).toMatchObject({ exitCode: 0 });
    const entries = lines((await execa('tar', ['-tf', archive])).stdout);
    expect(entries).toEqual(expect.arrayContaining(['manifest.json']));

    const rmi = await iza(['rmi', image.ref], { root });
    expect(rmi).toMatchObject({ exitCode: 0 });
    expect(lines(rmi.stdout)).toContain(`Untagged: ${image.ref}`);
    expect(lines(rmi.stdout)).toContain(`Deleted: ${image.configDigest}`);
    expect((await iza(['images', '-q'], { root })).stdout).toBe('');

    const load = await iza(['load', '-i', archive], { root });
    expect(load).toMatchObject({ exitCode: 0 });
    expect(lines(load.stdout)).toContain(`Loaded image: ${image.ref}`);
    const inspect = JSON.parse((await iza(['image', 'inspect', image.ref], { root })).stdout);
    expect(inspect).toMatchObject([{ Id: image.configDigest }]);
  });
});

describe('iza load of an archive another tool named', () => {
  it('stores a short name as a pull would, so run and rmi find what images lists', async () => {
    const image = minimal();
    const archive = join(root, 'short-name.tar');
    // skopeo writes the name it is given as the archive's ref.name: `e2e-short:1`, not the
    // docker.io/library/... form iza pull stores.
    await execa('skopeo', [
      'copy',
      '-q',
      `oci:${image.layout}:latest`,
      `oci-archive:${archive}:e2e-short:1`,
    ]);

    const load = await iza(['load', '-i', archive], { root });
    expect(load).toMatchObject({ exitCode: 0 });
    expect(lines(load.stdout)).toEqual(['Loaded image: e2e-short:1']);
    const rows = parseImageRows((await iza(['images', '--format', 'json'], { root })).stdout);
    expect(rows).toContainEqual(expect.objectContaining({ Repository: 'e2e-short', Tag: '1' }));

    const run = await iza(['run', '--rm', '--pull', 'never', 'e2e-short:1', 'true'], { root });
    expect(run).toMatchObject({ exitCode: 0 });
    expect(await iza(['rmi', 'docker.io/library/e2e-short:1'], { root })).toMatchObject({
      exitCode: 0,
    });
  });
});

describe('iza rmi and image prune', () => {
  let registry: Registry;

  beforeAll(async () => {
    registry = await startRegistry();
  });

  afterAll(async () => {
    await registry.stop();
  });

  it('leaves the old image dangling when its tag moves, and prune deletes it', async () => {
    const layout = { dir: minimal().layout };
    const ref = `${registry.host}/moving:latest`;
    // Not `latest`: minimal:latest is already pulled into this root under another name, and an
    // image still named elsewhere is not dangling (docker keeps it tagged there).
    await pushImage(layout, 'user', registry, 'moving', 'latest');
    expect(await iza(['pull', '-q', ref], { root })).toMatchObject({ exitCode: 0 });
    await pushImage(layout, 'entrypoint', registry, 'moving', 'latest');
    expect(await iza(['pull', '-q', ref], { root })).toMatchObject({ exitCode: 0 });

    const moving = parseImageRows((await iza(['images', '--format', 'json'], { root })).stdout);
    expect(moving.filter((r) => r.Tag === '<none>')).toHaveLength(1);

    const prune = await iza(['image', 'prune'], { root });
    expect(prune).toMatchObject({ exitCode: 0 });
    expect(prune.stdout).toMatch(/Deleted: sha256:/);
    const after = parseImageRows((await iza(['images', '--format', 'json'], { root })).stdout);
    expect(after.filter((r) => r.Tag === '<none>')).toEqual([]);
    expect(after.map((r) => r.Repository)).toContain(`${registry.host}/moving`);
  });

  it('removes every image by reference', async () => {
    const refs = parseImageRows((await iza(['images', '--format', 'json'], { root })).stdout).map(
      (r) => `${r.Repository}:${r.Tag}`,
    );
    const result = await iza(['rmi', ...refs], { root });

    expect(result).toMatchObject({ exitCode: 0 });
    expect((await iza(['images', '-q'], { root })).stdout).toBe('');
  });

  it('fails with exit 1 on an unknown image', async () => {
    const report = failureReport(await iza(['rmi', 'nothing:here'], { root }));
    expect(report).toMatchObject({ exitCode: 1, stackFrames: [] });
    expect(report.errors).toHaveLength(1);
  });
});

describe('iza rmi by ID and lookups by digest', () => {
  // minimal:latest and library/alpine:latest are one image (one ID) under two names.
  let own: string;
  const alpine = () => fixture('library/alpine:latest');
  const pullBoth = async () => {
    for (const ref of [minimal().ref, alpine().ref]) {
      expect(await iza(['pull', '-q', ref], { root: own })).toMatchObject({ exitCode: 0 });
    }
  };
  const names = async () =>
    parseImageRows((await iza(['images', '--format', 'json'], { root: own })).stdout).map(
      (r) => `${r.Repository}:${r.Tag}`,
    );

  beforeAll(async () => {
    own = await makeIzaRoot('images-by-id');
  });

  afterAll(async () => {
    expect(await removeIzaRoot(own)).toEqual([]);
  });

  it('refuses an ID that two names share, and removes neither (docker: conflict)', async () => {
    await pullBoth();
    const id = shortId(minimal().configDigest);

    const report = failureReport(await iza(['rmi', id], { root: own }));

    expect(report).toMatchObject({ exitCode: 1, stackFrames: [] });
    expect(report.errors).toHaveLength(1);
    expect(report.errors[0]).toMatch(/referenced by 2 names/);
    expect((await names()).sort()).toEqual([alpine().ref, minimal().ref].sort());
  });

  it('removes every name of the ID with -f, then the image', async () => {
    const id = shortId(minimal().configDigest);
    const result = await iza(['rmi', '-f', id], { root: own });

    expect(result).toMatchObject({ exitCode: 0 });
    expect(lines(result.stdout)).toEqual(
      expect.arrayContaining([
        `Untagged: ${minimal().ref}`,
        `Untagged: ${alpine().ref}`,
        `Deleted: ${minimal().configDigest}`,
      ]),
    );
    expect(await names()).toEqual([]);
  });

  it('runs and inspects repo@DIGEST of an image pulled by tag, without pulling again', async () => {
    await pullBoth();
    const byDigest = minimal().ref.replace(/:latest$/, `@${minimal().digest}`);

    const run = await iza(['run', '--rm', '--pull', 'never', byDigest, 'true'], { root: own });
    const inspect = await iza(['image', 'inspect', byDigest], { root: own });

    expect(run).toMatchObject({ exitCode: 0, stderr: '' });
    expect(JSON.parse(inspect.stdout)).toMatchObject([{ Id: minimal().configDigest }]);
    expect((await names()).sort()).toEqual([alpine().ref, minimal().ref].sort());
  });

  it('says how to see what is stored when an image is not, without "pull it first"', async () => {
    const report = failureReport(await iza(['image', 'inspect', 'nothing:here'], { root: own }));

    expect(report).toMatchObject({ exitCode: 1 });
    expect(report.errors).toEqual(["Error: Image 'nothing:here' not found"]);
    expect(report.hints).toEqual([expect.stringMatching(/iza images/)]);
  });
});

describe('iza save and load through pipes, as docker users chain them', () => {
  let own: string;
  let other: string;

  beforeAll(async () => {
    own = await makeIzaRoot('images-pipes');
    other = await makeIzaRoot('images-pipes-load');
    expect(await iza(['pull', '-q', minimal().ref], { root: own })).toMatchObject({ exitCode: 0 });
  });

  afterAll(async () => {
    expect(await removeIzaRoot(own)).toEqual([]);
    expect(await removeIzaRoot(other)).toEqual([]);
  });

  it('saves to STDOUT without -o and loads a gzipped archive from STDIN', async () => {
    const archive = join(own, 'piped.tar.gz');
    const bin = izaBin();
    const save = await execa(
      'sh',
      ['-c', `"${bin}" --root "${own}" save "$1" | gzip > "${archive}"`, 'sh', minimal().ref],
      { reject: false },
    );
    expect(save).toMatchObject({ exitCode: 0, stderr: '' });

    const load = await execa('sh', ['-c', `"${bin}" --root "${other}" load < "${archive}"`], {
      reject: false,
    });

    expect(load).toMatchObject({ exitCode: 0, stdout: `Loaded image: ${minimal().ref}` });
    const inspect = await iza(['image', 'inspect', minimal().ref], { root: other });
    expect(JSON.parse(inspect.stdout)).toMatchObject([{ Id: minimal().configDigest }]);
  });

  it('writes an archive skopeo reads (oci-archive) to STDOUT', async () => {
    const archive = join(own, 'piped.tar');
    const bin = izaBin();
    await execa('sh', [
      '-c',
      `"${bin}" --root "${own}" save "$1" > "${archive}"`,
      'sh',
      minimal().ref,
    ]);

    const inspect = await execa('skopeo', ['inspect', '--config', `oci-archive:${archive}`]);
    expect(JSON.parse(inspect.stdout)).toMatchObject({ config: { Cmd: ['/bin/sh'] } });
  });
});

describe('iza images and inspect as docker users script them', () => {
  let own: string;
  const entrypoint = () => fixture('minimal:entrypoint');

  beforeAll(async () => {
    own = await makeIzaRoot('images-format');
    for (const ref of [minimal().ref, entrypoint().ref, fixture('library/alpine:latest').ref]) {
      expect(await iza(['pull', '-q', ref], { root: own })).toMatchObject({ exitCode: 0 });
    }
  });

  afterAll(async () => {
    expect(await removeIzaRoot(own)).toEqual([]);
  });

  const names = (stdout: string) => lines(stdout).sort();
  const repository = () => minimal().ref.replace(/:latest$/, '');

  it('lists one repository, or one tag of it, given as docker takes it', async () => {
    const all = await iza(['images', '--format', '{{.Repository}}:{{.Tag}}', repository()], {
      root: own,
    });
    const one = await iza(['images', '-q', entrypoint().ref], { root: own });

    expect(names(all.stdout)).toEqual([entrypoint().ref, minimal().ref].sort());
    expect(one.stdout).toBe(shortId(entrypoint().configDigest));
  });

  it('aligns a table template and adds --digests and --no-trunc columns', async () => {
    const table = await iza(['images', '--format', 'table {{.Repository}}\\t{{.Tag}}'], {
      root: own,
    });
    const [header] = lines(table.stdout);
    expect(header?.split(/\s{2,}/)).toEqual(['REPOSITORY', 'TAG']);

    const wide = await iza(['images', '--digests', '--no-trunc', minimal().ref], { root: own });
    const [head, row] = lines(wide.stdout);
    expect(head?.split(/\s{2,}/).slice(0, 4)).toEqual(['REPOSITORY', 'TAG', 'DIGEST', 'IMAGE ID']);
    expect(row?.split(/\s{2,}/).slice(2, 4)).toEqual([minimal().digest, minimal().configDigest]);
  });

  it("prints a field of each image with inspect --format, in Go's notation", async () => {
    const result = await iza(
      ['inspect', '-f', '{{.Config.Entrypoint}} {{.Config.Cmd}}', entrypoint().ref, minimal().ref],
      { root: own },
    );
    expect(result).toMatchObject({ exitCode: 0 });
    expect(lines(result.stdout)).toEqual([
      '[/bin/echo from-entrypoint] [default-arg]',
      '<no value> [/bin/sh]',
    ]);
  });

  it('refuses a template action it does not read, before printing anything', async () => {
    const result = await iza(['images', '--format', '{{range .}}x{{end}}'], { root: own });
    const report = failureReport(result);
    expect(report).toMatchObject({ exitCode: 1, stackFrames: [] });
    expect(result.stdout).toBe('');
    expect(report.errors).toEqual(['Error: template: unsupported action {{range .}}']);
  });
});
