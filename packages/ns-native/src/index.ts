export type {
  NativeBinding,
  NativeConstants,
  ErrorFactory,
  NativeSpawnPlan,
  NativeMountPlan,
  NativeDevicePlan,
  NativeReport,
  NativeSpawnConstants,
  NativeSeccompFilter,
  NativeHookPlan,
} from './binding.js';
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
export type {
  ContainerProcessSpec,
  NamespaceSpec,
  MountSpec,
  DeviceSpec,
  ContainerUser,
  CapabilitySets,
  RlimitSpec,
  StartMode,
  Propagation,
  HookSpec,
  IdMapping,
  InitHooksSpec,
} from './container-spec.js';
export { createContainerProcess, ContainerProcess, nodeSpawnHost } from './container-process.js';
export type { ContainerExit } from './container-process.js';
export { createExecProcess } from './exec-process.js';
export type { ExecProcessOptions } from './exec-process.js';
export { buildExecPlan } from './exec-plan.js';
export type { ExecProcessSpec } from './exec-plan.js';
export { ContainerStartError, ContainerSpecError } from './spawn-errors.js';
export type { SpecErrorCode } from './spawn-errors.js';
export { buildSpawnPlan, rlimitNumber } from './spawn-plan.js';
export type { CgroupSelfPlacement, SpawnHost, PlanLabels } from './spawn-plan.js';
export { parseMountOptions, propagationFlags, MountFlags } from './mount-options.js';
export type { ParsedMountOptions } from './mount-options.js';
export {
  defaultMounts,
  defaultMaskedPaths,
  defaultReadonlyPaths,
  defaultDevices,
  defaultPath,
} from './defaults.js';
export type { DefaultMountsOptions } from './defaults.js';
export {
  capabilityNames,
  capabilityNumber,
  defaultCapabilities,
  defaultCapabilityNames,
} from './capabilities.js';
export { startContainerByFifo } from './fifo.js';
export { openPty, setOutputProcessing, setWindowSize } from './pty.js';
export type { Pty } from './pty.js';
export { sendFd, SEND_FD_NAME_MAX } from './send-fd.js';
export { namespacesAvailable } from './namespaces.js';
export type { NamespaceKind } from './namespaces.js';
export { resolveUser, parsePasswd, parseGroup } from './user.js';
export type { ResolvedUser } from './user.js';
export { compileSeccomp, seccompFilterPlan } from './seccomp.js';
export type {
  SeccompSpec,
  SeccompSyscall,
  SeccompArg,
  SeccompAction,
  SeccompOperator,
  CompiledSeccomp,
  CompileSeccompOptions,
} from './seccomp.js';
export { defaultSeccompProfile } from './seccomp-default.js';
export { assembleDeviceFilter, attachDeviceFilter } from './device-filter.js';
export type { DeviceRule } from './device-filter.js';
export type { DefaultSeccompOptions } from './seccomp-default.js';
