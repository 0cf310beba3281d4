/** The auth section of a docker-registry config. */
export type RegistryAuthConfig =
  | { kind: 'none' }
  | { kind: 'basic'; realm: string; htpasswdPath: string }
  | { kind: 'token'; realm: string; service: string; issuer: string; certBundlePath: string };

/** Inputs of {@link registryConfigYaml}. */
export interface RegistryConfigInput {
  storageDir: string;
  port: number;
  auth: RegistryAuthConfig;
}

function quote(value: string): string {
  return JSON.stringify(value);
}

function authYaml(auth: RegistryAuthConfig): string[] {
  switch (auth.kind) {
    case 'none':
      return [];
    case 'basic':
      return [
        'auth:',
        '  htpasswd:',
        `    realm: ${quote(auth.realm)}`,
        `    path: ${quote(auth.htpasswdPath)}`,
      ];
    case 'token':
      return [
        'auth:',
        '  token:',
        `    realm: ${quote(auth.realm)}`,
        `    service: ${quote(auth.service)}`,
        `    issuer: ${quote(auth.issuer)}`,
        `    rootcertbundle: ${quote(auth.certBundlePath)}`,
      ];
  }
}

/**
 * The YAML config of docker-registry (distribution 2.8 docs/configuration.md): filesystem
 * storage in a temp dir, deletes enabled so tests can remove tags, loopback only.
 * JSON strings are valid YAML scalars, so paths need no further escaping.
 */
export function registryConfigYaml(input: RegistryConfigInput): string {
  const lines = [
    'version: 0.1',
    'log:',
    '  level: warn',
    '  accesslog:',
    '    disabled: true',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${quote(input.storageDir)}`,
    '  delete:',
    '    enabled: true',
    'http:',
    `  addr: ${quote(`127.0.0.1:${String(input.port)}`)}`,
    ...authYaml(input.auth),
  ];
  return `${lines.join('\n')}\n`;
}
