import { createServer, type Socket } from 'node:net';

import { afterEach, describe, expect, it } from '@jest/globals';

import { createRegistryClient, type RegistryEvent } from './index.js';
import { buildTestImage, startTestRegistry, type TestRegistry } from './test-support/index.js';

const started: TestRegistry[] = [];

afterEach(async () => {
  await Promise.all(started.splice(0).map((r) => r.close()));
});

async function start(options: Parameters<typeof startTestRegistry>[0] = {}): Promise<TestRegistry> {
  const reg = await startTestRegistry(options);
  started.push(reg);
  reg.pushImage('app', ['latest'], buildTestImage());
  return reg;
}

function client(
  events: RegistryEvent[],
  extra: Parameters<typeof createRegistryClient>[0] = {},
): ReturnType<typeof createRegistryClient> {
  return createRegistryClient({
    onEvent: (e) => events.push(e),
    retry: { baseDelayMs: 1, maxDelayMs: 20 },
    ...extra,
  });
}

/** A loopback port nobody listens on (bound, noted, closed). */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('retries', () => {
  it('waits out a 429 with Retry-After and then succeeds', async () => {
    const reg = await start();
    reg.faults.push({
      path: '/manifests/',
      times: 1,
      status: 429,
      headers: { 'Retry-After': '1' },
    });
    const events: RegistryEvent[] = [];
    await client(events).resolve(`${reg.host}/app`);
    expect(events).toContainEqual(
      expect.objectContaining({
        type: 'retry',
        reason: 'http 429',
        retryAfterMs: 1000,
        delayMs: 20,
      }),
    );
  });

  it('reads a Retry-After given as an HTTP date', async () => {
    const reg = await start();
    const date = new Date(Date.now() + 60_000).toUTCString();
    reg.faults.push({
      path: '/manifests/',
      times: 1,
      status: 429,
      headers: { 'Retry-After': date },
    });
    const events: RegistryEvent[] = [];
    await client(events).resolve(`${reg.host}/app`);
    const retry = events.find((e) => e.type === 'retry');
    expect(retry).toMatchObject({ reason: 'http 429', delayMs: 20 });
    // Whole seconds in the header, and the clock moved on a little since.
    expect((retry as { retryAfterMs?: number }).retryAfterMs).toBeGreaterThan(50_000);
  });

  it('retries 500s and then succeeds', async () => {
    const reg = await start();
    reg.faults.push({ path: '/blobs/', times: 2, status: 500 });
    const events: RegistryEvent[] = [];
    await client(events).resolve(`${reg.host}/app`);
    expect(events.filter((e) => e.type === 'retry')).toHaveLength(2);
  });

  it('gives up on a lasting 429 with the Retry-After and rate-limit figures', async () => {
    const reg = await start();
    reg.faults.push({
      path: '/manifests/',
      times: 99,
      status: 429,
      headers: {
        'Retry-After': '3600',
        'ratelimit-limit': '100;w=21600',
        'ratelimit-remaining': '0;w=21600',
      },
      body: JSON.stringify({
        errors: [{ code: 'TOOMANYREQUESTS', message: 'You have reached your pull rate limit.' }],
      }),
    });
    const err = await client([], { retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 5 } })
      .resolve(`${reg.host}/app`)
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ERR_IZA_REGISTRY_RATE_LIMITED' });
    expect((err as Error).message).toBe(
      `${reg.host} rate limit reached (retry after 3600 s, limit 100;w=21600, remaining 0;w=21600): You have reached your pull rate limit.`,
    );
  });

  it('does not retry a 404', async () => {
    const reg = await start();
    const events: RegistryEvent[] = [];
    await expect(client(events).resolve(`${reg.host}/app:nope`)).rejects.toMatchObject({
      code: 'ERR_IZA_REGISTRY_NOT_FOUND',
    });
    expect(events.filter((e) => e.type === 'retry')).toHaveLength(0);
  });

  it('retries a dropped connection (socket hang up)', async () => {
    const reg = await start();
    reg.faults.push({ path: '/blobs/', method: 'GET', times: 1, dropAfterBytes: 0 });
    const events: RegistryEvent[] = [];
    await client(events).resolve(`${reg.host}/app`);
    expect(events).toContainEqual(expect.objectContaining({ type: 'retry', attempt: 1 }));
  });
});

describe('unreachable registries', () => {
  it('names host:port when the connection is refused', async () => {
    const port = await deadPort();
    await expect(client([]).resolve(`127.0.0.1:${port}/app`)).rejects.toMatchObject({
      code: 'ERR_IZA_REGISTRY_UNREACHABLE',
      message: `cannot reach 127.0.0.1:${port}: ECONNREFUSED`,
    });
  });

  it('times out a registry that never answers', async () => {
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => void sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as { port: number };
    try {
      const c = client([], {
        timeoutMs: 100,
        retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 5 },
      });
      await expect(c.resolve(`127.0.0.1:${port}/app`)).rejects.toMatchObject({
        code: 'ERR_IZA_REGISTRY_UNREACHABLE',
        message: expect.stringContaining('timed out') as unknown as string,
      });
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  }, 10_000);
});

describe('rate-limit headers', () => {
  it('reports ratelimit-limit and ratelimit-remaining as events', async () => {
    const reg = await start({ rateLimit: { limit: 100, remaining: 42 } });
    const events: RegistryEvent[] = [];
    await client(events).resolve(`${reg.host}/app`);
    expect(events).toContainEqual({
      type: 'rate-limit',
      registry: reg.host,
      limit: '100;w=21600',
      remaining: '41;w=21600',
      source: '127.0.0.1',
    });
  });
});

describe('mirrors', () => {
  it('pulls from a mirror first', async () => {
    const upstream = await start();
    const mirror = await start();
    await client([], { mirrors: { [upstream.host]: [mirror.url] } }).resolve(
      `${upstream.host}/app`,
    );
    expect(mirror.requests.some((r) => r.path.includes('/manifests/'))).toBe(true);
    expect(upstream.requests).toHaveLength(0);
  });

  it('falls through to the registry when the mirror fails, with an event', async () => {
    const upstream = await start();
    const port = await deadPort();
    const events: RegistryEvent[] = [];
    const resolved = await client(events, {
      mirrors: { [upstream.host]: [`http://127.0.0.1:${port}`] },
    }).resolve(`${upstream.host}/app`);
    expect(resolved.manifestDigest).toMatch(/^sha256:/);
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'mirror-fallback', mirror: `http://127.0.0.1:${port}` }),
    );
  });

  it('falls through when the mirror lacks the image', async () => {
    const upstream = await start();
    const mirror = await startTestRegistry();
    started.push(mirror);
    const events: RegistryEvent[] = [];
    await client(events, { mirrors: { [upstream.host]: [mirror.url] } }).resolve(
      `${upstream.host}/app`,
    );
    expect(events).toContainEqual(
      expect.objectContaining({
        type: 'mirror-fallback',
        reason: expect.stringContaining('not found') as unknown as string,
      }),
    );
  });

  it('talks to registry-1.docker.io for docker.io, after the mirror', async () => {
    const mirror = await startTestRegistry();
    started.push(mirror);
    mirror.pushImage('library/alpine', ['latest'], buildTestImage());
    const seen: string[] = [];
    const resolved = await createRegistryClient({
      mirrors: { 'docker.io': [mirror.url] },
      fetch: async (url, init) => {
        seen.push(url);
        const { default: fetch } = await import('minipass-fetch');
        return fetch(url, init);
      },
    }).resolve('alpine');
    expect(resolved.reference.toString()).toBe('docker.io/library/alpine:latest');
    expect(seen.every((u) => u.startsWith(mirror.url))).toBe(true);

    const hub: string[] = [];
    const offline = createRegistryClient({
      retry: { attempts: 1 },
      fetch: async (url) => {
        hub.push(url);
        throw Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' });
      },
    });
    await expect(offline.resolve('alpine')).rejects.toMatchObject({
      code: 'ERR_IZA_REGISTRY_UNREACHABLE',
    });
    expect(hub[0]).toBe('https://registry-1.docker.io/v2/');
  });
});
