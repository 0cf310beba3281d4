import { IzaError } from '@iza/errors';

/** Stable error codes of @iza/oci-runtime (listed in the package README). */
export const OciErrorCode = {
  /** config.json is missing, not JSON, or a field has the wrong shape. */
  InvalidConfig: 'ERR_IZA_OCI_INVALID_CONFIG',
  /** config.json asks for something iza-runtime does not implement; the message names it. */
  Unsupported: 'ERR_IZA_OCI_UNSUPPORTED',
  /** A container id that is not one plain name. */
  InvalidId: 'ERR_IZA_OCI_INVALID_ID',
  /** create with an id whose state directory already exists. */
  Exists: 'ERR_IZA_OCI_EXISTS',
  /** No state directory for the id under --root. */
  NotFound: 'ERR_IZA_OCI_NOT_FOUND',
  /** The operation is not valid in the container's current status (start of a running one). */
  BadState: 'ERR_IZA_OCI_BAD_STATE',
  /** A signal name or number that Linux does not have. */
  InvalidSignal: 'ERR_IZA_OCI_INVALID_SIGNAL',
  /** A lifecycle hook failed, timed out or could not be run. */
  HookFailed: 'ERR_IZA_OCI_HOOK_FAILED',
  /**
   * `process.terminal` and `--console-socket` do not go together: a terminal with nowhere to send
   * it, or a console socket without a terminal (runc's rules).
   */
  Terminal: 'ERR_IZA_OCI_TERMINAL',
  /** The pty master could not be sent to the console socket (the cause is the system error). */
  ConsoleSocket: 'ERR_IZA_OCI_CONSOLE_SOCKET',
  /** exec could not run its process (the cause says why: the program, a namespace, a cgroup). */
  ExecFailed: 'ERR_IZA_OCI_EXEC_FAILED',
  /** The container's cgroups could not be frozen, thawed or read (pause, resume, ps). */
  Cgroup: 'ERR_IZA_OCI_CGROUP',
  /** Command line usage: unknown command or flag, missing argument. */
  Usage: 'ERR_IZA_OCI_USAGE',
} as const;

export type OciErrorCodeValue = (typeof OciErrorCode)[keyof typeof OciErrorCode];

/** `field: not supported yet`, the one-line refusal for a config.json field. */
export function unsupported(field: string, why = 'not supported yet', hint?: string): IzaError {
  return new IzaError(
    OciErrorCode.Unsupported,
    `${field}: ${why}`,
    hint === undefined ? {} : { hint },
  );
}

/** A malformed config.json field. */
export function invalidConfig(field: string, why: string): IzaError {
  return new IzaError(OciErrorCode.InvalidConfig, `${field}: ${why}`);
}
