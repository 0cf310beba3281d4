import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';

import { buildTar, chunked } from './tar-builder.js';
import type { RawEntry } from './tar-builder.js';

const sha = (b: Uint8Array) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** A layer as a registry would serve it. */
export interface TestLayer {
  tar: Buffer;
  blob: Buffer;
  diffId: string;
  descriptor: { mediaType: string; digest: string; size: number };
}

export function buildLayer(entries: RawEntry[], gzip = true): TestLayer {
  const tar = buildTar(entries);
  const blob = gzip ? gzipSync(tar) : tar;
  const mediaType = gzip
    ? 'application/vnd.oci.image.layer.v1.tar+gzip'
    : 'application/vnd.oci.image.layer.v1.tar';
  return {
    tar,
    blob,
    diffId: sha(tar),
    descriptor: { mediaType, digest: sha(blob), size: blob.length },
  };
}

/** A test image: manifest + config over the given layers. */
export interface TestImage {
  layers: TestLayer[];
  manifestBytes: Buffer;
  configBytes: Buffer;
  manifestDigest: string;
  configDigest: string;
}

export function buildImage(layers: TestLayer[], extra: Record<string, unknown> = {}): TestImage {
  const configBytes = Buffer.from(
    JSON.stringify({
      created: '2024-01-02T03:04:05Z',
      architecture: 'amd64',
      os: 'linux',
      config: { Cmd: ['/bin/sh'] },
      rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
      ...extra,
    }),
  );
  const manifestBytes = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: {
        mediaType: 'application/vnd.oci.image.config.v1+json',
        digest: sha(configBytes),
        size: configBytes.length,
      },
      layers: layers.map((l) => l.descriptor),
    }),
  );
  return {
    layers,
    manifestBytes,
    configBytes,
    manifestDigest: sha(manifestBytes),
    configDigest: sha(configBytes),
  };
}

/** Counts blob opens per digest, as a registry would see GETs. */
export class FakeRegistry {
  readonly opens: { digest: string; offset: number }[] = [];

  opener(layer: TestLayer) {
    return async (offset: number) => {
      this.opens.push({ digest: layer.descriptor.digest, offset });
      return chunked(layer.blob.subarray(offset), 4096);
    };
  }
}

/** An OCI image index listing `manifestDigests` (sizes and platforms are placeholders). */
export function buildIndex(manifestDigests: string[]): Buffer {
  return Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: manifestDigests.map((digest) => ({
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        digest,
        size: 1,
        platform: { architecture: 'amd64', os: 'linux' },
      })),
    }),
  );
}
