import { afterEach, describe, expect, it } from '@jest/globals';

import { createRegistryClient, type RegistryEvent } from './index.js';
import {
  buildAttestation,
  buildTestImage,
  buildTestIndex,
  sha256,
  startTestRegistry,
  type TestRegistry,
} from './test-support/index.js';

const amd64 = { os: 'linux', architecture: 'amd64' };
const arm64 = { os: 'linux', architecture: 'arm64', variant: 'v8' };
let registry: TestRegistry | undefined;

afterEach(async () => {
  await registry?.close();
  registry = undefined;
});

async function start(options: Parameters<typeof startTestRegistry>[0] = {}): Promise<TestRegistry> {
  registry = await startTestRegistry(options);
  return registry;
}

function client(events: RegistryEvent[] = []): ReturnType<typeof createRegistryClient> {
  return createRegistryClient({
    onEvent: (e) => events.push(e),
    retry: { baseDelayMs: 1, maxDelayMs: 20 },
    defaultPlatform: amd64,
  });
}

describe('resolve', () => {
  it('resolves a tagged OCI manifest with verified manifest and config', async () => {
    const reg = await start();
    const image = buildTestImage({ layers: [Buffer.from('a'), Buffer.from('bb')] });
    const digest = reg.pushImage('team/app', ['v1'], image);

    const resolved = await client().resolve(`${reg.host}/team/app:v1`);

    expect(resolved.manifestDigest).toBe(digest);
    expect(resolved.indexDigest).toBeUndefined();
    expect(resolved.manifestBytes.equals(image.manifest.bytes)).toBe(true);
    expect(resolved.manifestMediaType).toBe('application/vnd.oci.image.manifest.v1+json');
    expect(resolved.configDigest).toBe(image.config.descriptor.digest);
    expect(resolved.config.rootfs?.diff_ids).toHaveLength(2);
    expect(resolved.layers.map((l) => l.size)).toEqual([1, 2]);
    expect(resolved.platform).toEqual(amd64);
    expect(resolved.reference.toString()).toBe(`${reg.host}/team/app:v1`);
  });

  it('sends the Accept header of SPECS §1.5 with schema2 types first', async () => {
    const reg = await start();
    reg.pushImage('app', ['latest'], buildTestImage());
    await client().resolve(`${reg.host}/app`);
    const get = reg.requests.find((r) => r.path.includes('/manifests/'));
    expect(get?.headers.accept).toMatch(
      /^application\/vnd\.docker\.distribution\.manifest\.v2\+json, /,
    );
    expect(get?.headers.accept).toContain('application/vnd.oci.image.index.v1+json');
  });

  it('resolves a docker schema2 manifest', async () => {
    const reg = await start();
    reg.pushImage('app', ['latest'], buildTestImage({ format: 'docker' }));
    const resolved = await client().resolve(`${reg.host}/app`);
    expect(resolved.manifestMediaType).toBe('application/vnd.docker.distribution.manifest.v2+json');
  });

  it('detects an OCI manifest without mediaType by its shape', async () => {
    const reg = await start();
    const image = buildTestImage({ omitMediaType: true });
    reg.pushImage('app', [], image);
    reg.putManifest('app', ['bare'], image.manifest.bytes, 'application/json');
    const resolved = await client().resolve(`${reg.host}/app:bare`);
    expect(resolved.manifestMediaType).toBe('application/vnd.oci.image.manifest.v1+json');
  });

  it('selects the platform from an index and skips the attestation entry', async () => {
    const reg = await start();
    const a = buildTestImage({ platform: amd64, layers: [Buffer.from('amd')] });
    const b = buildTestImage({ platform: arm64, layers: [Buffer.from('arm')] });
    reg.pushImage('multi', [], a);
    reg.pushImage('multi', [], b);
    const att = buildAttestation(b.manifest.descriptor.digest);
    reg.putManifest('multi', [], att.manifest.bytes, att.manifest.descriptor.mediaType);
    const index = buildTestIndex([
      att.entry,
      { manifest: a.manifest.descriptor, platform: amd64 },
      { manifest: b.manifest.descriptor, platform: arm64 },
    ]);
    const indexDigest = reg.putManifest(
      'multi',
      ['latest'],
      index.bytes,
      index.descriptor.mediaType,
    );

    const onArm = await client().resolve(`${reg.host}/multi`, {
      platform: { os: 'linux', architecture: 'aarch64' },
    });
    expect(onArm.indexDigest).toBe(indexDigest);
    expect(onArm.indexBytes?.equals(index.bytes)).toBe(true);
    expect(onArm.manifestDigest).toBe(b.manifest.descriptor.digest);
    expect(onArm.platform).toEqual({ os: 'linux', architecture: 'arm64' });

    const onAmd = await client().resolve(`${reg.host}/multi`);
    expect(onAmd.manifestDigest).toBe(a.manifest.descriptor.digest);
    expect(reg.requests.some((r) => r.path.includes(att.manifest.descriptor.digest))).toBe(false);
  });

  it('lists the available platforms when none matches', async () => {
    const reg = await start();
    const a = buildTestImage({ platform: amd64 });
    reg.pushImage('multi', [], a);
    const att = buildAttestation(a.manifest.descriptor.digest);
    const index = buildTestIndex(
      [{ manifest: a.manifest.descriptor, platform: amd64 }, att.entry],
      'docker',
    );
    reg.putManifest('multi', ['latest'], index.bytes, index.descriptor.mediaType);

    await expect(
      client().resolve(`${reg.host}/multi`, { platform: { os: 'linux', architecture: 's390x' } }),
    ).rejects.toMatchObject({
      code: 'ERR_IZA_REGISTRY_NO_MATCHING_PLATFORM',
      message: expect.stringContaining('available: linux/amd64') as unknown as string,
    });
  });

  it('searches a nested index reached through an entry without a platform', async () => {
    const reg = await start();
    const a = buildTestImage({ platform: amd64, layers: [Buffer.from('amd')] });
    const b = buildTestImage({ platform: arm64, layers: [Buffer.from('arm')] });
    reg.pushImage('nested', [], a);
    reg.pushImage('nested', [], b);
    const inner = buildTestIndex([
      { manifest: b.manifest.descriptor, platform: arm64 },
      { manifest: a.manifest.descriptor, platform: amd64 },
    ]);
    reg.putManifest('nested', [], inner.bytes, inner.descriptor.mediaType);
    // An index of indexes, as an OCI layout's index.json or `oras` writes: no platform outside.
    const outer = buildTestIndex([{ manifest: inner.descriptor }]);
    const outerDigest = reg.putManifest('nested', ['v1'], outer.bytes, outer.descriptor.mediaType);

    const resolved = await client().resolve(`${reg.host}/nested:v1`);
    expect(resolved.indexDigest).toBe(outerDigest);
    expect(resolved.manifestDigest).toBe(a.manifest.descriptor.digest);
    expect(resolved.platform).toEqual(amd64);
  });

  it('takes an index entry without a platform when its config matches, and only then', async () => {
    const reg = await start();
    const a = buildTestImage({ platform: amd64 });
    reg.pushImage('bare', [], a);
    const index = buildTestIndex([{ manifest: a.manifest.descriptor }], 'docker');
    reg.putManifest('bare', ['latest'], index.bytes, index.descriptor.mediaType);

    const resolved = await client().resolve(`${reg.host}/bare`);
    expect(resolved.manifestDigest).toBe(a.manifest.descriptor.digest);
    expect(resolved.platform).toEqual(amd64);

    // Never an image for another platform, even when no platform was asked for.
    const onArm = createRegistryClient({ retry: { baseDelayMs: 1 }, defaultPlatform: arm64 });
    await expect(onArm.resolve(`${reg.host}/bare`)).rejects.toMatchObject({
      code: 'ERR_IZA_REGISTRY_NO_MATCHING_PLATFORM',
    });
  });

  it.each([
    ['text/plain'],
    [''],
    ['application/octet-stream'],
    ['application/vnd.oci.image.manifest.v1+json; charset=utf-8'],
  ])('types a manifest served as %j by its body', async (contentType) => {
    const reg = await start();
    const image = buildTestImage({ omitMediaType: true });
    reg.pushImage('app', [], image);
    reg.putManifest('app', ['odd'], image.manifest.bytes, contentType);
    const resolved = await client().resolve(`${reg.host}/app:odd`);
    expect(resolved.manifestMediaType).toBe('application/vnd.oci.image.manifest.v1+json');
  });

  it('follows a 307 on a manifest to another port, without Authorization there', async () => {
    const reg = await start({ auth: { scheme: 'bearer' } });
    const image = buildTestImage();
    const digest = reg.pushImage('team/app', [], image);
    // Storage serves blobs by digest: hand it the manifest bytes as one.
    reg.putBlob('team/app', image.manifest.bytes);
    const location = `${reg.storageUrl}/storage/${digest}?X-Signature=abc`;
    reg.faults.push({
      path: '/manifests/v1',
      times: 1,
      status: 307,
      headers: { Location: location },
    });
    reg.putManifest('team/app', ['v1'], image.manifest.bytes, image.manifest.descriptor.mediaType);

    const resolved = await client().resolve(`${reg.host}/team/app:v1`);
    expect(resolved.manifestDigest).toBe(digest);
    const atStorage = reg.requests.filter((r) => r.server === 'storage');
    expect(atStorage.map((r) => r.path)).toEqual([`/storage/${digest}?X-Signature=abc`]);
    expect(atStorage[0]?.headers.authorization).toBeUndefined();
  });

  it('pulls a path-style name from a registry on a non-default port', async () => {
    const reg = await start({ auth: { scheme: 'bearer' } });
    const digest = reg.pushImage('a/b/c', ['v2'], buildTestImage());
    const resolved = await client().resolve(`${reg.host}/a/b/c:v2`);
    expect(resolved.manifestDigest).toBe(digest);
    expect(reg.authority.tokenRequests[0]?.scopes).toEqual(['repository:a/b/c:pull']);
  });

  it('refuses a schema1 manifest with a clear error', async () => {
    const reg = await start();
    const schema1 = Buffer.from(
      JSON.stringify({
        schemaVersion: 1,
        name: 'app',
        tag: 'old',
        fsLayers: [],
        history: [],
        signatures: [],
      }),
    );
    reg.putManifest(
      'app',
      ['old'],
      schema1,
      'application/vnd.docker.distribution.manifest.v1+prettyjws',
    );
    const err = await client()
      .resolve(`${reg.host}/app:old`)
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ERR_IZA_REGISTRY_UNSUPPORTED_MANIFEST' });
    expect((err as Error).message).toContain('schema 1');
  });

  it('verifies the manifest against Docker-Content-Digest', async () => {
    const reg = await start();
    const image = buildTestImage();
    reg.pushImage('app', ['latest'], image);
    reg.faults.push({
      path: '/manifests/latest',
      times: 1,
      status: 200,
      headers: { 'Docker-Content-Digest': sha256('other') },
      body: image.manifest.bytes.toString(),
    });
    await expect(client().resolve(`${reg.host}/app`)).rejects.toMatchObject({
      code: 'ERR_IZA_REGISTRY_DIGEST_MISMATCH',
    });
  });

  it('verifies the manifest bytes when pulling by digest, even without the header', async () => {
    const reg = await start({ omitDigestHeader: true });
    const image = buildTestImage();
    const digest = reg.pushImage('app', ['latest'], image);
    const other = buildTestImage({ layers: [Buffer.from('tampered')] });
    reg.pushImage('app', [], other);
    reg.putManifest('app', [digest], other.manifest.bytes, other.manifest.descriptor.mediaType);

    await expect(client().resolve(`${reg.host}/app@${digest}`)).rejects.toMatchObject({
      code: 'ERR_IZA_REGISTRY_DIGEST_MISMATCH',
    });
  });

  it('verifies the config blob', async () => {
    const reg = await start();
    const image = buildTestImage();
    reg.pushImage('app', ['latest'], image);
    reg.putBlob('app', Buffer.from('{"architecture":"evil"}'), image.config.descriptor.digest);
    await expect(client().resolve(`${reg.host}/app`)).rejects.toMatchObject({
      code: 'ERR_IZA_REGISTRY_DIGEST_MISMATCH',
    });
  });

  it('says which repository or tag does not exist', async () => {
    const reg = await start();
    reg.pushImage('app', ['latest'], buildTestImage());
    await expect(client().resolve(`${reg.host}/app:nope`)).rejects.toMatchObject({
      code: 'ERR_IZA_REGISTRY_NOT_FOUND',
      message: `repository app not found or tag nope does not exist on ${reg.host}`,
    });
    await expect(client().resolve(`${reg.host}/ghost`)).rejects.toMatchObject({
      code: 'ERR_IZA_REGISTRY_NOT_FOUND',
    });
  });

  it('reports a single-platform image for another platform, and refuses it when asked explicitly', async () => {
    const reg = await start();
    reg.pushImage('app', ['latest'], buildTestImage({ platform: arm64 }));
    const events: RegistryEvent[] = [];
    const resolved = await client(events).resolve(`${reg.host}/app`);
    expect(resolved.platform.architecture).toBe('arm64');
    expect(events).toContainEqual(
      expect.objectContaining({
        type: 'platform-mismatch',
        wanted: 'linux/amd64',
        actual: 'linux/arm64',
      }),
    );
    await expect(client().resolve(`${reg.host}/app`, { platform: amd64 })).rejects.toMatchObject({
      code: 'ERR_IZA_REGISTRY_NO_MATCHING_PLATFORM',
    });
  });

  it('rejects a manifest larger than 4 MiB without buffering it all', async () => {
    const reg = await start();
    reg.putManifest(
      'app',
      ['huge'],
      Buffer.alloc(5 * 1024 * 1024, 0x20),
      'application/vnd.oci.image.manifest.v1+json',
    );
    await expect(client().resolve(`${reg.host}/app:huge`)).rejects.toMatchObject({
      code: 'ERR_IZA_REGISTRY_PROTOCOL',
    });
  });

  it('rejects a manifest whose layer digest could escape a path (hostile manifest)', async () => {
    const reg = await start();
    const image = buildTestImage();
    const body = JSON.parse(image.manifest.bytes.toString()) as { layers: { digest: string }[] };
    body.layers = [{ ...body.layers[0], digest: 'sha256:../../../../etc/passwd' }];
    reg.pushImage('app', [], image);
    reg.putManifest(
      'app',
      ['evil'],
      Buffer.from(JSON.stringify(body)),
      image.manifest.descriptor.mediaType,
    );
    await expect(client().resolve(`${reg.host}/app:evil`)).rejects.toMatchObject({
      code: 'ERR_IZA_REGISTRY_PROTOCOL',
    });
  });
});

describe('headManifest', () => {
  it('returns digest, media type and size without a GET, and undefined when absent', async () => {
    const reg = await start({ rateLimit: { limit: 100, remaining: 100 } });
    const image = buildTestImage();
    const digest = reg.pushImage('app', ['latest'], image);
    const events: RegistryEvent[] = [];
    const c = client(events);

    await expect(c.headManifest(`${reg.host}/app`)).resolves.toEqual({
      digest,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      size: image.manifest.bytes.length,
    });
    await expect(c.headManifest(`${reg.host}/app:missing`)).resolves.toBeUndefined();
    expect(
      reg.requests.filter((r) => r.path.includes('/manifests/')).every((r) => r.method === 'HEAD'),
    ).toBe(true);
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'rate-limit', remaining: '100;w=21600' }),
    );
  });

  it('falls back to a GET when the registry sends no Docker-Content-Digest', async () => {
    const reg = await start({ omitDigestHeader: true });
    const image = buildTestImage();
    const digest = reg.pushImage('app', ['latest'], image);
    await expect(client().headManifest(`${reg.host}/app`)).resolves.toMatchObject({ digest });
  });
});
