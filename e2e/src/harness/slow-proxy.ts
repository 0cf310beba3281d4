import { createServer, connect, type Socket } from 'node:net';
import { freePort } from './free-port.js';

/** Settings of {@link startSlowProxy}. */
export interface SlowProxyOptions {
  /** Where to forward: `127.0.0.1:PORT`. */
  target: string;
  /** Bytes per second from the registry to the client, summed over connections. */
  bytesPerSecond: number;
}

/** A running throttling TCP proxy. */
export interface SlowProxy {
  host: string;
  /** Bytes sent to clients so far. */
  bytesDown(): number;
  close(): Promise<void>;
}

/**
 * A TCP proxy on a free loopback port that slows registry-to-client traffic down, so a test can
 * kill a pull half-way at a known point instead of racing a fast local registry.
 */
export async function startSlowProxy(opts: SlowProxyOptions): Promise<SlowProxy> {
  const [targetHost = '127.0.0.1', targetPort = '0'] = opts.target.split(':');
  const sockets = new Set<Socket>();
  let sent = 0;
  const started = Date.now();

  const server = createServer((client) => {
    const upstream = connect(Number(targetPort), targetHost);
    sockets.add(client).add(upstream);
    client.pipe(upstream);

    upstream.on('data', (chunk: Buffer) => {
      sent += chunk.length;
      client.write(chunk);
      // Pause until the average rate since start is back under the limit.
      const due = (sent / opts.bytesPerSecond) * 1000 - (Date.now() - started);
      if (due > 0) {
        upstream.pause();
        setTimeout(() => upstream.resume(), due);
      }
    });
    upstream.on('end', () => client.end());
    for (const s of [client, upstream]) {
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
      s.on('close', () => sockets.delete(s));
    }
  });

  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    host: `127.0.0.1:${String(port)}`,
    bytesDown: () => sent,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
