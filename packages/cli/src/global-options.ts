import type { Argv } from 'yargs';

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
export const valuedGlobalOptions = new Set([
  '--root',
  '--storage-driver',
  '--registry-mirror',
  '--insecure-registry',
  '--log-level',
]);

export function addGlobalOptions(y: Argv, env: NodeJS.ProcessEnv): Argv {
  return y
    .option('root', {
      type: 'string',
      describe: 'Store images and container state in DIR (env IZA_ROOT)',
      default: env.IZA_ROOT || '/var/lib/iza',
      defaultDescription: '/var/lib/iza',
      global: true,
    })
    .option('storage-driver', {
      type: 'string',
      choices: ['overlay', 'copy'],
      describe: 'Build container roots with OverlayFS or by copying (env IZA_STORAGE_DRIVER)',
      default: env.IZA_STORAGE_DRIVER || undefined,
      defaultDescription: 'overlay, with a copy fallback',
      global: true,
    })
    .option('registry-mirror', {
      type: 'string',
      describe: 'Pull REGISTRY through MIRROR: docker.io=http://127.0.0.1:5000 (env IZA_REGISTRY_MIRRORS)',
      default: splitList(env.IZA_REGISTRY_MIRRORS),
      defaultDescription: 'none',
      global: true,
    })
    .option('insecure-registry', {
      type: 'string',
      describe: 'Talk plain HTTP to HOST[:PORT] (127.0.0.0/8 always is)',
      default: splitList(env.IZA_INSECURE_REGISTRIES),
      defaultDescription: 'none',
      global: true,
    })
    .option('debug', {
      type: 'boolean',
      describe: 'Print debug logs to stderr (same as --log-level debug)',
      default: false,
      global: true,
    })
    .option('log-level', {
      type: 'string',
      choices: ['error', 'warn', 'info', 'debug'],
      describe: 'Print logs of this level and above to stderr',
      default: 'warn',
      global: true,
    });
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
