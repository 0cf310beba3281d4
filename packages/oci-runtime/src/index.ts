export { createContainer, createContainerFromSpec } from './create.js';
export type { CreateOptions, CreatedContainer } from './create.js';
export { containerState, startContainer, killContainer, deleteContainer } from './operations.js';
export type { ContainerRef, InProcess, WarningSink } from './operations.js';
export { runContainer } from './run.js';
export { execContainer } from './exec.js';
export type { ExecOptions, ExecResult } from './exec.js';
export { processFromFlags, readProcessFile, execProcessSpec } from './exec-request.js';
export type { ExecFlags } from './exec-request.js';
export { pauseContainer, resumeContainer } from './pause.js';
export { containerPids, containerPsTable } from './ps.js';
export { updateContainer, updateResources } from './update.js';
export { attachTerminal } from './attach-terminal.js';
export type { AttachedTerminal, TerminalIO } from './attach-terminal.js';
export { checkTerminalRequest, sendTerminal } from './console-socket.js';
export type { TerminalRequest } from './console-socket.js';
export { features, defaultSpec, OCI_VERSION } from './features.js';
export { mapOciConfig } from './map-config.js';
export type { MappedContainer } from './map-config.js';
export { cgroupPlacement } from './container-cgroup.js';
export type { CgroupPlacement } from './container-cgroup.js';
export { parseSignal } from './signals.js';
export { DEFAULT_ROOT, checkContainerId } from './state-store.js';
export type { StoredState } from './state-store.js';
export type { ContainerStatus, OciState } from './status.js';
export type { Hooks } from './hooks.js';
export { OciErrorCode } from './errors.js';
export type {
  OciSpec,
  OciProcess,
  OciMount,
  OciHook,
  OciHooks,
  OciLinux,
  OciResources,
  OciDeviceRule,
  OciLinuxDevice,
} from './oci-config.js';
