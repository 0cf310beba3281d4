import type { Argv } from 'yargs';

import type { GlobalOptions } from './global-options.js';
import type { OptionSpec } from './option-table.js';

/** What a command handler gets besides its parsed arguments. */
export interface CommandContext {
  globals: GlobalOptions;
  /** Arguments after the image for `run`-like commands, passed to the container verbatim. */
  rest: string[];
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  env: NodeJS.ProcessEnv;
  /** iza's version, from its package.json. */
  version: string;
  /** The arguments before the command (global options), to start another iza the same way. */
  globalArgv: string[];
}

/**
 * One `iza` command, loaded only when it is the one being run (start-up time is product: see
 * README "Start-up"). The handler returns the process exit code.
 */
export interface CommandModule {
  command: string;
  describe: string;
  /**
   * A group of subcommands (`iza image inspect`): the builder declares them on the parser itself
   * instead of the command being one, so each has a help of its own.
   */
  subcommands?: boolean;
  /** Declares the command's options; `wrap` turns a handler into one for a subcommand. */
  builder(y: Argv, wrap: WrapHandler): Argv;
  handler(argv: Record<string, unknown>, ctx: CommandContext): Promise<number>;
  /**
   * For commands whose trailing arguments belong to someone else (`run IMAGE CMD...`): the
   * options that take a value, so the CLI can find where its own arguments end.
   */
  valuedOptions?: ReadonlySet<string>;
  /**
   * Declared for the hot path: when the arguments are plain (known options, no help), they are
   * parsed from this table without loading yargs, and `positionals` name the positionals. The
   * flags are read with docker's syntax first (flag-syntax.ts), an unknown one refused by name.
   */
  fast?: {
    options: readonly OptionSpec[];
    positionals: readonly string[];
    /** The usage error when the first positional is missing. */
    missing: string;
    /** A hint for a flag docker has and this command does not (`-d`: no detached containers). */
    hints?: Readonly<Record<string, string>>;
  };
}

/** A command handler. */
export type CommandHandler = (
  argv: Record<string, unknown>,
  ctx: CommandContext,
) => Promise<number>;

/** Adapts a handler to yargs for a subcommand (`iza image inspect`); the exit code is kept. */
export type WrapHandler = (
  handler: CommandHandler,
) => (argv: Record<string, unknown>) => Promise<void>;

/** The command list, with no command module loaded: enough for `iza --help`. */
export const commandTable: ReadonlyArray<{
  name: string;
  aliases?: string[];
  usage: string;
  describe: string;
  load: () => Promise<{ default: CommandModule }>;
}> = [
  {
    name: 'run',
    usage: 'run [OPTIONS] IMAGE|/HOST/BINARY [COMMAND] [ARG...]',
    describe: 'Run a command in a new container',
    load: () => import('./commands/run.js'),
  },
  {
    name: 'pull',
    usage: 'pull [OPTIONS] IMAGE',
    describe: 'Download an image from a registry',
    load: () => import('./commands/pull.js'),
  },
  {
    name: 'images',
    usage: 'images [OPTIONS] [REPOSITORY[:TAG]]',
    describe: 'List images',
    load: () => import('./commands/images.js'),
  },
  {
    name: 'rmi',
    usage: 'rmi [OPTIONS] IMAGE [IMAGE...]',
    describe: 'Remove one or more images',
    load: () => import('./commands/rmi.js'),
  },
  {
    name: 'image',
    usage: 'image COMMAND',
    describe: 'Manage images: inspect, mount, umount, prune, ls, rm',
    load: () => import('./commands/image.js'),
  },
  {
    name: 'inspect',
    usage: 'inspect [OPTIONS] IMAGE [IMAGE...]',
    describe: 'Show the configuration of images as JSON (same as iza image inspect)',
    load: () => import('./commands/inspect.js'),
  },
  {
    name: 'save',
    usage: 'save [OPTIONS] IMAGE [IMAGE...]',
    describe: 'Save images to an OCI archive (a file, or STDOUT)',
    load: () => import('./commands/save.js'),
  },
  {
    name: 'load',
    usage: 'load [OPTIONS]',
    describe: 'Load images from an OCI archive (a file, or STDIN)',
    load: () => import('./commands/load.js'),
  },
  {
    name: 'login',
    usage: 'login [OPTIONS] [SERVER]',
    describe: 'Log in to a registry',
    load: () => import('./commands/login.js'),
  },
  {
    name: 'logout',
    usage: 'logout [SERVER]',
    describe: 'Log out from a registry',
    load: () => import('./commands/logout.js'),
  },
  {
    name: 'info',
    usage: 'info [OPTIONS]',
    describe: 'Show what this host offers containers: kernel, cgroups, OverlayFS, namespaces',
    load: () => import('./commands/info.js'),
  },
];
