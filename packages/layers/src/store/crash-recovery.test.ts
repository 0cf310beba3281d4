import { spawn } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';

import { openImageStore } from '../index.js';
import { FakeRegistry, buildImage, buildLayer } from '../test-support/image-builder.js';

// The child must run real JS: it imports the built package (nx runs `build` before `test`).
const dist = resolve(import.meta.dirname, '../../dist/index.js');

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'iza-crash-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const big = buildLayer([{ name: 'big', body: Buffer.alloc(2_000_000, 1) }]);
const small = buildLayer([{ name: 'hello', body: 'world' }]);

/**
 * A child that starts pulling `big`, sends half the blob, waits until the store has that half in
 * its partial file (written on the thread pool), then hangs until it is killed.
 */
function startChild(blobFile: string): Promise<{ pid: number; exited: Promise<void> }> {
  const partial = join(root, 'tmp', `blob~${big.descriptor.digest.slice(7)}.partial`);
  const script = `
    import { readFileSync, statSync } from 'node:fs';
    const { openImageStore } = await import(${JSON.stringify(pathToFileURL(dist).href)});
    const store = await openImageStore({ root: ${JSON.stringify(root)} });
    const blob = readFileSync(${JSON.stringify(blobFile)});
    await store.ensureLayer({
      descriptor: ${JSON.stringify(big.descriptor)},
      diffId: ${JSON.stringify(big.diffId)},
      openBlob: async () => (async function* () {
        const half = blob.length >> 1;
        yield blob.subarray(0, half);
        const partial = ${JSON.stringify(partial)};
        // Bounded, so a store that never writes it fails the offset check instead of hanging.
        for (let i = 0; i < 400; i++) {
          if ((statSync(partial, { throwIfNoEntry: false })?.size ?? 0) >= half) break;
          await new Promise((r) => setTimeout(r, 5));
        }
        process.stdout.write('HALF\\n');
        await new Promise(() => {});
      })(),
    });
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return new Promise((ok, fail) => {
    child.stdout.on('data', (d: Buffer) => {
      if (d.toString().includes('HALF')) ok({ pid: child.pid as number, exited });
    });
    child.once('exit', (code) => fail(new Error(`child exited early with ${code}`)));
  });
}

describe('crash recovery', () => {
  it('a SIGKILLed pull leaves the store consistent and the next ensureLayer completes', async () => {
    if (!existsSync(dist)) throw new Error(`build the package first: ${dist} is missing`);
    const registry = new FakeRegistry();
    const store = await openImageStore({ root });
    await store.ensureLayer({
      descriptor: small.descriptor,
      diffId: small.diffId,
      openBlob: registry.opener(small),
    });
    const img = buildImage([small]);
    await store.putImage({
      name: 'done:1',
      manifestBytes: img.manifestBytes,
      manifestMediaType: 'application/vnd.oci.image.manifest.v1+json',
      configBytes: img.configBytes,
    });

    const blobFile = join(root, 'blob-for-child');
    writeFileSync(blobFile, big.blob);
    const child = await startChild(blobFile);
    expect(readdirSync(join(root, 'tmp')).some((n) => n.startsWith('layer~'))).toBe(true);
    process.kill(child.pid, 'SIGKILL');
    await child.exited;

    const after = await openImageStore({ root });
    expect(after.listImages().map((r) => r.name)).toEqual(['done:1']);
    // The staging layer of the dead process is gone; its partial download stays for resuming.
    expect(readdirSync(join(root, 'tmp'))).toEqual([
      `blob~${big.descriptor.digest.slice(7)}.partial`,
    ]);
    expect(readdirSync(join(root, 'layers'))).toEqual([small.diffId.slice(7)]);

    const rec = await after.ensureLayer({
      descriptor: big.descriptor,
      diffId: big.diffId,
      openBlob: registry.opener(big),
    });
    expect(existsSync(join(rec.path, 'big'))).toBe(true);
    expect(registry.opens.at(-1)?.offset).toBeGreaterThan(0);
    expect(readdirSync(join(root, 'tmp'))).toEqual([]);
  });
});
