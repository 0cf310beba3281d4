import type { Readable } from 'node:stream';

import { wrapError } from '@iza/errors';
import type { ImageRecord, ImageStore } from '@iza/layers';
import type { RegistryClient, ImageReference, Platform } from '@iza/registry';

/** Progress of one pull, as typed events; the CLI renders them (bars on a TTY, lines otherwise). */
export type PullEvent =
  | { type: 'resolved'; reference: string; manifestDigest: string; layers: LayerInfo[] }
  | { type: 'layer-cached'; digest: string }
  | { type: 'layer-progress'; digest: string; downloaded: number; total: number }
  | { type: 'layer-done'; digest: string }
  | { type: 'notice'; message: string };

export interface LayerInfo {
  digest: string;
  size: number;
}

export interface PullOptions {
  platform?: Platform | undefined;
  /** How many layers download at once (docker: 3). */
  concurrency?: number;
  onEvent?: (e: PullEvent) => void;
  signal?: AbortSignal;
}

export interface PullResult {
  /** Canonical reference, e.g. docker.io/library/alpine:latest. */
  name: string;
  /** The short form docker prints, e.g. alpine:latest. */
  familiarName: string;
  /** The digest the reference resolved to: the index's for a multi-platform image, as docker. */
  digest: string;
  manifestDigest: string;
  configDigest: string;
  status: 'downloaded' | 'up-to-date';
}

/**
 * Pulls `ref` into `store`: resolves the manifest for the platform, fetches each layer blob
 * once while unpacking it (layers present by DiffID are skipped), then commits the image. The
 * image becomes visible to `listImages` only in that last step, so a pull killed at any moment
 * leaves no half image that looks whole.
 */
export async function pullImage(
  client: RegistryClient,
  store: ImageStore,
  ref: ImageReference,
  options: PullOptions = {},
): Promise<PullResult> {
  const emit = options.onEvent ?? ((): void => undefined);
  const name = ref.toString();
  const familiarName = ref.tag
    ? `${ref.familiarName}:${ref.tag}`
    : `${ref.familiarName}@${ref.digest}`;

  const current = store.listImages().find((r) => r.name === name);
  const upToDate = current && (await isUpToDate(client, ref, current, options.platform));
  const result = (
    status: PullResult['status'],
    r: { indexDigest?: string | undefined; manifestDigest: string; configDigest: string },
  ): PullResult => ({
    name,
    familiarName,
    digest: r.indexDigest ?? r.manifestDigest,
    manifestDigest: r.manifestDigest,
    configDigest: r.configDigest,
    status,
  });
  if (current && upToDate) return result('up-to-date', current);

  const resolved = await client.resolve(ref, withDefined({ platform: options.platform }));
  const diffIds = resolved.config.rootfs?.diff_ids ?? [];
  const layers = resolved.layers;
  emit({
    type: 'resolved',
    reference: name,
    manifestDigest: resolved.manifestDigest,
    layers: layers.map((l) => ({ digest: l.digest, size: l.size })),
  });

  if (current && current.manifestDigest === resolved.manifestDigest) {
    for (const l of layers) emit({ type: 'layer-cached', digest: l.digest });
    return result('up-to-date', resolved);
  }

  await mapBounded(layers, options.concurrency ?? 3, async (descriptor, i) => {
    const diffId = diffIds[i];
    if (!diffId) throw new Error(`image config lists no diff_id for layer ${i}`);
    try {
      let cached = true;
      await store.ensureLayer({
        descriptor,
        diffId,
        openBlob: (offset: number): Promise<Readable> => {
          cached = false;
          // The store hashes every byte it keeps and checks the digest itself.
          return client.fetchBlob(
            ref,
            descriptor,
            withDefined({ offset, signal: options.signal, verifyDigest: false }),
          );
        },
        onProgress: (p: { downloaded: number; total: number }) =>
          emit({ type: 'layer-progress', digest: descriptor.digest, ...p }),
        ...withDefined({ signal: options.signal }),
      });
      emit({ type: cached ? 'layer-cached' : 'layer-done', digest: descriptor.digest });
    } catch (err) {
      throw wrapError(`pulling layer ${descriptor.digest.slice(0, 19)}`, err);
    }
  });

  await store.putImage({
    name,
    manifestBytes: resolved.manifestBytes,
    manifestMediaType: resolved.manifestMediaType,
    configBytes: resolved.configBytes,
    ...withDefined({ indexBytes: resolved.indexBytes }),
  });

  return result('downloaded', resolved);
}

/**
 * Whether the image stored under `ref`'s name is what the registry serves now, asked the cheap
 * way: a digest reference is content-addressed (nothing to ask), a tag costs one manifest HEAD
 * (which Docker Hub does not count against pull limits). Not used when a platform is asked for,
 * since the stored image may be another platform of the same index.
 */
async function isUpToDate(
  client: RegistryClient,
  ref: ImageReference,
  current: ImageRecord,
  platform: Platform | undefined,
): Promise<boolean> {
  if (platform) return false;
  const stored = current.indexDigest ?? current.manifestDigest;
  if (ref.digest) return ref.digest === stored || ref.digest === current.manifestDigest;
  const head = await client.headManifest(ref).catch(() => undefined);
  return head?.digest === stored;
}

/** Runs `fn` over `items` with at most `limit` in flight; the first failure rejects. */
async function mapBounded<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < items.length) {
      const i = next++;
      try {
        await fn(items[i] as T, i);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** Drops undefined fields (exactOptionalPropertyTypes: absent is not the same as undefined). */
export function withDefined<T extends object>(o: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as never;
}
