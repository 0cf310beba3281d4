import { execFile } from 'node:child_process';

import { RegistryErrorCode, registryError } from './errors.js';
import type { Credentials } from './credentials.js';

/** Runs `docker-credential-<name> <action>` with `input` on stdin and returns its stdout. */
export type CredentialHelperRunner = (
  name: string,
  action: 'get' | 'store' | 'erase',
  input: string,
) => Promise<string>;

const HELPER_NAME = /^[A-Za-z0-9_.-]+$/;

/**
 * The default runner: executes the helper from PATH (no shell), with a 30 s limit, the way the
 * docker CLI does (`docker/docker-credential-helpers:client/client.go`).
 */
export function execCredentialHelper(env?: NodeJS.ProcessEnv): CredentialHelperRunner {
  return (name, action, input) =>
    new Promise((resolve, reject) => {
      if (!HELPER_NAME.test(name)) {
        reject(
          registryError(
            RegistryErrorCode.Credentials,
            `invalid credential helper name "${name.slice(0, 40)}"`,
          ),
        );
        return;
      }
      const child = execFile(
        `docker-credential-${name}`,
        [action],
        { timeout: 30_000, maxBuffer: 1024 * 1024, ...(env === undefined ? {} : { env }) },
        (err, stdout) => {
          if (err === null) return resolve(stdout);
          // The helper protocol reports "credentials not found" on stdout with a failing status.
          const out = String(stdout).trim();
          reject(Object.assign(new Error(out || err.message), { helperOutput: out, cause: err }));
        },
      );
      child.stdin?.end(input);
    });
}

/** Asks a helper for credentials; undefined when it has none for `serverUrl`. */
export async function helperGet(
  run: CredentialHelperRunner,
  name: string,
  serverUrl: string,
): Promise<Credentials | undefined> {
  let out: string;
  try {
    out = await run(name, 'get', serverUrl);
  } catch (err) {
    if (/credentials not found/i.test((err as { helperOutput?: string }).helperOutput ?? ''))
      return undefined;
    throw helperFailure(name, 'get', err);
  }
  let json: { Username?: unknown; Secret?: unknown };
  try {
    json = JSON.parse(out) as typeof json;
  } catch (err) {
    throw helperFailure(name, 'get', err);
  }
  if (typeof json.Username !== 'string' || typeof json.Secret !== 'string' || json.Secret === '')
    return undefined;
  return { username: json.Username, password: json.Secret };
}

/** Stores credentials through a helper. */
export async function helperStore(
  run: CredentialHelperRunner,
  name: string,
  serverUrl: string,
  creds: Credentials,
): Promise<void> {
  const input = JSON.stringify({
    ServerURL: serverUrl,
    Username: creds.username,
    Secret: creds.password,
  });
  await run(name, 'store', input).catch((err: unknown) => {
    throw helperFailure(name, 'store', err);
  });
}

/** Erases credentials through a helper; false when it had none. */
export async function helperErase(
  run: CredentialHelperRunner,
  name: string,
  serverUrl: string,
): Promise<boolean> {
  try {
    await run(name, 'erase', serverUrl);
    return true;
  } catch (err) {
    if (/credentials not found/i.test((err as { helperOutput?: string }).helperOutput ?? ''))
      return false;
    throw helperFailure(name, 'erase', err);
  }
}

function helperFailure(name: string, action: string, cause: unknown): Error {
  const missing = (cause as { cause?: { code?: unknown } }).cause?.code === 'ENOENT';
  const why = missing ? 'is not installed' : 'failed';
  // The helper's own output is not shown: a broken helper may echo the secret it was given.
  return registryError(
    RegistryErrorCode.Credentials,
    `credential helper docker-credential-${name} ${action} ${why}`,
    {
      hint: missing
        ? `install docker-credential-${name} or remove it from credsStore/credHelpers in the docker config`
        : `run \`docker-credential-${name} ${action}\` by hand to see why`,
    },
  );
}
