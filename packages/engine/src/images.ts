import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import type { ImageRecord, ImageStore } from '@iza/layers';
import { cleanupRootfs, mountRootfs } from '@iza/overlay';
import { IzaError } from '@iza/errors';
import { formatPlatform, parseReference, platformMatches } from '@iza/registry';
import type { Platform } from '@iza/registry';

/** One row of `iza images`. */
export interface ImageSummary {
  /** The familiar repository name as docker shows it (`alpine`, `127.0.0.1:5000/app`). */
  repository: string;
  tag: string;
  /** The config digest (`sha256:…`): docker's image ID. */
  id: string;
  /** The manifest digest. */
  digest: string;
  /** The digest the name was pulled as: the index's for a multi-platform image (docker's). */
  repoDigest: string;
  created: string | undefined;
  size: number;
  /** The canonical name; undefined for a dangling image. */
  name: string | undefined;
}

export function summarizeImages(store: ImageStore): ImageSummary[] {
  return store.listImages().map((r) => {
    const { repository, tag } = splitName(r.name);
    return {
      repository,
      tag,
      id: r.configDigest,
      digest: r.manifestDigest,
      repoDigest: r.indexDigest ?? r.manifestDigest,
      created: r.created,
      size: r.size,
      name: r.name,
    };
  });
}

/**
 * The images `docker images REPOSITORY[:TAG]` lists: every tag of the repository, or that tag
 * alone when one is given (`alpine`, `docker.io/library/alpine`, `alpine:3`). A pattern that is
 * no reference matches nothing.
 */
export function filterByReference(list: ImageSummary[], pattern: string): ImageSummary[] {
  let wanted: { repository: string; tag: string | undefined };
  try {
    const ref = parseReference(pattern);
    const tagGiven = /:[^/]*$/.test(pattern.split('@')[0] ?? '');
    wanted = { repository: ref.repository, tag: tagGiven ? ref.tag : undefined };
  } catch {
    return [];
  }
  return list.filter((i) => {
    if (i.name === undefined) return false;
    const ref = parseReference(i.name);
    return (
      ref.repository === wanted.repository && (wanted.tag === undefined || ref.tag === wanted.tag)
    );
  });
}

/** `docker.io/library/alpine:latest` → `alpine` + `latest`, as docker's REPOSITORY and TAG. */
export function splitName(name: string | undefined): { repository: string; tag: string } {
  if (name === undefined) return { repository: '<none>', tag: '<none>' };
  try {
    const ref = parseReference(name);
    return { repository: ref.familiarName, tag: ref.tag ?? '<none>' };
  } catch {
    return { repository: name, tag: '<none>' };
  }
}

/** docker's `image inspect` shape for a stored image. */
export function inspectImage(store: ImageStore, name: string): Record<string, unknown> {
  const image = store.getImage(name);
  const { record, config } = image;
  const repo = record.name === undefined ? undefined : parseReference(record.name);
  return {
    Id: record.configDigest,
    RepoTags: repo?.tag ? [`${repo.familiarName}:${repo.tag}`] : [],
    RepoDigests: repo
      ? [`${repo.familiarName}@${record.indexDigest ?? record.manifestDigest}`]
      : [],
    Created: config.created,
    Architecture: config.architecture,
    Variant: config.variant,
    Os: config.os,
    Config: config.config ?? {},
    RootFS: { Type: 'layers', Layers: config.rootfs?.diff_ids ?? [] },
    Size: record.size,
    Metadata: { LayerDirs: image.layerDirs },
  };
}

/**
 * ERR_IZA_IMAGE_PLATFORM_MISMATCH when the stored image `record` is not one a host of `wanted`
 * runs (docker's check for `run --platform`), else undefined.
 */
export function platformMismatch(
  store: ImageStore,
  record: ImageRecord,
  wanted: Platform,
  ref: string,
  hint: string,
): IzaError | undefined {
  const { config } = store.getImage(record.name ?? record.configDigest);
  const actual: Platform = {
    os: config.os ?? 'linux',
    architecture: config.architecture ?? '',
    ...(config.variant ? { variant: config.variant } : {}),
  };
  if (platformMatches(wanted, actual)) return undefined;
  return new IzaError(
    'ERR_IZA_IMAGE_PLATFORM_MISMATCH',
    `image with reference ${ref} was found but does not match the specified platform: ` +
      `wanted ${formatPlatform(wanted)}, actual: ${formatPlatform(actual)}`,
    { hint },
  );
}

/** The directory an image mount lives in, keyed by the image ID. */
function imageMountDir(root: string, configDigest: string): string {
  return join(root, 'mounts', configDigest.replace(/^sha256:/, '').slice(0, 32));
}

/**
 * Mounts the image read-only (an OverlayFS of its layers; no upper) and returns the merged
 * root. Mounting an image that is already mounted returns the same path.
 */
export async function mountImage(store: ImageStore, root: string, name: string): Promise<string> {
  const image = store.getImage(name);
  const dir = imageMountDir(root, image.record.configDigest);
  const merged = join(dir, 'merged');
  if (isMountPoint(merged)) return merged;
  await cleanupRootfs(dir);
  const rootfs = await mountRootfs({
    layers: image.layerDirs,
    containerDir: dir,
    driver: 'overlay',
    readonly: true,
  });
  return rootfs.path;
}

export async function unmountImage(store: ImageStore, root: string, name: string): Promise<void> {
  const image = store.getImage(name);
  await cleanupRootfs(imageMountDir(root, image.record.configDigest));
}

/** True when `path` is a mount point of this mount namespace (proc(5), /proc/self/mountinfo). */
function isMountPoint(path: string): boolean {
  const mountinfo = readFileSync('/proc/self/mountinfo', 'utf8');
  // Field 5 is the mount point, with space, tab, newline and backslash octal-escaped.
  const escaped = path.replace(
    /[ \t\n\\]/g,
    (c) => `\\${c.charCodeAt(0).toString(8).padStart(3, '0')}`,
  );
  return mountinfo.split('\n').some((line) => line.split(' ')[4] === escaped);
}
