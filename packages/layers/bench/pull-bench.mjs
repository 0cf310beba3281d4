// Measures ensureLayer on a large local blob: wall time, MB/s of tar, and peak RSS.
// usage: node bench/pull-bench.mjs BLOB MEDIA_TYPE DIFFID [decompress-only]
// Build first (pnpm build). Make a blob with bench/make-layer.sh.
import { createReadStream, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createHash } from 'node:crypto';

import { decompressStream, openImageStore } from '../dist/index.js';

const [blob, mediaType, diffId, mode] = process.argv.slice(2);
const size = statSync(blob).size;
let peak = 0;
const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 50);
const t0 = performance.now();
let tarBytes = 0;

if (mode === 'decompress-only') {
  const hash = createHash('sha256');
  await pipeline(createReadStream(blob), decompressStream(mediaType), async (src) => {
    for await (const c of src) {
      tarBytes += c.length;
      hash.update(c);
    }
  });
  if (`sha256:${hash.digest('hex')}` !== diffId) throw new Error('diffid mismatch');
} else {
  const root = await mkdtemp(join(tmpdir(), 'iza-bench-'));
  try {
    const store = await openImageStore({ root });
    const digest = `sha256:${await sha(blob)}`;
    const rec = await store.ensureLayer({
      descriptor: { mediaType, digest, size },
      diffId,
      openBlob: async (offset) => createReadStream(blob, { start: offset }),
    });
    tarBytes = rec.size;
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

clearInterval(timer);
const s = (performance.now() - t0) / 1000;
const maxRss = process.resourceUsage().maxRSS / 1024;
console.log(
  JSON.stringify({
    mode: mode ?? 'ensureLayer',
    mediaType,
    seconds: +s.toFixed(1),
    blobMB: +(size / 1e6).toFixed(0),
    contentMBps: +(tarBytes / 1e6 / s).toFixed(0),
    peakRssMB: +Math.max(peak / 1048576, maxRss).toFixed(0),
  }),
);

async function sha(path) {
  const h = createHash('sha256');
  for await (const c of createReadStream(path)) h.update(c);
  return h.digest('hex');
}
