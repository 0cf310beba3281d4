import type { Argv } from 'yargs';

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
}

/** Global options that take a value: the command finder must skip their values. */
export const valuedGlobalOptions: ReadonlySet<string> = valuedFlags(globalOptionSpecs({}));

/** The global options, declared once for yargs and the fast parser. */
export function globalOptionSpecs(env: NodeJS.ProcessEnv): OptionSpec[] {
  return [
    {
      name: 'root',
      type: 'string',
      describe: 'Store images and container state in DIR (env IZA_ROOT)',
      default: env.IZA_ROOT || '/var/lib/iza',
      defaultDescription: '/var/lib/iza',
    },
    {
      name: 'storage-driver',
      type: 'string',
      choices: ['overlay', 'copy'],
      describe: 'Build container roots with OverlayFS or by copying (env IZA_STORAGE_DRIVER)',
      ...(env.IZA_STORAGE_DRIVER ? { default: env.IZA_STORAGE_DRIVER } : {}),
      defaultDescription: 'overlay, with a copy fallback',
    },
    {
      name: 'registry-mirror',
      type: 'string',
      repeat: true,
      describe:
        'Pull REGISTRY through MIRROR: docker.io=http://127.0.0.1:5000 (env IZA_REGISTRY_MIRRORS)',
      ...(env.IZA_REGISTRY_MIRRORS ? { default: env.IZA_REGISTRY_MIRRORS } : {}),
      defaultDescription: 'none',
    },
    {
      name: 'insecure-registry',
      type: 'string',
      repeat: true,
      describe: 'Talk plain HTTP to HOST[:PORT] (127.0.0.0/8 always is)',
      ...(env.IZA_INSECURE_REGISTRIES ? { default: env.IZA_INSECURE_REGISTRIES } : {}),
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

export function addGlobalOptions(y: Argv, env: NodeJS.ProcessEnv): Argv {
  return addOptions(y, globalOptionSpecs(env), true);
}

function splitList(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** Reads the parsed global options in their typed form. */
export function globalOptionsOf(argv: Record<string, unknown>): GlobalOptions {
  const debug = argv.debug === true;
  return {
    root: String(argv.root),
    storageDriver: argv.storageDriver as GlobalOptions['storageDriver'],
    registryMirror: asList(argv.registryMirror).flatMap(splitList),
    insecureRegistry: asList(argv.insecureRegistry).flatMap(splitList),
    debug,
    logLevel: debug ? 'debug' : (argv.logLevel as GlobalOptions['logLevel']),
  };
}

/**
 * A repeatable option's values. Repeatable options are declared as plain strings (yargs collects
 * repeats into an array): an `array` option would swallow the command name that follows it.
 */
export function asList(value: unknown): string[] {
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).map(String);
}
