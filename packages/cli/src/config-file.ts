import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';

import { IzaError } from '@iza/errors';

/** Code of every config file error: the CLI exits 125 on it before doing anything. */
export const CONFIG_ERROR = 'ERR_IZA_CLI_CONFIG_INVALID';

/** The settings a config file may hold (keys as in docker's daemon.json). */
export interface ConfigSettings {
  /** `registry-mirrors`: `URL` (a docker.io mirror, docker's form) or `REGISTRY=URL` entries. */
  registryMirrors?: string[];
  /** `insecure-registries`: `host`, `host:port` or an IPv4 CIDR, spoken to over plain HTTP. */
  insecureRegistries?: string[];
  /** `storage-driver`: `overlay` or `copy`. */
  storageDriver?: 'overlay' | 'copy';
  /** `data-root`: the storage root (`--root`). */
  dataRoot?: string;
}

/** The config file of one invocation: where it was looked for, and what it says. */
export interface ConfigFile {
  path: string;
  /** False when nothing was at the default path (an empty `settings` then). */
  found: boolean;
  settings: ConfigSettings;
}

/**
 * Where the config file is: `--config`, else `IZA_CONFIG`, else /etc/iza/config.json for root
 * and $XDG_CONFIG_HOME/iza/config.json (~/.config/iza/config.json) for other users.
 * `explicit` is true when the user named it, so a missing file is then an error.
 */
export function configPathOf(
  flag: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
  euid: number | undefined,
): { path: string; explicit: boolean } {
  if (flag) return { path: flag, explicit: true };
  if (env.IZA_CONFIG) return { path: env.IZA_CONFIG, explicit: true };
  if (euid === 0) return { path: '/etc/iza/config.json', explicit: false };

  // XDG Base Directory spec: a relative XDG_CONFIG_HOME is invalid and must be ignored.
  const xdg = env.XDG_CONFIG_HOME;
  const base = xdg && isAbsolute(xdg) ? xdg : join(env.HOME || '/', '.config');
  return { path: join(base, 'iza', 'config.json'), explicit: false };
}

/**
 * Reads and checks the config file at `path`. A file absent from the default place is an
 * empty config; a named file that is absent, unreadable or wrong throws ERR_IZA_CLI_CONFIG_INVALID
 * with a one-line message naming the file (and the key, where one is at fault).
 */
export function loadConfigFile(
  path: string,
  explicit: boolean,
  read: (path: string) => string = (p) => readFileSync(p, 'utf8'),
): ConfigFile {
  let text: string;
  try {
    text = read(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && !explicit) return { path, found: false, settings: {} };
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : code;
    throw configError(path, `cannot read it: ${why ?? String(err)}`);
  }

  return { path, found: true, settings: parseConfigText(text, path) };
}

type Reader = (value: unknown, key: string, path: string) => Partial<ConfigSettings>;

const readers: Record<string, Reader> = {
  'registry-mirrors': (value, key, path) => ({
    registryMirrors: stringList(value, key, path, checkMirror),
  }),
  'insecure-registries': (value, key, path) => ({
    insecureRegistries: stringList(value, key, path, checkInsecure),
  }),
  'storage-driver': (value, key, path) => {
    if (value !== 'overlay' && value !== 'copy') {
      throw configError(path, `${key}: must be "overlay" or "copy", not ${shown(value)}`);
    }
    return { storageDriver: value };
  },
  'data-root': (value, key, path) => {
    if (typeof value !== 'string' || !isAbsolute(value)) {
      throw configError(path, `${key}: must be an absolute path, not ${shown(value)}`);
    }
    return { dataRoot: value };
  },
};

/** Known mistakes, answered in the error: the names other tools use for our keys. */
const renamed: Record<string, string> = { root: 'data-root', graph: 'data-root' };

/** Checks the JSON text of a config file (see {@link loadConfigFile}); `path` names it in errors. */
export function parseConfigText(text: string, path: string): ConfigSettings {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw configError(path, `invalid JSON: ${(err as Error).message.split('\n')[0] ?? ''}`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw configError(path, 'must hold a JSON object, like {"registry-mirrors": [...]}');
  }

  let settings: ConfigSettings = {};
  for (const [key, value] of Object.entries(json)) {
    const reader = readers[key];
    if (!reader) {
      const instead = renamed[key] ? `; did you mean "${renamed[key]}"?` : '';
      const known = Object.keys(readers).join(', ');
      throw configError(path, `${shown(key)}: unknown key (known: ${known})${instead}`);
    }
    settings = { ...settings, ...reader(value, key, path) };
  }
  return settings;
}

function stringList(
  value: unknown,
  key: string,
  path: string,
  check: (entry: string) => string | undefined,
): string[] {
  if (!Array.isArray(value)) {
    throw configError(path, `${key}: must be a list of strings, not ${shown(value)}`);
  }
  return value.map((entry: unknown, i) => {
    const problem = typeof entry === 'string' ? check(entry.trim()) : 'not a string';
    if (problem) throw configError(path, `${key}[${i}]: ${shown(entry)} is ${problem}`);
    return (entry as string).trim();
  });
}

/**
 * `URL` or `REGISTRY=URL`, URL being http(s)://host[:port] with nothing after (docker's
 * registry-mirrors take a bare origin too); @iza/registry parses the accepted entries again.
 */
function checkMirror(entry: string): string | undefined {
  const eq = entry.indexOf('=');
  if (eq === 0) return 'missing the registry before "="';
  if (eq > 0 && !/^[A-Za-z0-9.-]+(:\d{1,5})?$/.test(entry.slice(0, eq))) {
    return 'not REGISTRY=URL (REGISTRY is host[:port], like docker.io)';
  }
  if (entry.includes(',')) return 'not one entry (a comma separates entries of the flag only)';

  let url: URL;
  try {
    url = new URL(eq < 0 ? entry : entry.slice(eq + 1));
  } catch {
    return 'not a URL (use "https://mirror.example" or "docker.io=http://127.0.0.1:5000")';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'not an http(s) URL';
  if (url.username || url.password) return 'carrying credentials (use iza login)';
  if (url.pathname !== '/' || url.search || url.hash) return 'more than scheme://host[:port]';
  return undefined;
}

/** `host`, `host:port` or an IPv4 CIDR; a scheme or a path is a mistake worth naming. */
function checkInsecure(entry: string): string | undefined {
  if (entry.includes('://')) return 'not host[:port] (drop the scheme)';
  if (!/^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+)(:\d{1,5}|\/\d{1,2})?$/.test(entry)) {
    return 'not host[:port] or an IPv4 CIDR';
  }
  return undefined;
}

function shown(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function configError(path: string, what: string): IzaError {
  return new IzaError(CONFIG_ERROR, `config file ${path}: ${what}`);
}
