import { describe, expect, it } from '@jest/globals';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

import { defaultFetch } from './fetch-types.js';

// A blob must arrive no faster than it is unpacked: whatever the fetch reads ahead of its
// reader sits in memory. The server counts what it could write before the socket pushed back.
describe('defaultFetch for blob downloads', () => {
  it('reads the socket only as fast as the body is consumed', async () => {
    const total = 256 * 2 ** 20;
    const chunk = Buffer.alloc(2 ** 20);
    let written = 0;
    let pushedBack = -1;
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'Content-Length': String(total) });
      const pump = (): void => {
        while (written < total) {
          written += chunk.length;
          if (!res.write(chunk)) {
            if (pushedBack < 0) pushedBack = written;
            res.once('drain', pump);
            return;
          }
        }
        res.end();
      };
      pump();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    const controller = new AbortController();

    try {
      const res = await defaultFetch(`http://127.0.0.1:${port}/v2/app/blobs/sha256:x`, {
        method: 'GET',
        headers: {},
        redirect: 'manual',
        signal: controller.signal,
        streaming: true,
      });
      const iterator = res.body?.[Symbol.asyncIterator]();
      await iterator?.next();
      // The reader stops here; give a fetch that ignores backpressure time to read it all.
      await new Promise((r) => setTimeout(r, 500));

      expect(pushedBack).toBeGreaterThan(0);
      expect(written).toBeLessThan(32 * 2 ** 20);
    } finally {
      controller.abort();
      server.closeAllConnections();
      server.close();
    }
  });
});
