/**
 * The raw addon, as C++ registers it (native/src/addon.cc). Arguments are validated by the
 * TypeScript wrappers before they get here; the addon only asserts their types.
 */
export interface NativeConstants {
  MS_RDONLY: number;
  MS_NOSUID: number;
  MS_NODEV: number;
  MS_NOEXEC: number;
  MS_REMOUNT: number;
  MS_BIND: number;
  MS_MOVE: number;
  MS_REC: number;
  MS_PRIVATE: number;
  MS_SLAVE: number;
  MS_SHARED: number;
  MS_UNBINDABLE: number;
  MS_STRICTATIME: number;
  MS_RELATIME: number;
  MS_NOATIME: number;
  MNT_DETACH: number;
  MNT_FORCE: number;
  LOCK_SH: number;
  LOCK_EX: number;
  LOCK_UN: number;
  LOCK_NB: number;
  XATTR_CREATE: number;
  XATTR_REPLACE: number;
  S_IFCHR: number;
  S_IFBLK: number;
  S_IFIFO: number;
}

/** Builds the error thrown for a failed syscall; registered once by the loader. */
export type ErrorFactory = (errno: number, syscall: string, path?: string, dest?: string) => Error;

export interface NativeBinding {
  setErrorFactory(factory: ErrorFactory): void;
  mount(
    source: string | null,
    target: string,
    fstype: string | null,
    flags: number,
    data: string | null,
  ): void;
  umount2(target: string, flags: number): void;
  mknod(path: string, mode: number, major: number, minor: number): void;
  lsetxattr(path: string, name: string, value: Buffer, flags: number): void;
  lgetxattr(path: string, name: string): Buffer | null;
  llistxattr(path: string): string[];
  lremovexattr(path: string, name: string): void;
  flock(fd: number, operation: number): boolean;
  constants: NativeConstants;
}
