import { createHash } from 'node:crypto';

import type { Descriptor, Platform } from '../types.js';

/** A blob with its descriptor. */
export interface TestBlob {
  bytes: Buffer;
  descriptor: Descriptor;
}

/** An image built in memory: config, layers and manifest, ready to push to a test registry. */
export interface TestImage {
  config: TestBlob;
  layers: TestBlob[];
  manifest: TestBlob;
}

/** `sha256:<hex>` of some bytes. */
export function sha256(bytes: Uint8Array | string): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** A descriptor for bytes. */
export function blobOf(bytes: Buffer | string, mediaType: string): TestBlob {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes);
  return { bytes: buf, descriptor: { mediaType, digest: sha256(buf), size: buf.length } };
}

/** Options of {@link buildTestImage}. */
export interface TestImageOptions {
  /** Layer blobs as stored (usually gzipped tars; any bytes for registry-level tests). */
  layers?: Buffer[];
  platform?: Platform;
  /** `oci` (default) or `docker` schema2 media types. */
  format?: 'oci' | 'docker';
  /** Leave `mediaType` out of the manifest body, as OCI allows. */
  omitMediaType?: boolean;
  /** Extra config fields (`config.Cmd`, `config.Env`...). */
  config?: Record<string, unknown>;
  /** Layer media type; defaults to the gzip layer type of the format. */
  layerMediaType?: string;
}

/** Builds an image whose config lists one diff id per layer (sha256 of the stored bytes). */
export function buildTestImage(options: TestImageOptions = {}): TestImage {
  const docker = options.format === 'docker';
  const platform = options.platform ?? { os: 'linux', architecture: 'amd64' };
  const layerType =
    options.layerMediaType ??
    (docker
      ? 'application/vnd.docker.image.rootfs.diff.tar.gzip'
      : 'application/vnd.oci.image.layer.v1.tar+gzip');
  const layers = (options.layers ?? [Buffer.from('layer-0')]).map((bytes) =>
    blobOf(bytes, layerType),
  );

  const configJson = {
    architecture: platform.architecture,
    os: platform.os,
    ...(platform.variant === undefined ? {} : { variant: platform.variant }),
    config: { Cmd: ['/bin/sh'], ...options.config },
    rootfs: { type: 'layers', diff_ids: layers.map((l) => l.descriptor.digest) },
    history: layers.map(() => ({ created_by: 'test' })),
  };
  const configType = docker
    ? 'application/vnd.docker.container.image.v1+json'
    : 'application/vnd.oci.image.config.v1+json';
  const config = blobOf(JSON.stringify(configJson), configType);

  const manifestType = docker
    ? 'application/vnd.docker.distribution.manifest.v2+json'
    : 'application/vnd.oci.image.manifest.v1+json';
  const manifestJson = {
    schemaVersion: 2,
    ...(options.omitMediaType ? {} : { mediaType: manifestType }),
    config: config.descriptor,
    layers: layers.map((l) => l.descriptor),
  };
  return { config, layers, manifest: blobOf(JSON.stringify(manifestJson), manifestType) };
}

/** One entry of {@link buildTestIndex}. */
export interface TestIndexEntry {
  manifest: Descriptor;
  platform?: Platform;
  annotations?: Record<string, string>;
}

/** Builds an index (OCI) or manifest list (docker) over already built manifests. */
export function buildTestIndex(
  entries: TestIndexEntry[],
  format: 'oci' | 'docker' = 'oci',
): TestBlob {
  const mediaType =
    format === 'docker'
      ? 'application/vnd.docker.distribution.manifest.list.v2+json'
      : 'application/vnd.oci.image.index.v1+json';
  const json = {
    schemaVersion: 2,
    mediaType,
    manifests: entries.map((e) => ({
      ...e.manifest,
      ...(e.platform === undefined ? {} : { platform: e.platform }),
      ...(e.annotations === undefined ? {} : { annotations: e.annotations }),
    })),
  };
  return blobOf(JSON.stringify(json), mediaType);
}

/**
 * A BuildKit-style attestation entry for `subject` (`moby/buildkit:docs/attestations/
 * attestation-storage.md`): platform unknown/unknown, annotated with the reference type.
 */
export function buildAttestation(subject: string): { manifest: TestBlob; entry: TestIndexEntry } {
  const image = buildTestImage({
    layers: [Buffer.from('{"predicate":{}}')],
    layerMediaType: 'application/vnd.in-toto+json',
  });
  return {
    manifest: image.manifest,
    entry: {
      manifest: image.manifest.descriptor,
      platform: { os: 'unknown', architecture: 'unknown' },
      annotations: {
        'vnd.docker.reference.type': 'attestation-manifest',
        'vnd.docker.reference.digest': subject,
      },
    },
  };
}
