// The ~400 MB pull benchmark image, written as an OCI image layout blob by blob: six gzip layers
// mixing incompressible random data with compressible text, in large and in many small files.
import { spawn } from 'node:child_process';
import { createHash, randomFillSync } from 'node:crypto';
import { createWriteStream, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';

const MB = 1 << 20;

/** Each layer: files of random bytes and files of text, as [count, bytes each]. */
const LAYERS = [
  { name: 'blob-a', random: [3, 40 * MB] },
  { name: 'docs', text: [5000, 12 * 1024] },
  { name: 'blob-b', random: [1, 80 * MB] },
  { name: 'logs', text: [400, 100 * 1024] },
  { name: 'assets', random: [600, 100 * 1024] },
  { name: 'mixed', random: [200, 100 * 1024], text: [2000, 10 * 1024] },
];

const WORDS = (
  'container image layer registry manifest digest runtime namespace cgroup mount overlay ' +
  'kernel process signal memory limit network loopback tarball gzip config history tag ' +
  'the of and to in is for on with that as by this from at be are or it an not'
).split(' ');

/** Deterministic English-like text: compresses about 4x with gzip, like logs and docs. */
function textBytes(size, seed) {
  let x = seed >>> 0 || 1;
  const parts = [];
  let len = 0;

  while (len < size) {
    // xorshift32: cheap and reproducible; the text only needs to look like prose to gzip.
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    const word = WORDS[(x >>> 0) % WORDS.length];
    const sep = (x & 15) === 0 ? '.\n' : ' ';
    parts.push(word, sep);
    len += word.length + sep.length;
  }
  return Buffer.from(parts.join('')).subarray(0, size);
}

function writeLayerFiles(dir, layer, index) {
  const sub = join(dir, 'data', layer.name);
  mkdirSync(sub, { recursive: true });

  if (layer.random) {
    const [count, size] = layer.random;
    for (let i = 0; i < count; i++) {
      writeFileSync(join(sub, `random-${i}.bin`), randomFillSync(Buffer.allocUnsafe(size)));
    }
  }
  if (layer.text) {
    const [count, size] = layer.text;
    for (let i = 0; i < count; i++) {
      const group = join(sub, `t${Math.floor(i / 500)}`);
      if (i % 500 === 0) mkdirSync(group, { recursive: true });
      writeFileSync(join(group, `doc-${i}.txt`), textBytes(size, index * 100_000 + i + 1));
    }
  }
}

/** Tars `dir` reproducibly, gzips it into `blobs/sha256/`, resolves the descriptor and diffID. */
async function tarLayer(dir, blobsDir) {
  const tar = spawn(
    'tar',
    [
      ...['--sort=name', '--numeric-owner', '--owner=0', '--group=0', '--mtime=@0'],
      ...['--format=pax', '--pax-option=delete=atime,delete=ctime'],
      ...['-C', dir, '-cf', '-', '.'],
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const diff = createHash('sha256');
  const digest = createHash('sha256');
  const tmp = join(blobsDir, `.partial-${process.pid}`);
  let size = 0;

  const exited = new Promise((resolve, reject) => {
    tar.on('error', reject);
    tar.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`tar exit ${code}`))));
  });
  await pipeline(
    tar.stdout,
    async function* (src) {
      for await (const c of src) {
        diff.update(c);
        yield c;
      }
    },
    createGzip({ level: 6 }),
    async function* (src) {
      for await (const c of src) {
        digest.update(c);
        size += c.length;
        yield c;
      }
    },
    createWriteStream(tmp),
  );
  await exited;

  const hex = digest.digest('hex');
  renameSync(tmp, join(blobsDir, hex));
  return {
    descriptor: {
      mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
      digest: `sha256:${hex}`,
      size,
    },
    diffId: `sha256:${diff.digest('hex')}`,
  };
}

function writeBlob(blobsDir, obj) {
  const bytes = Buffer.from(JSON.stringify(obj));
  const hex = createHash('sha256').update(bytes).digest('hex');
  writeFileSync(join(blobsDir, hex), bytes);
  return { digest: `sha256:${hex}`, size: bytes.length };
}

/** The GOARCH name of this machine, as image configs spell it. */
export function goArch() {
  return { x64: 'amd64', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x' }[
    process.arch
  ];
}

/**
 * Writes the big image into `layoutDir` (created) under `tag`, using `scratch` (created and
 * removed) for the layer contents. Random data differs per build, so a cached layout is reused
 * rather than rebuilt.
 */
export async function writeBigImage(layoutDir, scratch, tag) {
  const blobsDir = join(layoutDir, 'blobs', 'sha256');
  mkdirSync(blobsDir, { recursive: true });
  const layers = [];

  for (const [i, layer] of LAYERS.entries()) {
    const dir = join(scratch, `layer-${i}`);
    writeLayerFiles(dir, layer, i);
    try {
      layers.push(await tarLayer(dir, blobsDir));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  const config = writeBlob(blobsDir, {
    architecture: goArch(),
    os: 'linux',
    config: { Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'] },
    rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
    history: LAYERS.map((l) => ({ created_by: `iza bench: ${l.name}` })),
  });
  const manifest = writeBlob(blobsDir, {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
    layers: layers.map((l) => l.descriptor),
  });

  writeFileSync(join(layoutDir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  writeFileSync(
    join(layoutDir, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          ...manifest,
          annotations: { 'org.opencontainers.image.ref.name': tag },
        },
      ],
    }),
  );
}
