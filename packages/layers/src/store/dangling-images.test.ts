import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';

import { openImageStore, sha256Digest } from '../index.js';
import type { ImageStore } from '../index.js';
import { FakeRegistry, buildImage, buildIndex, buildLayer } from '../test-support/image-builder.js';
import type { TestImage } from '../test-support/image-builder.js';

let root: string;
let store: ImageStore;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'iza-dangling-'));
  store = await openImageStore({ root });
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const base = buildLayer([{ name: 'base', body: 'base' }]);
const v1 = buildLayer([{ name: 'v1', body: 'one' }]);
const v2 = buildLayer([{ name: 'v2', body: 'two' }]);
const old = buildImage([base, v1]);
const cur = buildImage([base, v2]);

async function pull(img: TestImage, name: string, indexBytes?: Buffer) {
  const registry = new FakeRegistry();
  for (const layer of img.layers) {
    await store.ensureLayer({
      descriptor: layer.descriptor,
      diffId: layer.diffId,
      openBlob: registry.opener(layer),
    });
  }
  return store.putImage({
    name,
    manifestBytes: img.manifestBytes,
    manifestMediaType: 'application/vnd.oci.image.manifest.v1+json',
    configBytes: img.configBytes,
    ...(indexBytes ? { indexBytes } : {}),
  });
}

const layerDir = (diffId: string) => join(root, 'layers', diffId.slice(7));
const names = () => store.listImages().map((r) => r.name);

describe('dangling images', () => {
  it('keeps the image that lost its name, unnamed, findable by ID only', async () => {
    await pull(old, 'app:1');
    await pull(cur, 'app:1');

    const [dangling, named] = store.listImages();
    expect(dangling).toMatchObject({
      name: undefined,
      manifestDigest: old.manifestDigest,
      configDigest: old.configDigest,
      layers: [base.diffId, v1.diffId],
      size: 4 + 3,
    });
    expect(named).toMatchObject({ name: 'app:1', configDigest: cur.configDigest });

    expect(store.findImage('app:1').configDigest).toBe(cur.configDigest);
    expect(store.findImage(old.configDigest.slice(7, 15)).name).toBeUndefined();
    const got = store.getImage(old.configDigest);
    expect(readFileSync(join(got.layerDirs[1] as string, 'v1'), 'utf8')).toBe('one');
  });

  it('leaves nothing dangling when another name still holds the old manifest', async () => {
    await pull(old, 'app:1');
    await pull(old, 'app:stable');
    await pull(cur, 'app:1');
    expect(names()).toEqual(['app:stable', 'app:1']);
  });

  it('names a dangling image again when its name comes back to it', async () => {
    await pull(old, 'app:1');
    await pull(cur, 'app:1');
    await pull(old, 'app:1');
    expect(store.listImages().map((r) => [r.name, r.configDigest])).toEqual([
      [undefined, cur.configDigest],
      ['app:1', old.configDigest],
    ]);
  });

  it('keeps no dangling entry when a name is given the manifest it already has', async () => {
    await pull(old, 'app:1');
    await pull(old, 'app:1');
    expect(names()).toEqual(['app:1']);
  });

  it('removeImage by ID deletes a dangling image and only its own content', async () => {
    await pull(old, 'app:1');
    await pull(cur, 'app:1');

    const res = await store.removeImage(old.configDigest.slice(7, 19));
    expect(res).toEqual({ untagged: [], deleted: [old.configDigest, v1.diffId] });
    expect(names()).toEqual(['app:1']);
    expect(existsSync(layerDir(v1.diffId))).toBe(false);
    expect(store.hasBlob(v1.descriptor.digest)).toBe(false);
    expect(store.hasBlob(old.manifestDigest)).toBe(false);
    expect(existsSync(layerDir(base.diffId))).toBe(true);
    expect(store.getImage('app:1').layerDirs).toHaveLength(2);
  });

  it('prune removes dangling images, then their content, within the grace period', async () => {
    await pull(old, 'app:1');
    await pull(cur, 'app:1');

    const res = await store.prune();
    expect(res.images).toEqual([old.configDigest]);
    expect(res.layers).toEqual([v1.diffId]);
    expect(res.blobs.sort()).toEqual(
      [old.manifestDigest, old.configDigest, v1.descriptor.digest].sort(),
    );
    expect(names()).toEqual(['app:1']);
    expect(store.getImage('app:1').layerDirs).toHaveLength(2);
    expect((await store.prune()).images).toEqual([]);
  });

  it('prune keeps named images and their content', async () => {
    await pull(old, 'app:1');
    const res = await store.prune({ gracePeriodMs: 0 });
    expect(res).toMatchObject({ images: [], blobs: [], layers: [] });
    expect(names()).toEqual(['app:1']);
  });
});

describe('index digest', () => {
  it('records the index the manifest came from and keeps its blob', async () => {
    const indexBytes = buildIndex([old.manifestDigest]);
    const rec = await pull(old, 'app:1', indexBytes);
    expect(rec.indexDigest).toBe(sha256Digest(indexBytes));
    expect(store.findImage('app:1').indexDigest).toBe(sha256Digest(indexBytes));
    expect(store.readBlob(sha256Digest(indexBytes)).equals(indexBytes)).toBe(true);

    await store.prune({ gracePeriodMs: 0 });
    expect(store.hasBlob(sha256Digest(indexBytes))).toBe(true);

    await store.removeImage('app:1');
    expect(store.hasBlob(sha256Digest(indexBytes))).toBe(false);
  });

  it('keeps the index digest on an image that becomes dangling', async () => {
    const indexBytes = buildIndex([old.manifestDigest]);
    await pull(old, 'app:1', indexBytes);
    await pull(cur, 'app:1');
    const [dangling, named] = store.listImages();
    expect(dangling?.indexDigest).toBe(sha256Digest(indexBytes));
    expect(named?.indexDigest).toBeUndefined();
  });

  it('refuses an index that does not list the manifest', async () => {
    const indexBytes = buildIndex([cur.manifestDigest]);
    await expect(pull(old, 'app:1', indexBytes)).rejects.toMatchObject({
      code: 'ERR_IZA_LAYERS_BAD_IMAGE',
    });
    expect(store.hasBlob(sha256Digest(indexBytes))).toBe(false);
    expect(names()).toEqual([]);
  });
});
