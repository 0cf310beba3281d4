import { spawn } from 'node:child_process';

import { IzaError } from '@iza/errors';

import { PULL_CHILD_FAILED } from './output.js';

/**
 * Node reads NODE_EXTRA_CA_CERTS at start-up, and parsing it with its own root store costs
 * about 55 ms of every command on hosts that set it, more than the rest of `iza run`. bin/iza
 * therefore hands it over under this name to commands that never open a TLS connection
 * themselves (only `pull` and `login` keep it); the CLI gives it back to the container's view of
 * the host environment and to the child that pulls a missing image for `run`.
 */
export const DEFERRED_CA_VAR = 'IZA_NODE_EXTRA_CA_CERTS';

/** True when bin/iza moved NODE_EXTRA_CA_CERTS aside for this process. */
export function caDeferred(env: NodeJS.ProcessEnv): boolean {
  return env[DEFERRED_CA_VAR] !== undefined;
}

/** The user's environment as it was before bin/iza moved NODE_EXTRA_CA_CERTS aside. */
export function userEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const deferred = env[DEFERRED_CA_VAR];
  if (deferred === undefined) return env;
  const restored: NodeJS.ProcessEnv = { ...env, NODE_EXTRA_CA_CERTS: deferred };
  delete restored[DEFERRED_CA_VAR];
  return restored;
}

/**
 * Runs `iza [GLOBAL...] pull [--platform P] REF` as a child of this process with the user's
 * environment (so with the CA file), its output on this process's stderr, as docker's run prints
 * a pull. Rejects with ERR_IZA_CLI_PULL_FAILED when it fails; the child printed the reason.
 */
export async function pullInChild(
  env: NodeJS.ProcessEnv,
  globalArgv: readonly string[],
  ref: string,
  platform: string | undefined,
): Promise<void> {
  // process.execArgv keeps the snapshot flag, process.argv[1] is the script (bundle or snapshot
  // entry): the child starts the way this process did, `--` included (bin/iza says why).
  const args = [
    ...process.execArgv,
    '--',
    process.argv[1] ?? '',
    ...globalArgv,
    'pull',
    ...(platform === undefined ? [] : ['--platform', platform]),
    ref,
  ];
  const child = spawn(process.execPath, args, { env: userEnv(env), stdio: ['ignore', 2, 2] });
  const code = await new Promise<number>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (status, signal) => resolve(status ?? (signal === null ? 1 : 128)));
  });
  if (code !== 0) {
    throw new IzaError(PULL_CHILD_FAILED, `pulling ${ref} failed (iza pull exit ${code})`);
  }
}
