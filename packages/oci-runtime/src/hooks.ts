import { spawn } from 'node:child_process';
import { isAbsolute } from 'node:path';

import { IzaError } from '@iza/errors';

import { invalidConfig, OciErrorCode } from './errors.js';
import type { OciHook, OciHooks } from './oci-config.js';

/** Every hook list of runtime-spec config.md, in lifecycle order; iza-runtime runs them all. */
export const HOOK_KINDS = [
  'prestart',
  'createRuntime',
  'createContainer',
  'startContainer',
  'poststart',
  'poststop',
] as const;

/**
 * The hooks of a config, each list in config order. createContainer and startContainer run in
 * the container's init (@iza/ns-native), the others in the runtime (runHooks).
 */
export interface Hooks {
  prestart: OciHook[];
  createRuntime: OciHook[];
  createContainer: OciHook[];
  startContainer: OciHook[];
  poststart: OciHook[];
  poststop: OciHook[];
}

const STDERR_CAP = 4096;

function checkHook(hook: OciHook, field: string): OciHook {
  if (typeof hook.path !== 'string' || !isAbsolute(hook.path)) {
    throw invalidConfig(`${field}.path`, 'must be an absolute path');
  }
  if (hook.timeout !== undefined && !(Number.isInteger(hook.timeout) && hook.timeout > 0)) {
    throw invalidConfig(`${field}.timeout`, 'must be a positive number of seconds');
  }
  return hook;
}

/** Validates config.json `hooks`. */
export function normalizeHooks(hooks: OciHooks | undefined): Hooks {
  const h = hooks ?? {};
  const list = (name: keyof Hooks) =>
    (h[name] ?? []).map((hook, i) => checkHook(hook, `hooks.${name}[${i}]`));
  return {
    prestart: list('prestart'),
    createRuntime: list('createRuntime'),
    createContainer: list('createContainer'),
    startContainer: list('startContainer'),
    poststart: list('poststart'),
    poststop: list('poststop'),
  };
}

/**
 * Runs one hook with the state JSON on stdin (config.md "POSIX-platform Hooks"): `args[0]` is
 * its argv[0], `env` its whole environment. Rejects with ERR_IZA_OCI_HOOK_FAILED on a non-zero
 * exit, a signal, or the timeout (the hook is then SIGKILLed).
 */
export function runHook(hook: OciHook, stateJson: string, name: string): Promise<void> {
  const [argv0, ...rest] = hook.args ?? [hook.path];
  const failed = (why: string, cause?: unknown) =>
    new IzaError(
      OciErrorCode.HookFailed,
      `${name} hook ${hook.path} ${why}`,
      cause === undefined ? {} : { cause },
    );

  return new Promise((resolvePromise, reject) => {
    const child = spawn(hook.path, rest, {
      argv0: argv0 ?? hook.path,
      env: Object.fromEntries(
        (hook.env ?? []).map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]),
      ),
      stdio: ['pipe', 'ignore', 'pipe'],
    });
    let stderr = '';
    let timedOut = false;
    const timer =
      hook.timeout === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            child.kill('SIGKILL');
          }, hook.timeout * 1000);

    child.stderr.on('data', (chunk: Buffer) => {
      if (stderr.length < STDERR_CAP)
        stderr += chunk.toString('utf8').slice(0, STDERR_CAP - stderr.length);
    });
    // A hook that does not read its stdin closes the pipe: EPIPE is not the hook's failure.
    child.stdin.on('error', () => undefined);
    child.stdin.end(stateJson);

    child.on('error', (err) => {
      clearTimeout(timer);
      reject(failed('could not be run', err));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const detail = stderr.trim().split('\n')[0] ?? '';
      const suffix = detail === '' ? '' : `: ${detail}`;
      if (timedOut) reject(failed(`timed out after ${hook.timeout}s`));
      else if (signal !== null) reject(failed(`was killed by ${signal}${suffix}`));
      else if (code !== 0) reject(failed(`exited with status ${code}${suffix}`));
      else resolvePromise();
    });
  });
}

/** Runs `hooks` in order, stopping at the first failure. */
export async function runHooks(
  hooks: readonly OciHook[],
  stateJson: string,
  name: string,
): Promise<void> {
  for (const hook of hooks) await runHook(hook, stateJson, name);
}

/**
 * Runs every one of `hooks` in order, reporting each failure to `onWarning` and going on: a
 * failing poststart or poststop hook is a warning, after which "the remaining hooks and
 * lifecycle continue as if the hook had succeeded" (runtime-spec runtime.md, Lifecycle).
 */
export async function runHooksWarning(
  hooks: readonly OciHook[],
  stateJson: string,
  name: string,
  onWarning: ((message: string) => void) | undefined,
): Promise<void> {
  for (const hook of hooks) {
    await runHook(hook, stateJson, name).catch((err: Error) => onWarning?.(err.message));
  }
}
