/** A username and password (or token used as password) for one registry. */
export interface Credentials {
  username: string;
  password: string;
}

/**
 * Where the client finds credentials. `registry` is a registry domain as references spell it
 * (`docker.io`, `ghcr.io`, `127.0.0.1:5000`).
 */
export interface CredentialStore {
  get(registry: string): Promise<Credentials | undefined>;
  set(registry: string, credentials: Credentials): Promise<void>;
  /** Forgets the registry's credentials; false when there were none. */
  remove(registry: string): Promise<boolean>;
}

/** The docker config key for a registry: Docker Hub keeps its legacy index URL (SPECS §1.3). */
export function dockerConfigKey(registry: string): string {
  const host = normalizeRegistryHost(registry);
  return host === 'docker.io' ? 'https://index.docker.io/v1/' : host;
}

/**
 * `host[:port]` from what a user types to `login` or a config key: scheme, path and trailing
 * slash dropped, Docker Hub's aliases folded to `docker.io`.
 */
export function normalizeRegistryHost(input: string): string {
  let host = input.trim().replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
  host = host.split('/')[0] ?? '';
  host = host.toLowerCase();
  if (
    host === 'index.docker.io' ||
    host === 'registry-1.docker.io' ||
    host === 'registry.hub.docker.com'
  ) {
    return 'docker.io';
  }
  return host;
}
