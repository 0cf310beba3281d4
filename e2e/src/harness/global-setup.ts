import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onExitCleanup } from './exit-cleanup.js';
import { buildDebian, DEBIAN_TAG } from './fixtures/debian.js';
import { buildLayersExact, LAYERS_EXACT_TAGS } from './fixtures/layers-exact.js';
import { buildMinimal, MINIMAL_TAGS } from './fixtures/minimal.js';
import { pushImage } from './fixtures/push.js';
import { readJsonBlob, type Descriptor } from './fixtures/oci-blobs.js';
import { tagDigest, type OciLayout } from './fixtures/umoci.js';
import { startRegistry, type Registry } from './start-registry.js';
import { STATE_ENV, type FixtureImage, type SuiteState } from './suite-state.js';

/** Shared with global-teardown (jest runs both in the same context). */
export interface SetupHandles {
  registry: Registry;
  runDir: string;
  undoRunDir: () => void;
}

declare global {
  var izaE2eSetup: SetupHandles | undefined;
}

async function push(
  registry: Registry,
  layout: OciLayout,
  layoutTag: string,
  repo: string,
  tag: string,
): Promise<[string, FixtureImage]> {
  const digest = await pushImage(layout, layoutTag, registry, repo, tag);
  const image = await describeImage(layout, layoutTag);
  return [
    `${repo}:${tag}`,
    { layout: layout.dir, layoutTag, ref: `${registry.host}/${repo}:${tag}`, digest, ...image },
  ];
}

interface Manifest {
  config?: Descriptor;
  layers?: Descriptor[];
  manifests?: Descriptor[];
}

async function describeImage(layout: OciLayout, tag: string) {
  let manifest = await readJsonBlob<Manifest>(layout, await tagDigest(layout, tag));
  const amd64 = manifest.manifests?.find((m) => m.platform?.architecture === 'amd64');
  if (amd64 !== undefined) manifest = await readJsonBlob<Manifest>(layout, amd64.digest);

  if (manifest.config === undefined) throw new Error(`${layout.dir}:${tag} has no config`);
  return { configDigest: manifest.config.digest, layerCount: manifest.layers?.length ?? 0 };
}

/**
 * Builds every fixture image once per run, starts the plain registry and pushes them, and
 * writes the suite state file that test files read (see suite-state.ts). Set
 * IZA_E2E_NO_FIXTURES=1 to only start the registry (for the pack-install suite alone).
 */
export default async function globalSetup(): Promise<void> {
  const runDir = await mkdtemp(join(tmpdir(), 'iza-e2e-run-'));
  const undoRunDir = onExitCleanup({ dir: runDir });
  const registry = await startRegistry();
  globalThis.izaE2eSetup = { registry, runDir, undoRunDir };

  const entries: [string, FixtureImage][] = [];
  let multiPlatform = { amd64: '', arm64: '' };
  let debianError: string | undefined;

  if (process.env['IZA_E2E_NO_FIXTURES'] !== '1') {
    const minimal = await buildMinimal(runDir);
    multiPlatform = minimal.platforms;
    for (const tag of Object.values(MINIMAL_TAGS)) {
      entries.push(await push(registry, minimal.layout, tag, 'minimal', tag));
    }
    entries.push(await push(registry, minimal.layout, 'latest', 'library/alpine', 'latest'));

    const exact = await buildLayersExact(runDir);
    for (const tag of LAYERS_EXACT_TAGS) {
      entries.push(await push(registry, exact, tag, 'layers-exact', tag));
    }

    try {
      const debian = await buildDebian();
      entries.push(await push(registry, debian, DEBIAN_TAG, 'debian', DEBIAN_TAG));
    } catch (err) {
      // Only the suites that use debian fail, with this message (suite-state.ts fixture()).
      debianError = err instanceof Error ? err.message : String(err);
    }
  }

  const state: SuiteState = {
    runDir,
    registry: { host: registry.host, pid: registry.pid },
    images: Object.fromEntries(entries),
    multiPlatform,
    ...(debianError === undefined ? {} : { debianError }),
  };
  const statePath = join(runDir, 'state.json');
  await writeFile(statePath, JSON.stringify(state, null, 2));
  process.env[STATE_ENV] = statePath;
}
