import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';

import { openImageStore } from '../index.js';
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
});
