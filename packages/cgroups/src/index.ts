export { detectCgroupLayout } from './detect.js';
export type { DetectOptions } from './detect.js';
export type { CgroupLayout, ControllerPlacement, UnifiedMount } from './layout.js';
export { createCgroupManager } from './manager.js';
export type { CgroupManager, CgroupManagerOptions, CreateCgroupOptions } from './manager.js';
export type { Cgroup } from './cgroup.js';
export type { LinuxResources, CgroupStats } from './resources.js';
export { requiredControllers } from './resources.js';
export { removeStaleCgroups } from './stale.js';
export { updateCgroup } from './update.js';
export type { UpdateCgroupOptions } from './update.js';
export { nodeCgroupFs } from './cgroup-fs.js';
export type { CgroupFs } from './cgroup-fs.js';
export { sharesToWeight } from './v2/cpu-weight.js';
export { v2LimitWrites } from './v2/limits-v2.js';
export type { LimitWrite } from './limit-write.js';
export { v1LimitWrites } from './v1/limits-v1.js';
export {
  parseMemorySize,
  parseCpus,
  parseCpuset,
  isNoCpuLimit,
  CPU_PERIOD,
} from './docker/parse-limits.js';
export { buildResources, MIN_MEMORY } from './docker/build-resources.js';
export type { DockerResourceFlags } from './docker/build-resources.js';
export { CgroupErrorCode } from './errors.js';
