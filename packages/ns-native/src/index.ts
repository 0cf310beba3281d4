export type { NativeBinding, NativeConstants, ErrorFactory } from './binding.js';
export { loadBinding, addonCandidates } from './load.js';
export { createSystemError, isSystemError } from './system-error.js';
export type { SystemError } from './system-error.js';
export {
  mount,
  umount2,
  mknod,
  lsetxattr,
  lgetxattr,
  llistxattr,
  lremovexattr,
  flock,
  constants,
} from './fs-ops.js';
