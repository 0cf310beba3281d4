import type { Argv } from 'yargs';

import { IzaError } from '@iza/errors';

import { configPathOf, loadConfigFile } from './config-file.js';
import { mirrorsByPrecedence } from './mirror-precedence.js';
import { addOptions, valuedFlags } from './option-table.js';
import type { OptionSpec } from './option-table.js';

/** Options every command takes, before or after the command name. */
export interface GlobalOptions {
  root: string;
  storageDriver: 'overlay' | 'copy' | undefined;
  registryMirror: string[];
  insecureRegistry: string[];
  debug: boolean;
  logLevel: 'error' | 'warn' | 'info' | 'debug';
  /** The config file looked for, and whether it was there. */
  config: { path: string; found: boolean };
}

/** Global options that take a value: the command finder must skip their values. */
export const valuedGlobalOptions: ReadonlySet<string> = valuedFlags(globalOptionSpecs());

/** How `iza --help` states where settings come from (README "Configuration"). */
export const SETTINGS_PRECEDENCE =
  'Settings come from flags, then environment variables, then the config file: a flag beats ' +
  'its variable, which beats the file. Registry mirrors are chosen per registry the same way.';

/**
 * The global options, declared once for yargs and the fast parser. Their defaults are not
 * declared here: they depend on the environment and the config file, see {@link
 * resolveGlobalOptions}.
 */
export function globalOptionSpecs(): OptionSpec[] {
  return [
    {
      name: 'config',
      type: 'string',
      describe: 'Read settings from the JSON file FILE (env IZA_CONFIG)',
      defaultDescription: '/etc/iza/config.json as root, else ~/.config/iza/config.json',
    },
    {
      name: 'root',
      type: 'string',
      describe: 'Store images and container state in DIR (env IZA_ROOT, config data-root)',
      defaultDescription: '/var/lib/iza',
    },
    {
      name: 'storage-driver',
      type: 'string',
      choices: ['overlay', 'copy'],
      describe:
        'Build container roots with OverlayFS or by copying (env IZA_STORAGE_DRIVER, ' +
        'config storage-driver)',
      defaultDescription: 'overlay, with a copy fallback',
    },
    {
      name: 'registry-mirror',
      type: 'string',
      repeat: true,
      describe:
        'Pull REGISTRY through MIRROR: docker.io=http://127.0.0.1:5000 (env ' +
        'IZA_REGISTRY_MIRRORS, config registry-mirrors)',
      defaultDescription: 'none',
    },
    {
      name: 'insecure-registry',
      type: 'string',
      repeat: true,
      describe:
        'Talk plain HTTP to HOST[:PORT] (env IZA_INSECURE_REGISTRIES, config ' +
        'insecure-registries); 127.0.0.0/8 always is',
      defaultDescription: 'none',
    },
    {
      name: 'debug',
      type: 'boolean',
      describe: 'Print debug logs to stderr (same as --log-level debug)',
      default: false,
    },
    {
      name: 'log-level',
      type: 'string',
      choices: ['error', 'warn', 'info', 'debug'],
      describe: 'Print logs of this level and above to stderr',
      default: 'warn',
    },
  ];
}

/** Declares the global options on `y`, in help `group` when given. */
export function addGlobalOptions(y: Argv, group?: string): Argv {
  return addOptions(y, globalOptionSpecs(), true, group);
}

function splitList(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** What {@link resolveGlobalOptions} reads besides the arguments. */
export interface GlobalsSource {
  env: Readonly<Record<string, string | undefined>>;
  /** The effective user id: root's config file is /etc/iza/config.json. */
  euid: number | undefined;
  loadConfig?: typeof loadConfigFile;
}

/**
 * The global options in effect: each one from its flag, else its environment variable, else the
 * config file, else the default. Throws ERR_IZA_CLI_CONFIG_INVALID for a bad config file and
 * ERR_IZA_CLI_ENV_INVALID for a bad variable, before anything is done.
 */
export function resolveGlobalOptions(
  argv: Record<string, unknown>,
  { env, euid, loadConfig = loadConfigFile }: GlobalsSource,
): GlobalOptions {
  const where = configPathOf(stringOf(argv.config), env, euid);
  const config = loadConfig(where.path, where.explicit);
  const file = config.settings;
  const debug = argv.debug === true;

  return {
    root: stringOf(argv.root) ?? (env.IZA_ROOT || file.dataRoot || '/var/lib/iza'),
    storageDriver: storageDriverOf(argv.storageDriver, env) ?? file.storageDriver,
    registryMirror: mirrorsByPrecedence([
      asList(argv.registryMirror).flatMap(splitList),
      splitList(env.IZA_REGISTRY_MIRRORS),
      file.registryMirrors ?? [],
    ]),
    insecureRegistry: firstSet([
      asList(argv.insecureRegistry).flatMap(splitList),
      splitList(env.IZA_INSECURE_REGISTRIES),
      file.insecureRegistries ?? [],
    ]),
    debug,
    logLevel: debug ? 'debug' : ((argv.logLevel ?? 'warn') as GlobalOptions['logLevel']),
    config: { path: config.path, found: config.found },
  };
}

function stringOf(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** The flag (yargs checked its choices), else IZA_STORAGE_DRIVER, checked here. */
function storageDriverOf(flag: unknown, env: GlobalsSource['env']): GlobalOptions['storageDriver'] {
  const value = stringOf(flag) ?? stringOf(env.IZA_STORAGE_DRIVER);
  if (value === undefined || value === 'overlay' || value === 'copy') return value;
  throw new IzaError(
    'ERR_IZA_CLI_ENV_INVALID',
    `IZA_STORAGE_DRIVER: must be overlay or copy, not "${value.slice(0, 40)}"`,
  );
}

/** The list of the highest-precedence source that gives one (lists replace, never join). */
function firstSet(sources: string[][]): string[] {
  return sources.find((s) => s.length > 0) ?? [];
}

/**
 * A repeatable option's values. Repeatable options are declared as plain strings (yargs collects
 * repeats into an array): an `array` option would swallow the command name that follows it.
 */
export function asList(value: unknown): string[] {
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).map(String);
}
