import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Readable } from 'node:stream';

import { afterEach, describe, expect, it } from '@jest/globals';

import { createRegistryClient, type RegistryEvent } from './index.js';
import { blobOf, sha256, startTestRegistry, type TestRegistry } from './test-support/index.js';

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
  });
}

async function collect(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of stream) parts.push(chunk as Buffer);
  return Buffer.concat(parts);
}

const LAYER = 'application/vnd.oci.image.layer.v1.tar+gzip';

describe('fetchBlob', () => {
  it('streams a blob and verifies it', async () => {
    const reg = await start();
    const blob = blobOf(randomBytes(300_000), LAYER);
    reg.putBlob('app', blob.bytes);
    const bytes = await collect(await client().fetchBlob(`${reg.host}/app`, blob.descriptor));
    expect(bytes.equals(blob.bytes)).toBe(true);
  });

  it('follows a 307 to storage on another port without forwarding Authorization', async () => {
    const reg = await start({
      redirectBlobs: true,
      auth: { scheme: 'bearer', users: { ann: 'pw-ann-1' } },
    });
    const blob = blobOf(randomBytes(1000), LAYER);
    reg.putBlob('app', blob.bytes);
    const events: RegistryEvent[] = [];
    const c = createRegistryClient({
      onEvent: (e) => events.push(e),
      credentials: {
        get: async () => ({ username: 'ann', password: 'pw-ann-1' }),
        set: async () => undefined,
        remove: async () => false,
      },
    });

    const bytes = await collect(await c.fetchBlob(`${reg.host}/app`, blob.descriptor));

    expect(bytes.equals(blob.bytes)).toBe(true);
    const toRegistry = reg.requests.find(
      (r) => r.server === 'registry' && r.path.includes('/blobs/'),
    );
    const toStorage = reg.requests.find((r) => r.server === 'storage');
    expect(toRegistry?.headers.authorization).toMatch(/^Bearer /);
    expect(toStorage).toBeDefined();
    expect(toStorage?.headers.authorization).toBeUndefined();
    const redirect = events.find((e) => e.type === 'redirect');
    expect(redirect).toMatchObject({ status: 307, authorizationDropped: true });
    // Signed storage URLs carry credentials in the query: events never show it.
    expect(JSON.stringify(events)).not.toContain('s3cr3t');
  });

  it('streams a chunked blob without Content-Length, and resumes one that sends less than it says', async () => {
    const blob = blobOf(randomBytes(200_000), LAYER);
    let gets = 0;
    const server = createServer((req, res) => {
      if (req.url === '/v2/') return void res.writeHead(200).end('{}');
      gets++;
      const start = Number(/^bytes=(\d+)-$/.exec(req.headers.range ?? '')?.[1] ?? 0);
      if (gets === 2) {
        // Content-Length promises the whole blob; the connection closes after a part of it.
        res.writeHead(200, { 'Content-Length': String(blob.bytes.length) });
        res.write(blob.bytes.subarray(0, 70_000), () => res.socket?.destroy());
        return;
      }
      // No Content-Length: Node sends Transfer-Encoding: chunked, here in uneven pieces.
      res.writeHead(start > 0 ? 206 : 200, {
        ...(start > 0 ? { 'Content-Range': `bytes ${start}-${blob.bytes.length - 1}/*` } : {}),
      });
      for (let at = start; at < blob.bytes.length; at += 33_333) {
        res.write(blob.bytes.subarray(at, Math.min(at + 33_333, blob.bytes.length)));
      }
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const events: RegistryEvent[] = [];
      const c = client(events);
      expect(
        (await collect(await c.fetchBlob(`${host}/app`, blob.descriptor))).equals(blob.bytes),
      ).toBe(true);
      expect(
        (await collect(await c.fetchBlob(`${host}/app`, blob.descriptor))).equals(blob.bytes),
      ).toBe(true);
      expect(events.filter((e) => e.type === 'resume')).toHaveLength(1);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('resumes with Range after the connection drops mid-blob', async () => {
    const reg = await start();
    const blob = blobOf(randomBytes(200_000), LAYER);
    reg.putBlob('app', blob.bytes);
    reg.faults.push({ path: '/blobs/', method: 'GET', times: 1, dropAfterBytes: 70_000 });
    const events: RegistryEvent[] = [];

    const bytes = await collect(await client(events).fetchBlob(`${reg.host}/app`, blob.descriptor));

    expect(bytes.equals(blob.bytes)).toBe(true);
    const gets = reg.requests.filter((r) => r.path.includes('/blobs/'));
    expect(gets).toHaveLength(2);
    expect(gets[1]?.headers.range).toBe('bytes=70000-');
    expect(events.filter((e) => e.type === 'resume')).toHaveLength(1);
  });

  it('resumes against a registry that ignores Range by skipping what it already has', async () => {
    const reg = await start({ range: false });
    const blob = blobOf(randomBytes(150_000), LAYER);
    reg.putBlob('app', blob.bytes);
    reg.faults.push({ path: '/blobs/', method: 'GET', times: 1, dropAfterBytes: 40_000 });
    const bytes = await collect(await client().fetchBlob(`${reg.host}/app`, blob.descriptor));
    expect(bytes.equals(blob.bytes)).toBe(true);
  });

  it('gives up after three resumes without progress', async () => {
    const reg = await start();
    const blob = blobOf(randomBytes(50_000), LAYER);
    reg.putBlob('app', blob.bytes);
    reg.faults.push({ path: '/blobs/', method: 'GET', times: 10, dropAfterBytes: 0 });
    const stream = await client().fetchBlob(`${reg.host}/app`, blob.descriptor);
    await expect(collect(stream)).rejects.toMatchObject({ code: 'ERR_IZA_REGISTRY_UNREACHABLE' });
  });

  it('continues a caller-held partial download from an offset', async () => {
    const reg = await start();
    const blob = blobOf(randomBytes(100_000), LAYER);
    reg.putBlob('app', blob.bytes);
    const held = blob.bytes.subarray(0, 30_000);

    const rest = await collect(
      await client().fetchBlob(`${reg.host}/app`, blob.descriptor, {
        offset: held.length,
        prefix: [held],
      }),
    );

    expect(Buffer.concat([held, rest]).equals(blob.bytes)).toBe(true);
    expect(reg.requests.find((r) => r.path.includes('/blobs/'))?.headers.range).toBe(
      'bytes=30000-',
    );
  });

  it('asks for nothing when the caller already holds the whole blob (no 416)', async () => {
    const reg = await start();
    const blob = blobOf(randomBytes(20_000), LAYER);
    reg.putBlob('app', blob.bytes);
    const c = client();

    const verified = await c.fetchBlob(`${reg.host}/app`, blob.descriptor, {
      offset: blob.bytes.length,
      prefix: [blob.bytes],
    });
    expect((await collect(verified)).length).toBe(0);
    const unverified = await c.fetchBlob(`${reg.host}/app`, blob.descriptor, {
      offset: blob.bytes.length,
      verifyDigest: false,
    });
    expect((await collect(unverified)).length).toBe(0);
    expect(reg.requests.filter((r) => r.path.includes('/blobs/'))).toEqual([]);

    const corrupt = await c.fetchBlob(`${reg.host}/app`, blob.descriptor, {
      offset: blob.bytes.length,
      prefix: [Buffer.alloc(blob.bytes.length)],
    });
    await expect(collect(corrupt)).rejects.toMatchObject({
      code: 'ERR_IZA_REGISTRY_DIGEST_MISMATCH',
    });
  });

  it('detects a corrupt prefix held by the caller', async () => {
    const reg = await start();
    const blob = blobOf(randomBytes(10_000), LAYER);
    reg.putBlob('app', blob.bytes);
    const stream = await client().fetchBlob(`${reg.host}/app`, blob.descriptor, {
      offset: 10,
      prefix: [Buffer.alloc(10)],
    });
    await expect(collect(stream)).rejects.toMatchObject({
      code: 'ERR_IZA_REGISTRY_DIGEST_MISMATCH',
    });
  });

  it('resumes from an offset without the prefix when the caller verifies the digest', async () => {
    const reg = await start();
    const blob = blobOf(randomBytes(100_000), LAYER);
    reg.putBlob('app', blob.bytes);

    const rest = await collect(
      await client().fetchBlob(`${reg.host}/app`, blob.descriptor, {
        offset: 40_000,
        verifyDigest: false,
      }),
    );

    expect(rest.equals(blob.bytes.subarray(40_000))).toBe(true);
  });

  it('still enforces the size when the caller verifies the digest', async () => {
    const reg = await start();
    const blob = blobOf(randomBytes(1_000), LAYER);
    reg.putBlob('app', Buffer.concat([blob.bytes, Buffer.alloc(10)]), blob.descriptor.digest);
    const stream = await client().fetchBlob(`${reg.host}/app`, blob.descriptor, {
      verifyDigest: false,
    });
    await expect(collect(stream)).rejects.toMatchObject({
      code: 'ERR_IZA_REGISTRY_DIGEST_MISMATCH',
    });
  });

  it('refuses an offset without the prefix bytes', async () => {
    const reg = await start();
    const blob = blobOf(randomBytes(100), LAYER);
    await expect(
      client().fetchBlob(`${reg.host}/app`, blob.descriptor, { offset: 10 }),
    ).rejects.toMatchObject({
      code: 'ERR_IZA_REGISTRY_INVALID_ARGUMENT',
    });
  });

  it('errors at the end of the stream, naming both digests, when the content is wrong', async () => {
    const reg = await start();
    const blob = blobOf(Buffer.from('the real layer'), LAYER);
    const evil = Buffer.from('an evil layer!');
    reg.putBlob('app', evil, blob.descriptor.digest);
    const stream = await client().fetchBlob(`${reg.host}/app`, blob.descriptor);
    const err = await collect(stream).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ERR_IZA_REGISTRY_DIGEST_MISMATCH' });
    expect((err as Error).message).toContain(blob.descriptor.digest);
    expect((err as Error).message).toContain(sha256(evil));
  });

  it('stops reading a blob larger than its descriptor (endless-stream attack)', async () => {
    const reg = await start();
    const real = blobOf(Buffer.from('small'), LAYER);
    reg.putBlob('app', randomBytes(2_000_000), real.descriptor.digest);
    const stream = await client().fetchBlob(`${reg.host}/app`, real.descriptor);
    let received = 0;
    stream.on('data', (c: Buffer) => (received += c.length));
    await expect(
      new Promise((resolve, reject) => stream.on('end', resolve).on('error', reject)),
    ).rejects.toMatchObject({
      code: 'ERR_IZA_REGISTRY_DIGEST_MISMATCH',
      message: expect.stringContaining('larger than its descriptor size 5') as unknown as string,
    });
    expect(received).toBeLessThanOrEqual(5);
  });

  it('rejects a descriptor whose digest could escape the URL path', async () => {
    const reg = await start();
    const descriptor = { mediaType: LAYER, digest: 'sha256:../../v2/other/blobs/x', size: 1 };
    await expect(client().fetchBlob(`${reg.host}/app`, descriptor)).rejects.toMatchObject({
      code: 'ERR_IZA_REGISTRY_PROTOCOL',
    });
    expect(reg.requests).toHaveLength(0);
  });

  it('reports a missing blob as not found', async () => {
    const reg = await start();
    const blob = blobOf(Buffer.from('nope'), LAYER);
    await expect(client().fetchBlob(`${reg.host}/app`, blob.descriptor)).rejects.toMatchObject({
      code: 'ERR_IZA_REGISTRY_NOT_FOUND',
      message: expect.stringContaining(blob.descriptor.digest) as unknown as string,
    });
  });

  it('stops when the caller aborts', async () => {
    const reg = await start();
    const blob = blobOf(randomBytes(100_000), LAYER);
    reg.putBlob('app', blob.bytes);
    const controller = new AbortController();
    controller.abort(new Error('user cancelled'));
    await expect(
      client().fetchBlob(`${reg.host}/app`, blob.descriptor, { signal: controller.signal }),
    ).rejects.toThrow('user cancelled');
  });
});
