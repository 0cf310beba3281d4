import { ContainerSpecError } from './spawn-errors.js';

// Keys that the kernel scopes per namespace, so writing them cannot change the host
// (moby daemon/oci_linux.go and runc libcontainer/configs/validate: sysctl checks).
const ipcKeys = new Set([
  'kernel.msgmax',
  'kernel.msgmnb',
  'kernel.msgmni',
  'kernel.sem',
  'kernel.shmall',
  'kernel.shmmax',
  'kernel.shmmni',
  'kernel.shm_rmid_forced',
]);
const utsKeys = new Set(['kernel.hostname', 'kernel.domainname']);

function namespaceOf(key: string): 'network' | 'ipc' | 'uts' | undefined {
  if (key.startsWith('net.')) return 'network';
  if (ipcKeys.has(key) || key.startsWith('fs.mqueue.')) return 'ipc';
  if (utsKeys.has(key)) return 'uts';
  return undefined;
}

/** Checks each sysctl is namespaced and the container has that namespace; maps it to its file. */
export function planSysctls(
  sysctl: Record<string, string>,
  namespaces: ReadonlySet<string>,
): { key: string; path: string; value: string }[] {
  return Object.entries(sysctl).map(([key, value]) => {
    if (!/^[a-z0-9_-]+(\.[A-Za-z0-9_-]+)+$/.test(key)) {
      throw new ContainerSpecError('ERR_IZA_NATIVE_INVALID_SPEC', `bad sysctl name ${key}`);
    }
    const ns = namespaceOf(key);
    if (ns === undefined || !namespaces.has(ns)) {
      throw new ContainerSpecError(
        'ERR_IZA_NATIVE_SYSCTL_NOT_NAMESPACED',
        `sysctl ${key} is not namespaced${ns ? ` without a ${ns} namespace` : ''}`,
        'only net.*, ipc (kernel.shm*, kernel.msg*, kernel.sem, fs.mqueue.*) and uts keys are allowed',
      );
    }
    if (value.includes('\0')) {
      throw new ContainerSpecError(
        'ERR_IZA_NATIVE_INVALID_SPEC',
        `sysctl ${key} contains a NUL byte`,
      );
    }
    return { key, path: `/proc/sys/${key.replaceAll('.', '/')}`, value };
  });
}
