import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { lgetxattr } from '@iza/ns-native';

import { openImageStore } from '../index.js';
import type { ImageStore } from '../index.js';
import { FakeRegistry, buildImage, buildLayer } from '../test-support/image-builder.js';
import type { TestImage } from '../test-support/image-builder.js';

let root: string;
let store: ImageStore;
let registry: FakeRegistry;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'iza-store-'));
  store = await openImageStore({ root });
  registry = new FakeRegistry();
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const base = buildLayer([
  { name: 'etc/', type: '5' },
  { name: 'etc/os-release', body: 'ID=test\n' },
  { name: 'bin/', type: '5' },
  { name: 'bin/sh', body: '#!sh', mode: 0o755 },
]);
const app = buildLayer([
  { name: 'etc/.wh.os-release' },
  { name: 'app/', type: '5' },
  { name: 'app/.wh..wh..opq' },
  { name: 'app/main', body: 'main' },
]);
const other = buildLayer([{ name: 'other', body: 'x'.repeat(10000) }], false);

async function pull(img: TestImage, name: string) {
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
  });
}

function image(...layers: Parameters<typeof buildImage>[0]) {
  return buildImage(layers);
}

describe('ImageStore', () => {
  it('pulls an image: blobs in the OCI layout, layers unpacked in overlay format', async () => {
    const img = image(base, app);
    const rec = await pull(img, 'docker.io/library/test:latest');
    expect(rec).toMatchObject({
      name: 'docker.io/library/test:latest',
      manifestDigest: img.manifestDigest,
      configDigest: img.configDigest,
      created: '2024-01-02T03:04:05Z',
      size: 8 + 4 + 4,
      layers: [base.diffId, app.diffId],
    });
    expect(store.listImages()).toEqual([rec]);

    const got = store.getImage('docker.io/library/test:latest');
    expect(got.layerDirs).toEqual(
      [base.diffId, app.diffId].map((d) => join(root, 'layers', d.slice(7), 'diff')),
    );
    const [lower, upper] = got.layerDirs as [string, string];
    expect(readFileSync(join(lower, 'etc/os-release'), 'utf8')).toBe('ID=test\n');
    expect(lgetxattr(join(upper, 'app'), 'trusted.overlay.opaque')?.toString()).toBe('y');
    expect(readFileSync(join(upper, 'app/main'), 'utf8')).toBe('main');
    for (const l of [base, app]) expect(store.hasBlob(l.descriptor.digest)).toBe(true);
    expect(readdirSync(join(root, 'tmp'))).toEqual([]);

    const index = JSON.parse(readFileSync(join(root, 'oci/index.json'), 'utf8'));
    expect(index.manifests[0].annotations['org.opencontainers.image.ref.name']).toBe(
      'docker.io/library/test:latest',
    );
  });

  it('downloads and unpacks a layer shared by two images once', async () => {
    await pull(image(base, app), 'a:1');
    await pull(image(base, other), 'b:1');
    const baseOpens = registry.opens.filter((o) => o.digest === base.descriptor.digest);
    expect(baseOpens).toHaveLength(1);
    expect(readdirSync(join(root, 'layers')).sort()).toEqual(
      [base, app, other].map((l) => l.diffId.slice(7)).sort(),
    );
  });

  it('runs one unpack when the same layer is ensured concurrently', async () => {
    const args = {
      descriptor: base.descriptor,
      diffId: base.diffId,
      openBlob: registry.opener(base),
    };
    const [a, b] = await Promise.all([store.ensureLayer(args), store.ensureLayer(args)]);
    expect(a).toEqual(b);
    expect(registry.opens).toHaveLength(1);
  });

  it('unpacks from the stored blob when only the layer directory is missing', async () => {
    await store.ensureLayer({
      descriptor: base.descriptor,
      diffId: base.diffId,
      openBlob: registry.opener(base),
    });
    await rm(join(root, 'layers', base.diffId.slice(7)), { recursive: true });
    const rec = await store.ensureLayer({
      descriptor: base.descriptor,
      diffId: base.diffId,
      openBlob: registry.opener(base),
    });
    expect(registry.opens).toHaveLength(1);
    expect(existsSync(join(rec.path, 'bin/sh'))).toBe(true);
  });

  it('keeps nothing on a blob digest mismatch', async () => {
    const bad = { ...base, blob: Buffer.from(base.blob) };
    const at = bad.blob.length - 9;
    bad.blob[at] = (bad.blob[at] ?? 0) ^ 0xff;
    await expect(
      store.ensureLayer({
        descriptor: base.descriptor,
        diffId: base.diffId,
        openBlob: registry.opener(bad),
      }),
    ).rejects.toMatchObject({ code: expect.stringMatching(/DIGEST_MISMATCH|BAD_COMPRESSION/) });
    expectEmptyStore();
  });

  it('keeps nothing on a DiffID mismatch and names both digests', async () => {
    const err = await store
      .ensureLayer({
        descriptor: base.descriptor,
        diffId: app.diffId,
        openBlob: registry.opener(base),
      })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ERR_IZA_LAYERS_DIFFID_MISMATCH' });
    expect(String((err as Error).message)).toContain(base.diffId);
    expect(String((err as Error).message)).toContain(app.diffId);
    expectEmptyStore();
  });

  it('resumes a broken download from the partial blob with a Range offset', async () => {
    const big = buildLayer([{ name: 'big', body: Buffer.alloc(300_000, 7) }], false);
    const cut = 100_000;
    const failing = async (offset: number) => {
      registry.opens.push({ digest: big.descriptor.digest, offset });
      return (async function* () {
        yield big.blob.subarray(0, cut);
        throw new Error('connection reset');
      })();
    };
    await expect(
      store.ensureLayer({ descriptor: big.descriptor, diffId: big.diffId, openBlob: failing }),
    ).rejects.toThrow('connection reset');
    expect(readdirSync(join(root, 'layers'))).toEqual([]);

    const rec = await store.ensureLayer({
      descriptor: big.descriptor,
      diffId: big.diffId,
      openBlob: registry.opener(big),
    });
    expect(registry.opens.map((o) => o.offset)).toEqual([0, cut]);
    expect(readFileSync(join(rec.path, 'big')).equals(Buffer.alloc(300_000, 7))).toBe(true);
    expect(readdirSync(join(root, 'tmp'))).toEqual([]);
  });

  it('refuses putImage before its layers are stored', async () => {
    const img = image(base);
    await expect(
      store.putImage({
        name: 'x:1',
        manifestBytes: img.manifestBytes,
        manifestMediaType: 'application/vnd.oci.image.manifest.v1+json',
        configBytes: img.configBytes,
      }),
    ).rejects.toMatchObject({ code: 'ERR_IZA_LAYERS_BAD_IMAGE' });
    expect(store.listImages()).toEqual([]);
  });

  it('moves a name to a new image and finds images by ID prefix', async () => {
    const first = image(base);
    await pull(first, 'n:1');
    const second = image(base, app);
    await pull(second, 'n:1');
    expect(store.listImages().map((r) => [r.name, r.configDigest])).toEqual([
      [undefined, first.configDigest],
      ['n:1', second.configDigest],
    ]);
    expect(store.findImage(second.configDigest.slice(7, 19)).name).toBe('n:1');
    expect(store.findImage(`sha256:${second.configDigest.slice(7, 11)}`).name).toBe('n:1');
    expect(() => store.findImage('nope:1')).toThrow(
      expect.objectContaining({
        code: 'ERR_IZA_LAYERS_IMAGE_NOT_FOUND',
        message: "image 'nope:1' not found",
      }),
    );
  });

  it('reports an ambiguous ID prefix', async () => {
    const seen = new Map<string, number>();
    let pair: [number, number] | undefined;
    for (let i = 0; pair === undefined; i++) {
      const p = buildImage([base], { comment: i }).configDigest.slice(7, 11);
      const j = seen.get(p);
      if (j !== undefined) pair = [j, i];
      seen.set(p, i);
    }
    const [i, j] = pair;
    const one = buildImage([base], { comment: i });
    const two = buildImage([base], { comment: j });
    await pull(one, 'one:1');
    await pull(two, 'two:1');
    expect(() => store.findImage(one.configDigest.slice(7, 11))).toThrow(
      expect.objectContaining({ code: 'ERR_IZA_LAYERS_AMBIGUOUS_ID' }),
    );
  });

  it('removeImage frees only blobs and layers no other image uses', async () => {
    const a = image(base, app);
    const b = image(base, other);
    await pull(a, 'a:1');
    await pull(b, 'b:1');
    const res = await store.removeImage('a:1');
    expect(res.untagged).toEqual(['a:1']);
    expect(res.deleted).toEqual([a.configDigest, app.diffId]);
    expect(store.hasBlob(app.descriptor.digest)).toBe(false);
    expect(store.hasBlob(a.manifestDigest)).toBe(false);
    expect(store.hasBlob(base.descriptor.digest)).toBe(true);
    expect(existsSync(join(root, 'layers', base.diffId.slice(7)))).toBe(true);
    expect(store.getImage('b:1').layerDirs).toHaveLength(2);
  });

  it('removes by ID only with force when the image has several names', async () => {
    const a = image(base);
    await pull(a, 'a:1');
    await pull(a, 'a:2');
    await expect(store.removeImage(a.configDigest.slice(7, 19))).rejects.toMatchObject({
      code: 'ERR_IZA_LAYERS_IMAGE_CONFLICT',
    });
    expect((await store.removeImage('a:2')).deleted).toEqual([]);
    await pull(a, 'a:2');
    const res = await store.removeImage(a.configDigest.slice(7, 19), { force: true });
    expect(res.untagged.sort()).toEqual(['a:1', 'a:2']);
    expect(res.deleted).toEqual([a.configDigest, base.diffId]);
    expectEmptyStore();
  });

  it('prune removes unreferenced content and stale tmp entries', async () => {
    await store.ensureLayer({
      descriptor: other.descriptor,
      diffId: other.diffId,
      openBlob: registry.opener(other),
    });
    await pull(image(base), 'keep:1');
    const res = await store.prune({ gracePeriodMs: 0 });
    expect(res.layers).toEqual([other.diffId]);
    expect(res.blobs).toEqual([other.descriptor.digest]);
    expect(store.getImage('keep:1').layerDirs).toHaveLength(1);
  });

  function expectEmptyStore() {
    expect(readdirSync(join(root, 'layers'))).toEqual([]);
    expect(readdirSync(join(root, 'tmp'))).toEqual([]);
    expect(
      readdirSync(join(root, 'oci/blobs/sha256')).filter((h) =>
        [base, app, other].some((l) => l.descriptor.digest.endsWith(h)),
      ),
    ).toEqual([]);
  }
});
