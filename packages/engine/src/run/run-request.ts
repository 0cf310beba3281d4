import { existsSync, mkdirSync } from 'node:fs';
import { isAbsolute, posix } from 'node:path';

import { IzaError } from '@iza/errors';

/** Everything `iza run` was asked, parsed but not yet checked against the host. */
export interface RunRequest {
  /** An image reference, or an absolute host path for the no-image mode. */
  image: string;
  command: string[];
  entrypoint?: string | undefined;
  env: string[];
  envFiles: string[];
  workdir?: string | undefined;
  user?: string | undefined;
  hostname?: string | undefined;
  name?: string | undefined;
  volumes: string[];
  readOnly: boolean;
  init: boolean;
  tty: boolean;
  interactive: boolean;
  pull: 'missing' | 'always' | 'never';
  platform?: string | undefined;
  limits: LimitOptions;
  cgroupParent?: string | undefined;
  /** docker's `--security-opt` values (see security-options.ts); default docker's seccomp. */
  securityOpts: string[];
}

/** docker's resource flags, as typed (validated by @iza/cgroups' buildResources). */
export interface LimitOptions {
  memory?: string | undefined;
  memorySwap?: string | undefined;
  memoryReservation?: string | undefined;
  cpus?: string | undefined;
  cpuShares?: string | undefined;
  cpusetCpus?: string | undefined;
  pidsLimit?: string | undefined;
}

/** An OCI runtime-spec mount. */
export interface OciMount {
  destination: string;
  type: string;
  source: string;
  options: string[];
}

/** True when the run uses no image: the first argument is an absolute host path. */
export function isHostMode(image: string): boolean {
  return image.startsWith('/');
}

/**
 * `-v HOST:CTR[:MODES]` as docker: HOST must be absolute (named volumes do not exist in iza; the
 * CLI makes `./dir` absolute, as docker's does), CTR absolute and not `/`. MODES is a comma list of
 * docker's: `ro` or `rw`, a propagation (`rprivate`… `rshared`), and `z`/`Z` (SELinux relabels:
 * iza sets no SELinux context, so there is nothing to relabel) or `consistent`/`cached`/`delegated`
 * (docker ignores them on Linux). A missing HOST is created later by {@link ensureVolumeSources}.
 */
export function parseVolume(spec: string): OciMount {
  const parts = spec.split(':');
  const [source, destination, modes = ''] = parts;
  if (parts.length < 2 || parts.length > 3 || !source || !destination) {
    throw invalidVolume(spec, 'use -v /host/path:/container/path[:ro]');
  }
  if (!isAbsolute(source)) {
    throw invalidVolume(spec, 'named volumes are not supported: give a host path (/abs or ./rel)');
  }
  if (!isAbsolute(destination)) throw invalidVolume(spec, 'the container path must be absolute');
  if (posix.normalize(destination) === '/') {
    throw invalidVolume(spec, 'the container path cannot be / (the image is the root)');
  }

  let access: string | undefined;
  let propagation: string | undefined;
  for (const mode of modes === '' ? [] : modes.split(',')) {
    if ((mode === 'ro' || mode === 'rw') && access === undefined) access = mode;
    else if (PROPAGATION.has(mode) && propagation === undefined) propagation = mode;
    else if (!IGNORED_MODES.has(mode)) {
      throw invalidVolume(spec, 'the mode is ro or rw, with z, Z or a propagation (rslave…)');
    }
  }
  const options = ['rbind', access ?? 'rw', ...(propagation ? [propagation] : [])];
  return { destination, type: 'bind', source, options };
}

const PROPAGATION = new Set(['private', 'rprivate', 'shared', 'rshared', 'slave', 'rslave']);
const IGNORED_MODES = new Set(['z', 'Z', 'consistent', 'cached', 'delegated']);

/** Creates the missing host directories of `volumes`, as docker does when a container starts. */
export function ensureVolumeSources(volumes: readonly OciMount[]): void {
  for (const v of volumes) {
    if (!existsSync(v.source)) mkdirSync(v.source, { recursive: true });
  }
}

/**
 * docker's container names: `[a-zA-Z0-9][a-zA-Z0-9_.-]+`, or none (absent or empty: iza makes
 * one up); ERR_IZA_RUN_INVALID_OPTION otherwise.
 */
export function checkName(name: string | undefined): void {
  if (!name || /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/.test(name)) return;
  throw new IzaError(
    'ERR_IZA_RUN_INVALID_OPTION',
    `invalid container name (${name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`,
  );
}

/** The container's host name: `--hostname`, or iza's default when it is absent or empty. */
export function hostnameOf(flag: string | undefined): string {
  // docker treats an empty --hostname as none given; passing it on would leave the host's name.
  if (flag === undefined || flag === '') return 'iza-container';
  // sethostname(2): HOST_NAME_MAX is 64 on Linux.
  if (Buffer.byteLength(flag) > 64) {
    throw new IzaError(
      'ERR_IZA_RUN_INVALID_OPTION',
      `invalid argument "${flag}" for "--hostname" flag: longer than 64 bytes`,
    );
  }
  return flag;
}

function invalidVolume(spec: string, hint: string): IzaError {
  return new IzaError('ERR_IZA_RUN_INVALID_VOLUME', `invalid volume specification: '${spec}'`, {
    hint,
  });
}
