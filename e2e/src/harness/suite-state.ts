import { readFileSync } from 'node:fs';

/** One image pushed to the suite's plain registry. */
export interface FixtureImage {
  /** The OCI layout it was built in (read it, never write it). */
  layout: string;
  /** Its tag inside the layout. */
  layoutTag: string;
  /** `127.0.0.1:PORT/repo:tag`. */
  ref: string;
  /** The manifest (or index) digest the registry serves. */
  digest: string;
  /** The config digest (the image ID) of the image, or of the linux/amd64 one for an index. */
  configDigest: string;
  /** How many layers the (amd64) image has. */
  layerCount: number;
}

/** What global setup built and started, shared with every test file through a JSON file. */
export interface SuiteState {
  /** The run's scratch dir (removed by global teardown). */
  runDir: string;
  registry: { host: string; pid: number };
  /** Keyed `name:tag`, e.g. `minimal:latest`, `library/alpine:latest`, `layers-exact:step2`. */
  images: Record<string, FixtureImage>;
  /** The per-platform manifest digests inside `minimal:multi`. */
  multiPlatform: { amd64: string; arm64: string };
  /** Set when the debian fixture could not be built: tests that need it fail with it. */
  debianError?: string;
}

/** The env var global setup puts the state file path in. */
export const STATE_ENV = 'IZA_E2E_STATE';

let cached: SuiteState | undefined;

/** The suite state written by global setup. Throws when the suite runs without it. */
export function suiteState(): SuiteState {
  if (cached !== undefined) return cached;

  const path = process.env[STATE_ENV];
  if (path === undefined) {
    throw new Error(`${STATE_ENV} is not set: run the e2e suite through its jest config`);
  }
  cached = JSON.parse(readFileSync(path, 'utf8')) as SuiteState;
  return cached;
}

/** A fixture image by `name:tag`, with a clear error when it was not built. */
export function fixture(key: string): FixtureImage {
  const state = suiteState();
  if (key.startsWith('debian:') && state.debianError !== undefined) {
    throw new Error(`the debian fixture is missing: ${state.debianError}`);
  }

  const image = state.images[key];
  if (image === undefined) {
    const known = Object.keys(state.images).join(', ') || 'none (IZA_E2E_NO_FIXTURES?)';
    throw new Error(`no fixture image ${key}; built: ${known}`);
  }
  return image;
}
