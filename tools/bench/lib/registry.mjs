// A throw-away docker-registry (CNCF distribution) on 127.0.0.1 whose access log lets a
// benchmark count the blob downloads each tool made.
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

/** A port the kernel just handed out on 127.0.0.1, free when this resolves. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

async function waitReady(url, child, logPath) {
  const deadline = Date.now() + 15_000;

  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    try {
      const res = await fetch(url);
      if (res.status === 200) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(
    `docker-registry did not come up:\n${readFileSync(logPath, 'utf8').slice(-2000)}`,
  );
}

/**
 * Starts `docker-registry` with its storage and config under `dir` (which the caller owns and
 * removes). Resolves `{ host, pid, logSize(), blobGets(from), blobGetDigests(from), stop() }`:
 * `blobGets(from)` counts the `GET …/blobs/…` requests logged after byte `from` of the access log.
 */
export async function startRegistry(dir) {
  const port = await freePort();
  const configPath = join(dir, 'config.yml');
  const logPath = join(dir, 'registry.log');
  writeFileSync(
    configPath,
    [
      'version: 0.1',
      'log:',
      '  level: warn',
      '  accesslog:',
      '    disabled: false',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${join(dir, 'data')}`,
      'http:',
      `  addr: 127.0.0.1:${port}`,
      '',
    ].join('\n'),
  );

  const logFd = openSync(logPath, 'a');
  const child = spawn('docker-registry', ['serve', configPath], {
    stdio: ['ignore', logFd, logFd],
  });
  closeSync(logFd);
  await waitReady(`http://127.0.0.1:${port}/v2/`, child, logPath);

  return {
    host: `127.0.0.1:${port}`,
    pid: child.pid,
    logSize: () => statSync(logPath).size,
    blobGets(from = 0) {
      return this.blobGetDigests(from).length;
    },
    /** The digests of the blobs fetched after byte `from` of the access log, in order. */
    blobGetDigests(from = 0) {
      const text = readFileSync(logPath).subarray(from).toString('utf8');
      const re = /"GET \/v2\/\S+\/blobs\/(sha256:[0-9a-f]{64})/;
      return text
        .split('\n')
        .map((l) => re.exec(l)?.[1])
        .filter(Boolean);
    },
    stop() {
      return new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.on('exit', () => resolve());
        process.kill(child.pid, 'SIGTERM');
      });
    },
  };
}
