/** Stable error codes of @iza/cgroups (listed in the package README). */
export const CgroupErrorCode = {
  /** A docker-style or OCI limit is out of range or malformed. */
  InvalidLimit: 'ERR_IZA_CGROUPS_INVALID_LIMIT',
  /** A limit needs a controller that is not mounted, not enabled or not writable here. */
  ControllerUnavailable: 'ERR_IZA_CGROUPS_CONTROLLER_UNAVAILABLE',
  /** /proc/self/mountinfo or /proc/self/cgroup could not be read or made sense of. */
  DetectFailed: 'ERR_IZA_CGROUPS_DETECT_FAILED',
  /** A cgroup name or parent path is not a plain relative name / absolute path. */
  InvalidName: 'ERR_IZA_CGROUPS_INVALID_NAME',
  /** v2: controllers cannot be delegated because iza's cgroup holds other processes. */
  NoDelegation: 'ERR_IZA_CGROUPS_NO_DELEGATION',
  /** Creating a cgroup directory or writing one of its files failed. */
  WriteFailed: 'ERR_IZA_CGROUPS_WRITE_FAILED',
  /** destroy() timed out while processes drained (EBUSY). */
  DestroyFailed: 'ERR_IZA_CGROUPS_DESTROY_FAILED',
} as const;
