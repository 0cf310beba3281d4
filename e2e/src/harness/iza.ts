import { execa } from 'execa';
import { dirname, resolve } from 'node:path';
import { constants } from 'node:os';
import { fileURLToPath } from 'node:url';

/** The iza wrapper at the repository root, or `IZA_BIN` when set. */
export function izaBin(): string {
  const fromEnv = process.env['IZA_BIN'];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  // src/harness -> e2e -> repository root.
  return resolve(dirname(fileURLToPath(import.meta.url)), '../../../iza');
}

/** Options of {@link iza}. */
export interface IzaOptions {
  /** The storage root, passed as `--root` before the command. */
  root?: string;
  /** Extra environment, merged over this process's. */
  env?: Record<string, string>;
  /** Text written to iza's stdin (stdin is closed after it). */
  input?: string;
  /** Milliseconds before iza is killed (SIGKILL); default 120 s. */
  timeout?: number;
  /** The directory iza runs in (relative paths a user types are relative to it). */
  cwd?: string;
  /** Called with the pid as soon as iza is spawned (to kill it mid-way by pid). */
  onSpawn?: (pid: number) => void;
}

/** What one iza invocation did. */
export interface IzaResult {
  exitCode: number;
  /** The signal that ended iza itself, if one did (the exit code is then 128+N by convention). */
  signal: string | undefined;
  stdout: string;
  stderr: string;
  /** Wall time in milliseconds. */
  durationMs: number;
}

/**
 * Runs the built `iza` as a user would and never throws on a non-zero exit: tests assert the
 * exit code. The output keeps everything but the final newline.
 */
export async function iza(args: string[], opts: IzaOptions = {}): Promise<IzaResult> {
  const rootArgs = opts.root === undefined ? [] : ['--root', opts.root];
  const started = Date.now();
  const child = execa(izaBin(), [...rootArgs, ...args], {
    reject: false,
    timeout: opts.timeout ?? 120_000,
    killSignal: 'SIGKILL',
    // jest's NODE_OPTIONS is the test runner's, not a user's: without it iza starts as a user's
    // does (from its snapshot); tests that need NODE_OPTIONS pass it in opts.env.
    env: { CI: '1', NO_COLOR: '1', NODE_OPTIONS: undefined, ...opts.env },
    ...(opts.input === undefined ? { stdin: 'ignore' } : { input: opts.input }),
    ...(opts.cwd === undefined ? {} : { cwd: opts.cwd }),
  });
  if (child.pid !== undefined) opts.onSpawn?.(child.pid);

  const result = await child;
  const signalNumber = result.signal === undefined ? undefined : signalCode(result.signal);
  return {
    exitCode: result.exitCode ?? (signalNumber === undefined ? -1 : 128 + signalNumber),
    signal: result.signal,
    stdout: result.stdout,
    stderr: result.stderr,
    durationMs: Date.now() - started,
  };
}

function signalCode(name: string): number | undefined {
  return (constants.signals as Record<string, number>)[name];
}

/** Renders a result for a failing assertion: the exit code and both streams. */
export function describeResult(result: IzaResult): string {
  return `exit ${String(result.exitCode)}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`;
}
