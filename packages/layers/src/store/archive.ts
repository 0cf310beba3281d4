import type * as TarModule from 'tar';
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  copyFileSync,
  createReadStream,
  existsSync,
  fstatSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { getSystemErrorMap } from 'node:util';

import { IzaError } from '@iza/errors';
import { isSystemError } from '@iza/ns-native';

import { LayersErrorCode, noSpace } from '../errors.js';
import { digestHex } from './digest.js';
import { ensureLayer } from './ensure-layer.js';
import { findIndexed, indexedImages } from './image-lookup.js';
import { parseImage, putImage } from './images.js';
import type { StoreLocks } from './locks.js';
import { REF_NAME, entryName } from './oci-index.js';
import type { IndexEntry, OciIndex } from './oci-index.js';
import { familiarRepoTag } from './repo-tag.js';
import type { StorePaths } from './store-paths.js';

/** Options of importArchive. */
export interface ImportOptions {
  /**
   * Maps an entry's `org.opencontainers.image.ref.name` (undefined when absent) to the name to
   * store it under, e.g. to make a bare tag canonical. Default: the annotation itself; an entry
   * without one is then ERR_IZA_LAYERS_BAD_ARCHIVE.
   */
  nameFor?: (refName: string | undefined) => string;
}

const LAYOUT = '{"imageLayoutVersion":"1.0.0"}\n';

/** Options of exportArchive. */
export interface ExportOptions {
  /**
   * The RepoTags entry of a stored name in the archive's docker `manifest.json`; undefined
   * leaves it out. Default {@link familiarRepoTag} (`docker.io/library/alpine:latest` →
   * `alpine:latest`).
   */
  repoTagFor?: (name: string) => string | undefined;
}

/** One image of docker's `manifest.json` (moby image/tarexport). */
interface DockerArchiveEntry {
  Config: string;
  RepoTags: string[];
  Layers: string[];
}

/**
 * Writes an image archive (`iza save`) in both formats docker and containerd write: a tar of
 * an OCI layout (index.json entries annotated with their names, for `skopeo …
 * oci-archive:FILE`) that also carries docker's `manifest.json` at its root (for `docker load`,
 * `skopeo … docker-archive:FILE`). `refs` are names or image IDs (a dangling image has no
 * RepoTags). The output appears complete or not at all.
 */
export async function exportArchive(
  paths: StorePaths,
  locks: StoreLocks,
  refs: string[],
  outPath: string,
  options: ExportOptions = {},
): Promise<void> {
  checkOutputPath(outPath);
  const staging = join(paths.tmp, `export~${randomBytes(6).toString('hex')}~${process.pid}`);
  const tmpOut = `${outPath}.iza-${randomBytes(6).toString('hex')}`;
  try {
    await stageLayout(paths, locks, refs, staging, options.repoTagFor ?? familiarRepoTag);
    const { create: tarCreate } = await loadTar();
    await tarCreate({ file: tmpOut, cwd: staging, portable: true, noMtime: false }, [
      'oci-layout',
      'index.json',
      'manifest.json',
      'blobs',
    ]);
    renameSync(tmpOut, outPath);
  } catch (err) {
    rmSync(tmpOut, { force: true });
    if (isSystemError(err, 'ENOSPC', 'EDQUOT')) throw noSpace(`writing ${outPath}`, err);
    throw err;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

async function stageLayout(
  paths: StorePaths,
  locks: StoreLocks,
  refs: string[],
  staging: string,
  repoTagFor: (name: string) => string | undefined,
): Promise<void> {
  const blobsDir = join(staging, 'blobs', 'sha256');
  mkdirSync(blobsDir, { recursive: true });
  const blobRef = (d: string) => `blobs/sha256/${digestHex(d)}`;

  // Blobs are linked under the index lock, so no rmi or prune can delete them half-way.
  const release = await locks.acquire('index');
  try {
    const index: OciIndex = { schemaVersion: 2, manifests: [] };
    const docker = new Map<string, DockerArchiveEntry>();
    const all = indexedImages(paths);
    for (const ref of refs) {
      const { entry, image } = findIndexed(all, ref);
      const name = image.record.name;
      if (index.manifests.some((e) => e.digest === entry.digest && entryName(e) === name)) continue;

      const layers = image.manifest.layers.map((l) => l.digest);
      for (const d of [entry.digest, image.record.configDigest, ...layers]) {
        linkBlob(paths.blob(digestHex(d)), join(blobsDir, digestHex(d)));
      }
      index.manifests.push({
        mediaType: entry.mediaType,
        digest: entry.digest,
        size: entry.size,
        ...(name === undefined ? {} : { annotations: { [REF_NAME]: name } }),
      });

      // docker's manifest.json has one entry per image, listing all its tags.
      const dockerEntry = docker.get(entry.digest) ?? {
        Config: blobRef(image.record.configDigest),
        RepoTags: [],
        Layers: layers.map(blobRef),
      };
      const tag = name === undefined ? undefined : repoTagFor(name);
      if (tag !== undefined && !dockerEntry.RepoTags.includes(tag)) dockerEntry.RepoTags.push(tag);
      docker.set(entry.digest, dockerEntry);
    }
    writeFileSync(join(staging, 'oci-layout'), LAYOUT);
    writeFileSync(join(staging, 'index.json'), JSON.stringify(index));
    writeFileSync(join(staging, 'manifest.json'), JSON.stringify([...docker.values()]));
  } finally {
    release();
  }
}

function linkBlob(from: string, to: string): void {
  try {
    linkSync(from, to);
  } catch (err) {
    if (isSystemError(err, 'EEXIST')) return;
    if (!isSystemError(err, 'EXDEV', 'EPERM')) throw err;
    copyFileSync(from, to);
  }
}

/** Loads every image of an OCI archive (`iza load`); returns the stored names. */
export async function importArchive(
  paths: StorePaths,
  locks: StoreLocks,
  archive: string,
  options: ImportOptions = {},
): Promise<string[]> {
  checkReadable(archive);
  const staging = join(paths.tmp, `import~${randomBytes(6).toString('hex')}~${process.pid}`);
  mkdirSync(staging);
  try {
    // The archive holds only plain files (an OCI layout), which node-tar extracts safely.
    const { extract: tarExtract } = await loadTar();
    await tarExtract({ file: archive, cwd: staging, strict: true, filter: isLayoutPath }).catch(
      (err: unknown) => {
        const code = (err as { code?: unknown }).code;
        if (code === 'TAR_ENTRY_INVALID' || code === 'TAR_BAD_ARCHIVE') {
          throw badArchive(`${archive} is not a tar archive`, err);
        }
        throw err;
      },
    );
    const index = readJson<OciIndex>(join(staging, 'index.json'));
    const names: string[] = [];
    for (const entry of index.manifests ?? []) {
      names.push(await importOne(paths, locks, staging, entry, options));
    }
    return names;
  } catch (err) {
    if (isSystemError(err, 'ENOSPC', 'EDQUOT')) throw noSpace(`loading ${archive}`, err);
    throw err;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

async function importOne(
  paths: StorePaths,
  locks: StoreLocks,
  staging: string,
  entry: IndexEntry,
  options: ImportOptions,
): Promise<string> {
  const refName = entry.annotations?.[REF_NAME];
  const name = options.nameFor ? options.nameFor(refName) : refName;
  // LIMITATION: an unnamed entry (a dangling image) is refused instead of loaded as dangling.
  if (name === undefined || name === '') throw badArchive(`manifest ${entry.digest} has no name`);
  if (entry.mediaType.includes('index') || entry.mediaType.includes('manifest.list')) {
    // LIMITATION: multi-platform archives (an index inside index.json) are not loaded.
    throw badArchive(`manifest ${entry.digest} is a multi-platform index`);
  }

  const blob = (d: string) => join(staging, 'blobs', 'sha256', digestHex(d));
  const manifestBytes = readFileSync(blob(entry.digest));
  const manifestJson = JSON.parse(manifestBytes.toString()) as { config: { digest: string } };
  const configBytes = readFileSync(blob(manifestJson.config.digest));
  const { manifest, config } = parseImage(manifestBytes, configBytes);

  for (const [i, layer] of manifest.layers.entries()) {
    await ensureLayer(paths, locks, {
      descriptor: layer,
      diffId: config.rootfs.diff_ids[i] as string,
      openBlob: async (offset) => createReadStream(blob(layer.digest), { start: offset }),
    });
  }
  const manifestMediaType = entry.mediaType;
  await putImage(paths, locks, { name, manifestBytes, manifestMediaType, configBytes });
  return name;
}

function isLayoutPath(path: string): boolean {
  const p = path.replace(/^\.\//, '');
  return p === 'oci-layout' || p === 'index.json' || p === 'blobs/' || p.startsWith('blobs/');
}

function readJson<T>(path: string): T {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch (err) {
    throw badArchive(`cannot read ${path.split('/').pop()}`, err);
  }
}

/** docker save's checks of `-o`, in its words, before anything is staged. */
function checkOutputPath(outPath: string): void {
  const dir = dirname(outPath);
  if (!existsSync(dir)) {
    throw new IzaError(
      LayersErrorCode.BadOutputPath,
      `invalid output path: directory "${dir}" does not exist`,
    );
  }
  if (statSync(outPath, { throwIfNoEntry: false })?.isDirectory() === true) {
    throw new IzaError(
      LayersErrorCode.BadOutputPath,
      `invalid output path: "${outPath}" is a directory`,
      {
        hint: 'give a file name: iza save -o DIR/image.tar IMAGE',
      },
    );
  }
}

const ARCHIVE_PATH_HINT =
  'give the path of an archive written by iza save (or skopeo … oci-archive:FILE)';

/**
 * An archive that cannot be read at all is said as docker says it (`open FILE: no such file or
 * directory`, `read FILE: is a directory`) before anything is created.
 */
function checkReadable(archive: string): void {
  let fd: number;
  try {
    fd = openSync(archive, 'r');
  } catch (err) {
    throw new IzaError(LayersErrorCode.BadArchive, `open ${archive}: ${strerror(err)}`, {
      hint: ARCHIVE_PATH_HINT,
    });
  }
  try {
    if (fstatSync(fd).isDirectory()) {
      throw new IzaError(LayersErrorCode.BadArchive, `read ${archive}: is a directory`, {
        hint: ARCHIVE_PATH_HINT,
      });
    }
  } finally {
    closeSync(fd);
  }
}

/** The description of a system error's errno (`no such file or directory`), as docker says it. */
function strerror(err: unknown): string {
  const errno = (err as { errno?: unknown } | null)?.errno;
  const known = typeof errno === 'number' ? getSystemErrorMap().get(errno) : undefined;
  return known?.[1] ?? String((err as { message?: unknown } | null)?.message ?? err);
}

function badArchive(why: string, cause?: unknown): IzaError {
  return new IzaError(LayersErrorCode.BadArchive, `invalid image archive: ${why}`, {
    hint: 'iza loads OCI archives (iza save, skopeo copy … oci-archive:FILE)',
    ...(cause === undefined ? {} : { cause }),
  });
}

/**
 * node-tar, loaded when an archive is written or read: it is a large module, and every `iza run`
 * imports this package without ever touching an archive.
 */
function loadTar(): Promise<typeof TarModule> {
  return import('tar');
}
