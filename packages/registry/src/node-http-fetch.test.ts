import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';

import { nodeHttpFetch } from './node-http-fetch.js';

const init = (method = 'GET') => ({
  method,
  headers: { 'X-Probe': 'yes' },
  redirect: 'manual' as const,
  signal: new AbortController().signal,
  streaming: true as const,
});

async function bodyOf(body: AsyncIterable<Uint8Array> | null): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of body ?? []) parts.push(Buffer.from(c));
  return Buffer.concat(parts);
}

describe('nodeHttpFetch (blob downloads)', () => {
  let server: Server;
  let base: string;
  const packed = gzipSync('layer bytes');

  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/moved') {
        res.writeHead(307, { Location: '/elsewhere' }).end('go away');
        return;
      }
      if (req.url === '/echo') {
        res.writeHead(200, { 'X-Seen': String(req.headers['x-probe']) }).end('ok');
        return;
      }
      res.writeHead(200, { 'Content-Encoding': 'gzip', 'Content-Length': packed.length });
      res.end(req.method === 'HEAD' ? undefined : packed);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it('sends the headers it is given and reads response headers by any case', async () => {
    const res = await nodeHttpFetch(`${base}/echo`, init());
    expect(res.status).toBe(200);
    expect(res.headers.get('x-SEEN')).toBe('yes');
    expect(res.headers.get('x-absent')).toBeNull();
    expect((await bodyOf(res.body)).toString()).toBe('ok');
  });

  it('answers a redirect as it is, without following it', async () => {
    const res = await nodeHttpFetch(`${base}/moved`, init());
    expect(res.status).toBe(307);
    expect(res.headers.get('location')).toBe('/elsewhere');
    expect((await bodyOf(res.body)).toString()).toBe('go away');
  });

  it('hands over the bytes as sent, never decompressing them', async () => {
    const res = await nodeHttpFetch(`${base}/blob`, init());
    expect((await bodyOf(res.body)).equals(packed)).toBe(true);
  });

  it('has no body for HEAD', async () => {
    const res = await nodeHttpFetch(`${base}/blob`, init('HEAD'));
    expect(res.status).toBe(200);
    expect(res.body).toBeNull();
  });

  it('rejects when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(
      nodeHttpFetch(`${base}/blob`, { ...init(), signal: controller.signal }),
    ).rejects.toMatchObject({ name: 'AbortError' });
  });
});
