import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { formatErrorChain } from '@iza/errors';

import { familiarRepoTag, openImageStore } from '../index.js';
import type { ImageStore } from '../index.js';
import { FakeRegistry, buildImage, buildLayer } from '../test-support/image-builder.js';
import type { TestImage } from '../test-support/image-builder.js';

// skopeo is the reference reader of OCI layouts and archives (apt-get install skopeo).
const SKOPEO = '/usr/bin/skopeo';
const skopeoIt = existsSync(SKOPEO) ? it : it.skip;

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'iza-archive-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const base = buildLayer([
  { name: 'etc/', type: '5' },
  { name: 'etc/hostname', body: 'box\n' },
]);
const top = buildLayer([{ name: 'etc/.wh.hostname' }, { name: 'app', body: 'app' }], false);
const MT = 'application/vnd.oci.image.manifest.v1+json';

async function pull(store: ImageStore, img: TestImage, name: string) {
  const registry = new FakeRegistry();
  for (const l of img.layers) {
    await store.ensureLayer({
      descriptor: l.descriptor,
      diffId: l.diffId,
      openBlob: registry.opener(l),
    });
  }
  await store.putImage({
    name,
    manifestBytes: img.manifestBytes,
    manifestMediaType: MT,
    configBytes: img.configBytes,
  });
}

function skopeoInspect(ref: string): { Digest: string; Layers: string[] } {
  return JSON.parse(execFileSync(SKOPEO, ['inspect', ref], { encoding: 'utf8' }));
}

/** One file of a tar archive, read by GNU tar (the reference reader). */
function tarFile(archive: string, member: string): string {
  return execFileSync('tar', ['-xOf', archive, member], { encoding: 'utf8' });
}

describe('OCI layout and archives', () => {
  skopeoIt('the store is an OCI layout skopeo reads by reference name', async () => {
    const store = await openImageStore({ root: join(dir, 'store') });
    const img = buildImage([base, top]);
    await pull(store, img, 'docker.io/library/alpine:latest');
    const got = skopeoInspect(`oci:${join(dir, 'store/oci')}:docker.io/library/alpine:latest`);
    expect(got.Digest).toBe(img.manifestDigest);
    expect(got.Layers).toEqual([base.descriptor.digest, top.descriptor.digest]);
  });

  skopeoIt('exportArchive writes an archive skopeo reads and importArchive loads', async () => {
    const store = await openImageStore({ root: join(dir, 'store') });
    const img = buildImage([base, top]);
    await pull(store, img, 'example.com/app:1');
    await pull(store, buildImage([base]), 'example.com/base:1');
    const out = join(dir, 'app.tar');
    await store.exportArchive(['example.com/app:1'], out);

    expect(skopeoInspect(`oci-archive:${out}`).Digest).toBe(img.manifestDigest);

    const fresh = await openImageStore({ root: join(dir, 'fresh') });
    expect(await fresh.importArchive(out)).toEqual(['example.com/app:1']);
    const loaded = fresh.getImage('example.com/app:1');
    expect(loaded.record.manifestDigest).toBe(img.manifestDigest);
    expect(readFileSync(join(loaded.layerDirs[1] as string, 'app'), 'utf8')).toBe('app');
  });

  skopeoIt('imports an archive written by skopeo', async () => {
    const store = await openImageStore({ root: join(dir, 'store') });
    const img = buildImage([base]);
    await pull(store, img, 'example.com/base:1');
    const out = join(dir, 'sk.tar');
    execFileSync(SKOPEO, [
      'copy',
      '-q',
      `oci:${join(dir, 'store/oci')}:example.com/base:1`,
      `oci-archive:${out}:v1`,
    ]);

    const fresh = await openImageStore({ root: join(dir, 'fresh') });
    const names = await fresh.importArchive(out, { nameFor: (tag) => `example.com/base:${tag}` });
    expect(names).toEqual(['example.com/base:v1']);
    expect(fresh.getImage('example.com/base:v1').layerDirs).toHaveLength(1);
  });

  skopeoIt('exportArchive also writes docker manifest.json, read as a docker-archive', async () => {
    const store = await openImageStore({ root: join(dir, 'store') });
    const img = buildImage([base, top]);
    await pull(store, img, 'docker.io/library/alpine:latest');
    await pull(store, img, 'docker.io/library/alpine:3');
    const out = join(dir, 'dual.tar');
    await store.exportArchive(
      ['docker.io/library/alpine:latest', 'docker.io/library/alpine:3'],
      out,
    );

    const hex = (d: string) => `blobs/sha256/${d.slice(7)}`;
    expect(JSON.parse(tarFile(out, 'manifest.json'))).toEqual([
      {
        Config: hex(img.configDigest),
        RepoTags: ['alpine:latest', 'alpine:3'],
        Layers: [base.descriptor.digest, top.descriptor.digest].map(hex),
      },
    ]);

    const docker = skopeoInspect(`docker-archive:${out}`);
    // A docker-archive reader names layers by their DiffID: it unpacked the gzip layer to hash it.
    expect(docker.Layers).toEqual([base.diffId, top.diffId]);
    // …and finds the image by a RepoTag, which it parses as a docker reference.
    expect(skopeoInspect(`docker-archive:${out}:alpine:3`).Layers).toEqual(docker.Layers);
    const ociIndex = JSON.parse(tarFile(out, 'index.json'));
    expect(ociIndex.manifests).toHaveLength(2);
    expect(skopeoInspect(`oci-archive:${out}:docker.io/library/alpine:3`).Digest).toBe(
      img.manifestDigest,
    );
  });

  it('names RepoTags through repoTagFor and leaves a dangling image untagged', async () => {
    const store = await openImageStore({ root: join(dir, 'store') });
    const old = buildImage([base]);
    await pull(store, old, 'example.com/app:1');
    await pull(store, buildImage([base, top]), 'example.com/app:1');
    const out = join(dir, 'tags.tar');
    await store.exportArchive([old.configDigest, 'example.com/app:1'], out, {
      repoTagFor: (name) => `mirror/${name}`,
    });

    const manifest = JSON.parse(tarFile(out, 'manifest.json')) as { RepoTags: string[] }[];
    expect(manifest.map((m) => m.RepoTags)).toEqual([[], ['mirror/example.com/app:1']]);
    const ociIndex = JSON.parse(tarFile(out, 'index.json'));
    expect(ociIndex.manifests[0].annotations).toBeUndefined();
  });

  it.each([
    ['docker.io/library/alpine:latest', 'alpine:latest'],
    ['docker.io/user/app:1', 'user/app:1'],
    ['docker.io/library/a/b:1', 'library/a/b:1'],
    ['127.0.0.1:5000/app:v2', '127.0.0.1:5000/app:v2'],
    ['quay.io/x/y:1@sha256:' + 'a'.repeat(64), 'quay.io/x/y:1'],
    ['127.0.0.1:5000/app@sha256:' + 'a'.repeat(64), undefined],
    ['localhost:5000/app', undefined],
  ])('familiarRepoTag(%s) is %s', (name, tag) => {
    expect(familiarRepoTag(name)).toBe(tag);
  });

  it('rejects an archive entry without a name', async () => {
    const store = await openImageStore({ root: join(dir, 'store') });
    await pull(store, buildImage([base]), 'x:1');
    const out = join(dir, 'a.tar');
    await store.exportArchive(['x:1'], out);
    const fresh = await openImageStore({ root: join(dir, 'fresh') });
    await expect(fresh.importArchive(out, { nameFor: () => '' })).rejects.toMatchObject({
      code: 'ERR_IZA_LAYERS_BAD_ARCHIVE',
    });
  });

  it.each([
    ['a missing file', 'missing.tar', /^open \S+missing\.tar: no such file or directory$/],
    ['a directory', '.', /^read \S+: is a directory$/],
    [
      'a file that is no tar',
      'notes.txt',
      /^invalid image archive: \S+notes\.txt is not a tar archive/,
    ],
  ])('refuses %s in one line, creating nothing', async (_, name, message) => {
    const store = await openImageStore({ root: join(dir, 'store') });
    writeFileSync(join(dir, 'notes.txt'), 'not an archive\n'.repeat(100));
    const tmpBefore = readdirSync(join(dir, 'store', 'tmp'));

    const err = await store.importArchive(join(dir, name)).catch((e: unknown) => e);

    expect(err).toMatchObject({ code: 'ERR_IZA_LAYERS_BAD_ARCHIVE' });
    expect(formatErrorChain(err)).toMatch(message);
    expect(readdirSync(join(dir, 'store', 'tmp'))).toEqual(tmpBefore);
  });

  it.each([
    [
      'a missing directory',
      'no/such/dir/out.tar',
      /^invalid output path: directory "\S+no\/such\/dir" does not exist$/,
    ],
    ['a directory', '.', /^invalid output path: "\S+" is a directory$/],
  ])('refuses to save into %s, writing nothing', async (_, name, message) => {
    const store = await openImageStore({ root: join(dir, 'store') });
    await pull(store, buildImage([base]), 'x:1');
    const before = readdirSync(dir);

    const err = await store.exportArchive(['x:1'], join(dir, name)).catch((e: unknown) => e);

    expect(err).toMatchObject({ code: 'ERR_IZA_LAYERS_BAD_OUTPUT_PATH' });
    expect(formatErrorChain(err)).toMatch(message);
    expect(readdirSync(dir)).toEqual(before);
  });
});
