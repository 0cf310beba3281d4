import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

import { createCgroupManager, detectCgroupLayout, removeStaleCgroups } from '@iza/cgroups';
import type { CgroupManager } from '@iza/cgroups';
import { IzaError } from '@iza/errors';
import { openImageStore } from '@iza/layers';
import type { ImageRecord, ImageStore } from '@iza/layers';
import {
  createDockerConfigCredentialStore,
  createRegistryClient,
  parseMirrorSpec,
  parsePlatform,
  parseReference,
} from '@iza/registry';
import type { RegistryClient } from '@iza/registry';

import type { EngineOptions } from './engine-options.js';
import {
  filterByReference,
  inspectImage,
  mountImage,
  platformMismatch,
  splitName,
  summarizeImages,
  unmountImage,
} from './images.js';
import type { ImageSummary } from './images.js';
import { collectInfo } from './info.js';
import type { InfoReport } from './info.js';
import { pullImage } from './pull.js';
import type { PullEvent, PullResult } from './pull.js';
import { runContainer } from './run/run-container.js';
import type { RunImage, ImageRuntimeConfig } from './run/run-container.js';
import type { RunRequest } from './run/run-request.js';
import { sweepStaleContainers } from './run/stale-sweep.js';
import { canonicalName, lookupImage, storeKey } from './image-lookup.js';
import { listContainerStates } from './run/container-state.js';
import { isAlive } from './run/process-identity.js';

/**
 * The pull and run pipelines over one storage root. Collaborators (registry client, store,
 * cgroup manager) are made on first use, so a command pays only for what it touches.
 */
export class Engine {
  readonly options: EngineOptions;
  #store: ImageStore | undefined;
  #registry: RegistryClient | undefined;
  #cgroups: CgroupManager | undefined;
  #swept = false;

  constructor(options: EngineOptions) {
    this.options = options;
  }

  /** The image store, opened (and a dead run's leftovers cleaned) on first use. */
  async store(): Promise<ImageStore> {
    if (!this.#store) {
      mkdirSync(this.options.root, { recursive: true, mode: 0o700 });
      this.#store = await openImageStore({ root: this.options.root });
    }
    if (!this.#swept) {
      this.#swept = true;
      await sweepStaleContainers(this.options.root, async (dead) => {
        await removeStaleCgroups(await detectCgroupLayout(), (name) => !dead.has(name));
      });
    }
    return this.#store;
  }

  registry(): RegistryClient {
    this.#registry ??= createRegistryClient({
      credentials: createDockerConfigCredentialStore({ path: this.options.dockerConfigPath }),
      mirrors: this.registryMirrors(),
      insecureRegistries: [...(this.options.insecureRegistries ?? [])],
      onEvent: (e) => {
        if (e.type !== 'mirror-fallback') return;
        this.options.onWarning?.(`mirror ${e.mirror} failed for ${e.registry}: ${e.reason}`);
      },
    });
    return this.#registry;
  }

  /** The mirrors in effect, per registry; ERR_IZA_REGISTRY_INVALID_ARGUMENT for a bad one. */
  registryMirrors(): Record<string, string[]> {
    return parseMirrorSpec((this.options.registryMirrors ?? []).join(','));
  }

  async cgroups(): Promise<CgroupManager> {
    this.#cgroups ??= createCgroupManager({ layout: await detectCgroupLayout() });
    return this.#cgroups;
  }

  /** `iza pull`: resolves and downloads `ref`, returns what was pulled. */
  async pull(
    ref: string,
    options: { platform?: string | undefined; onEvent?: (e: PullEvent) => void } = {},
  ): Promise<PullResult> {
    const reference = parseReference(ref);
    const store = await this.store();
    return pullImage(this.registry(), store, reference, {
      ...(options.platform ? { platform: parsePlatform(options.platform) } : {}),
      ...(options.onEvent ? { onEvent: options.onEvent } : {}),
    });
  }

  /** `iza run`: returns the exit code. */
  async run(
    req: RunRequest,
    io: { stdin: NodeJS.ReadStream; stdout: NodeJS.WriteStream; stderr: NodeJS.WriteStream },
    onPullEvent?: (e: PullEvent) => void,
  ): Promise<number> {
    await this.store();
    return runContainer(
      {
        root: this.options.root,
        storageDriver: this.options.storageDriver,
        getImage: (ref, pull, platform) => this.#imageForRun(ref, pull, platform, onPullEvent),
        hostEnv: this.options.hostEnv,
        ...io,
        onWarning: this.options.onWarning ?? ignore,
      },
      req,
    );
  }

  /** `iza images [REPOSITORY[:TAG]]`: every stored image, or those `reference` names. */
  async listImages(reference?: string): Promise<ImageSummary[]> {
    const list = summarizeImages(await this.store());
    return reference === undefined ? list : filterByReference(list, reference);
  }

  async inspectImage(ref: string): Promise<Record<string, unknown>> {
    return inspectImage(await this.store(), await this.#localName(ref));
  }

  /**
   * `iza rmi`: untags the image and deletes what no other image uses. By name, that name only; by
   * ID, every name of the image, which takes `force` when it has several (docker's conflict).
   */
  async removeImage(
    ref: string,
    options: { force?: boolean } = {},
  ): Promise<{ untagged: string[]; deleted: string[] }> {
    const store = await this.store();
    const found = lookupImage(store, ref);
    if (!found) throw noSuchImage(ref);
    const byName = found.name !== undefined && found.name === canonicalName(ref);
    const affected = store
      .listImages()
      .filter((r) => (byName ? r.name === found.name : r.configDigest === found.configDigest));

    const names = new Set(affected.map(storeKey));
    const user = listContainerStates(this.options.root).find(
      (c) => names.has(c.image) && isAlive(c.owner),
    );
    if (user) {
      throw new IzaError(
        'ERR_IZA_IMAGE_IN_USE',
        `conflict: unable to remove ${ref}: container ${user.id.slice(0, 12)} is using it`,
        { hint: 'wait for that container to exit, then remove the image' },
      );
    }
    for (const name of names) await unmountImage(store, this.options.root, name);
    // The store removes a name alone, or every name of an ID (refusing several without force).
    const key = byName ? (found.name as string) : found.configDigest;
    const result = await store.removeImage(key, { force: options.force ?? false });
    return {
      untagged: result.untagged.map((n) => {
        const { repository, tag } = splitName(n);
        return `${repository}:${tag}`;
      }),
      deleted: result.deleted,
    };
  }

  async mountImage(ref: string): Promise<string> {
    return mountImage(await this.store(), this.options.root, await this.#localName(ref));
  }

  async unmountImage(ref: string): Promise<void> {
    await unmountImage(await this.store(), this.options.root, await this.#localName(ref));
  }

  /** `iza image prune`: unused blobs and layers, pull leftovers; with --all, every image. */
  async pruneImages(options: { all: boolean }): Promise<{ deleted: string[]; layers: number }> {
    const store = await this.store();
    const deleted: string[] = [];
    if (options.all) {
      for (const image of store.listImages()) {
        const key = storeKey(image);
        await this.unmountImage(key).catch(() => undefined);
        deleted.push(...(await store.removeImage(key, { force: true })).deleted);
      }
    }
    const pruned = await store.prune();
    return {
      deleted: [...deleted, ...pruned.images, ...pruned.blobs],
      layers: pruned.layers.length,
    };
  }

  async saveImages(refs: string[], outPath: string): Promise<void> {
    const store = await this.store();
    const names: string[] = [];
    for (const ref of refs) names.push(await this.#localName(ref));
    await store.exportArchive(names, outPath);
  }

  async loadImages(path: string): Promise<string[]> {
    // An archive names its images as its writer did (`bb:latest` from skopeo, `alpine` from a
    // hand-made layout): stored under docker's full form, as a pull of that name would be, so
    // `iza run bb` finds what `iza images` lists. iza save writes full names already.
    const names = await (
      await this.store()
    ).importArchive(path, {
      nameFor: (ref) => (ref === undefined || ref === '' ? '' : parseReference(ref).toString()),
    });
    return names.map((n: string) => {
      const { repository, tag } = splitName(n);
      return `${repository}:${tag}`;
    });
  }

  /** `iza login`: checks the credentials against the registry, then stores them. */
  async login(server: string, creds: { username: string; password: string }): Promise<void> {
    await this.registry().login(server, creds);
  }

  async logout(server: string): Promise<boolean> {
    return createDockerConfigCredentialStore({ path: this.options.dockerConfigPath }).remove(
      server,
    );
  }

  async info(): Promise<InfoReport> {
    return collectInfo({
      root: this.options.root,
      requestedDriver: this.options.storageDriver,
      version: this.options.version ?? 'unknown',
      config: this.options.configFile ?? { path: null, found: false },
      registry: {
        mirrors: this.registryMirrors(),
        insecureRegistries: [...(this.options.insecureRegistries ?? [])],
      },
    });
  }

  /** The stored name `ref` stands for: a reference in any docker form, or an image ID prefix. */
  async #localName(ref: string): Promise<string> {
    const found = lookupImage(await this.store(), ref);
    if (!found) throw noSuchImage(ref);
    return storeKey(found);
  }

  /** The local image `ref` names (name, familiar name or ID prefix), or undefined. */
  async findImage(ref: string): Promise<ImageRecord | undefined> {
    return lookupImage(await this.store(), ref);
  }

  async #imageForRun(
    ref: string,
    pull: RunRequest['pull'],
    platform: string | undefined,
    onEvent?: (e: PullEvent) => void,
  ): Promise<RunImage> {
    const store = await this.store();
    const wanted = platform === undefined ? undefined : parsePlatform(platform);
    let found = pull === 'always' ? undefined : lookupImage(store, ref);
    // docker: an image of another platform than --platform asks for is pulled for that one.
    const mismatch = (r: ImageRecord, hint: string) =>
      wanted && platformMismatch(store, r, wanted, ref, hint);
    if (found && mismatch(found, '')) {
      if (pull === 'never')
        throw mismatch(found, `pull it: iza pull --platform ${platform} ${ref}`);
      found = undefined;
    }
    if (!found && pull === 'never') {
      throw new IzaError('ERR_IZA_IMAGE_NOT_FOUND', `Image '${ref}' not found`, {
        hint: `pull it first: iza pull ${ref}`,
      });
    }
    if (!found) {
      if (this.options.pullForRun) await this.options.pullForRun(ref, platform);
      else await this.pull(ref, { platform, ...(onEvent ? { onEvent } : {}) });
      found = lookupImage(store, ref);
    }
    if (!found) throw new IzaError('ERR_IZA_IMAGE_NOT_FOUND', `Image '${ref}' not found`);
    const wrong = mismatch(found, `the registry has no ${platform} image under this name`);
    if (wrong) throw wrong;

    const image = store.getImage(storeKey(found));
    return {
      name: found.name ?? found.configDigest,
      layerDirs: image.layerDirs,
      config: (image.config.config ?? {}) as ImageRuntimeConfig,
    };
  }
}

export function createEngine(options: EngineOptions): Engine {
  return new Engine(options);
}

/** docker's config.json path: $DOCKER_CONFIG/config.json or ~/.docker/config.json. */
export function dockerConfigPathFrom(env: Readonly<Record<string, string | undefined>>): string {
  if (env.DOCKER_CONFIG) return join(env.DOCKER_CONFIG, 'config.json');
  return join(env.HOME || '/root', '.docker', 'config.json');
}

/** The original iza's message for an absent image, with a hint for commands that never pull. */
function noSuchImage(ref: string): IzaError {
  return new IzaError('ERR_IZA_IMAGE_NOT_FOUND', `Image '${ref}' not found`, {
    hint: 'iza images lists the stored images (names, or IDs as a prefix of 4 digits or more)',
  });
}

/** Drops a warning nobody asked to see. */
function ignore(): void {
  return undefined;
}
