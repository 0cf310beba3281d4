/** Stable codes of the errors this package raises itself (system errors carry errno names). */
export type SpecErrorCode =
  | 'ERR_IZA_NATIVE_INVALID_SPEC'
  | 'ERR_IZA_NATIVE_RLIMIT_ABOVE_HARD'
  | 'ERR_IZA_NATIVE_SYSCTL_NOT_NAMESPACED'
  | 'ERR_IZA_NATIVE_UNSUPPORTED'
  | 'ERR_IZA_NATIVE_SECCOMP'
  | 'ERR_IZA_NATIVE_FIFO_TIMEOUT'
  | 'ERR_IZA_NATIVE_START_STATE'
  | 'ERR_IZA_NATIVE_INVALID_USER'
  | 'ERR_IZA_NATIVE_USER_NOT_FOUND'
  | 'ERR_IZA_NATIVE_GROUP_NOT_FOUND';

/** A spec the child could not safely run, found before anything was cloned. */
export class ContainerSpecError extends Error {
  readonly code: SpecErrorCode;
  readonly hint: string | undefined;

  constructor(code: SpecErrorCode, message: string, hint?: string) {
    super(message);
    this.name = 'ContainerSpecError';
    this.code = code;
    this.hint = hint;
  }
}

/**
 * The container child failed before its program ran. `stage` names the step ('mount /proc',
 * 'pivot_root', 'exec /bin/x'); `code`, `errno`, `syscall` and `path` read as a Node system
 * error. For stage `exec`, ENOENT means "not found" (docker exit 127) and EACCES "cannot invoke"
 * (126).
 */
export class ContainerStartError extends Error {
  readonly stage: string;
  readonly code: string;
  /** Negative, as Node's system errors. */
  readonly errno: number;
  readonly syscall: string;
  readonly path: string | undefined;

  constructor(fields: {
    stage: string;
    message: string;
    code: string;
    errno: number;
    syscall: string;
    path?: string;
  }) {
    super(fields.message);
    this.name = 'ContainerStartError';
    this.stage = fields.stage;
    this.code = fields.code;
    this.errno = fields.errno;
    this.syscall = fields.syscall;
    this.path = fields.path;
  }
}
