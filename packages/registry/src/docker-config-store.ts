import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';

import {
  execCredentialHelper,
  helperErase,
  helperGet,
  helperStore,
  type CredentialHelperRunner,
} from './credential-helper.js';
import {
  dockerConfigKey,
  normalizeRegistryHost,
  type CredentialStore,
  type Credentials,
} from './credentials.js';
import { RegistryErrorCode, registryError } from './errors.js';

/** Options of {@link createDockerConfigCredentialStore}. */
export interface DockerConfigStoreOptions {
  /** Path of docker's `config.json`; see {@link defaultDockerConfigPath}. */
  path: string;
  /** Runs credential helpers; defaults to executing `docker-credential-<name>` from PATH. */
  runHelper?: CredentialHelperRunner;
}

interface AuthEntry {
  auth?: string;
  username?: string;
  password?: string;
  identitytoken?: string;
}

interface DockerConfig {
  auths?: Record<string, AuthEntry>;
  credsStore?: string;
  credHelpers?: Record<string, string>;
  [key: string]: unknown;
}

/**
 * `$DOCKER_CONFIG/config.json` when DOCKER_CONFIG is set, else `~/.docker/config.json`, as the
 * docker CLI resolves it. Takes the environment and home directory so the caller decides.
 */
export function defaultDockerConfigPath(
  env: Record<string, string | undefined>,
  home: string,
): string {
  const dir = env['DOCKER_CONFIG'];
  return dir !== undefined && dir !== ''
    ? join(dir, 'config.json')
    : join(home, '.docker', 'config.json');
}

/**
 * Credentials in docker's `config.json`: `auths` entries with base64 `user:pass`, Docker Hub under
 * `https://index.docker.io/v1/`. When `credHelpers[registry]` or `credsStore` names a helper, the
 * secret lives in `docker-credential-<name>` instead, exactly as with the docker CLI. Writes go
 * to a temp file renamed over the original, mode 0600, keeping every key iza does not know.
 */
export function createDockerConfigCredentialStore(
  options: DockerConfigStoreOptions,
): CredentialStore {
  const { path } = options;
  const run = options.runHelper ?? execCredentialHelper();

  const load = async (): Promise<DockerConfig> => {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw configError(path, 'cannot be read', err);
    }
    try {
      const json = JSON.parse(text) as unknown;
      if (typeof json !== 'object' || json === null || Array.isArray(json))
        throw new Error('not an object');
      return json as DockerConfig;
    } catch (err) {
      throw configError(path, 'is not valid JSON', err);
    }
  };

  const helperFor = (config: DockerConfig, host: string): string | undefined =>
    config.credHelpers?.[host] ?? (config.credsStore === '' ? undefined : config.credsStore);

  return {
    async get(registry) {
      const host = normalizeRegistryHost(registry);
      const key = dockerConfigKey(host);
      const config = await load();
      const helper = helperFor(config, host);
      if (helper !== undefined) return helperGet(run, helper, key);
      return decodeAuth(findAuth(config, host));
    },

    async set(registry, creds) {
      const host = normalizeRegistryHost(registry);
      const key = dockerConfigKey(host);
      const config = await load();
      const helper = helperFor(config, host);
      if (helper !== undefined) {
        await helperStore(run, helper, key, creds);
        config.auths = { ...config.auths, [key]: {} };
      } else {
        const auth = Buffer.from(`${creds.username}:${creds.password}`).toString('base64');
        config.auths = { ...config.auths, [key]: { auth } };
      }
      await writeAtomic(path, config);
    },

    async remove(registry) {
      const host = normalizeRegistryHost(registry);
      const key = dockerConfigKey(host);
      const config = await load();
      const helper = helperFor(config, host);
      const erased = helper !== undefined ? await helperErase(run, helper, key) : false;
      const keys = Object.keys(config.auths ?? {}).filter((k) => normalizeRegistryHost(k) === host);
      if (keys.length === 0) return erased;
      for (const k of keys) delete config.auths?.[k];
      await writeAtomic(path, config);
      return true;
    },
  };
}

/** The `auths` entry for a host, accepting the spellings docker accepts (`https://host/v1/`...). */
function findAuth(config: DockerConfig, host: string): AuthEntry | undefined {
  const auths = config.auths ?? {};
  const exact = auths[dockerConfigKey(host)];
  if (exact !== undefined) return exact;
  const key = Object.keys(auths).find((k) => normalizeRegistryHost(k) === host);
  return key === undefined ? undefined : auths[key];
}

// LIMITATION: an entry holding only `identitytoken` (an OAuth refresh token) gives no
// credentials, so that registry is pulled anonymously.
function decodeAuth(entry: AuthEntry | undefined): Credentials | undefined {
  if (entry === undefined) return undefined;
  if (typeof entry.auth === 'string' && entry.auth !== '') {
    const text = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = text.indexOf(':');
    if (colon <= 0) return undefined;
    return { username: text.slice(0, colon), password: text.slice(colon + 1) };
  }
  if (typeof entry.username === 'string' && typeof entry.password === 'string') {
    return { username: entry.username, password: entry.password };
  }
  return undefined;
}

async function writeAtomic(path: string, config: DockerConfig): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    // Created 0600 from the start: the secret is never readable by others, not even briefly.
    const handle = await open(tmp, 'wx', 0o600);
    try {
      await handle.writeFile(`${JSON.stringify(config, null, '\t')}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw configError(path, 'cannot be written', err);
  }
}

function configError(path: string, what: string, cause: unknown): Error {
  return registryError(RegistryErrorCode.Credentials, `docker config ${path} ${what}`, {
    hint: 'fix or remove the file, or point DOCKER_CONFIG elsewhere',
    cause,
  });
}
