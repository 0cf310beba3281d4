import { readFileSync } from 'node:fs';

import { IzaError } from '@iza/errors';

/** docker's default PATH for containers whose image sets none. */
export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface EnvironmentRequest {
  /** The image config's Env (KEY=VALUE). */
  imageEnv: readonly string[];
  /** `-e` values in order: KEY=VALUE, or KEY alone to copy it from `hostEnv`. */
  userEnv: readonly string[];
  /** Lines of `--env-file` files, already read. */
  envFileLines: readonly string[];
  hostname: string;
  tty: boolean;
  /** The host environment, for `-e KEY` with no value. */
  hostEnv: Readonly<Record<string, string | undefined>>;
  /** The user's home from the image's /etc/passwd, used when HOME is not set otherwise. */
  home?: string | undefined;
}

/**
 * The container's environment as docker builds it: PATH and HOSTNAME (and TERM with a tty) first,
 * overridden by key by the image's Env, then by --env-file, then by -e; HOME last if unset.
 */
export function buildEnvironment(req: EnvironmentRequest): string[] {
  const env = new Map<string, string>();
  env.set('PATH', DEFAULT_PATH);
  env.set('HOSTNAME', req.hostname);
  if (req.tty) env.set('TERM', 'xterm');

  for (const kv of req.imageEnv) setPair(env, kv);
  for (const line of req.envFileLines) addUserValue(env, line, req.hostEnv, true);
  for (const kv of req.userEnv) addUserValue(env, kv, req.hostEnv, false);
  if (!env.has('HOME')) env.set('HOME', req.home || '/');

  return [...env].map(([k, v]) => `${k}=${v}`);
}

/** Parses an --env-file: KEY=VALUE or KEY lines; blank lines and `#` comments skipped. */
export function parseEnvFile(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.replace(/^\s+/, ''))
    .filter((l) => l !== '' && !l.startsWith('#'));
}

/** The lines of the --env-file at `path`; ERR_IZA_RUN_ENV_FILE, saying why, if it cannot be read. */
export function readEnvFile(path: string): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = READ_FAILURES[code ?? ''] ?? code ?? String(err);
    throw new IzaError('ERR_IZA_RUN_ENV_FILE', `cannot read env file ${path}: ${why}`);
  }
  return parseEnvFile(text);
}

const READ_FAILURES: Record<string, string> = {
  ENOENT: 'no such file',
  EISDIR: 'is a directory',
  EACCES: 'permission denied',
};

function setPair(env: Map<string, string>, kv: string): void {
  const eq = kv.indexOf('=');
  if (eq <= 0) return;
  env.set(kv.slice(0, eq), kv.slice(eq + 1));
}

function addUserValue(
  env: Map<string, string>,
  kv: string,
  hostEnv: Readonly<Record<string, string | undefined>>,
  fromFile: boolean,
): void {
  const eq = kv.indexOf('=');
  if (eq === 0 || kv.trim() === '') {
    throw new IzaError('ERR_IZA_RUN_INVALID_ENV', `invalid environment variable: ${kv}`, {
      hint: fromFile ? 'each --env-file line is KEY=VALUE or KEY' : 'use -e KEY=VALUE or -e KEY',
    });
  }
  const key = eq > 0 ? kv.slice(0, eq) : kv;
  if (fromFile && /\s/.test(key)) {
    // docker's check: `export A=1` from a shell script would otherwise set a key "export A".
    throw new IzaError('ERR_IZA_RUN_INVALID_ENV', `variable '${key}' contains whitespaces`, {
      hint: 'each --env-file line is KEY=VALUE or KEY, with no `export`',
    });
  }
  if (eq > 0) {
    env.set(key, kv.slice(eq + 1));
    return;
  }
  const value = hostEnv[kv];
  if (value !== undefined) env.set(kv, value);
}
