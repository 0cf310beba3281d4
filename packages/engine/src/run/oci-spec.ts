import { isAbsolute, join, posix } from 'node:path';

import type { LinuxResources } from '@iza/cgroups';
import { IzaError } from '@iza/errors';
import { defaultMaskedPaths, defaultReadonlyPaths } from '@iza/ns-native';
import type { SeccompSpec } from '@iza/ns-native';
import { OCI_VERSION } from '@iza/oci-runtime';
import type { OciMount, OciSpec } from '@iza/oci-runtime';

/** What `iza run` decided about one container, before it becomes a config.json. */
export interface RunSpecInput {
  args: string[];
  env: string[];
  cwd: string;
  user: { uid: number; gid: number; additionalGids: number[] };
  tty: boolean;
  capabilities: {
    bounding: string[];
    effective: string[];
    permitted: string[];
    inheritable: string[];
    ambient: string[];
  };
  noNewPrivileges: boolean;
  rootfs: string;
  readonlyRootfs: boolean;
  hostname: string;
  mounts: OciMount[];
  resources?: LinuxResources;
  seccomp?: SeccompSpec;
  cgroupsPath?: string;
}

/**
 * The OCI runtime config docker's defaults give a container (moby's oci.DefaultSpec and
 * daemon/oci_linux.go): new pid, network, mount, uts, ipc and cgroup namespaces, every device
 * denied but the default nodes (runc's list, added by the runtime), /proc and /sys paths masked.
 */
export function ociSpecForRun(input: RunSpecInput): OciSpec {
  return {
    ociVersion: OCI_VERSION,
    process: {
      terminal: input.tty,
      user: input.user,
      args: input.args,
      env: input.env,
      cwd: input.cwd,
      capabilities: input.capabilities,
      noNewPrivileges: input.noNewPrivileges,
    },
    root: { path: input.rootfs, readonly: input.readonlyRootfs },
    hostname: input.hostname,
    mounts: input.mounts,
    linux: {
      namespaces: [
        { type: 'pid' },
        { type: 'network' },
        { type: 'mount' },
        { type: 'uts' },
        { type: 'ipc' },
        { type: 'cgroup' },
      ],
      resources: {
        ...input.resources,
        devices: [{ allow: false, type: 'a', access: 'rwm' }],
      },
      maskedPaths: defaultMaskedPaths(),
      readonlyPaths: defaultReadonlyPaths(),
      ...(input.seccomp === undefined ? {} : { seccomp: input.seccomp }),
      ...(input.cgroupsPath === undefined ? {} : { cgroupsPath: input.cgroupsPath }),
    },
  };
}

/** docker's `--cgroup-parent P`: the container's cgroup is `P/<id>` in every hierarchy. */
export function cgroupsPathFor(parent: string, id: string): string {
  const segments = parent.split('/').slice(1);
  if (!isAbsolute(parent) || segments.some((s) => s === '.' || s === '..')) {
    throw new IzaError(
      'ERR_IZA_RUN_INVALID_OPTION',
      `invalid argument "${parent}" for "--cgroup-parent" flag: not an absolute cgroup path`,
      { hint: 'give a path below the cgroup mount, e.g. /iza-tests' },
    );
  }
  return posix.join(parent, id);
}

/** Where `iza run` keeps its containers' runtime state (the `--root` of iza-runtime). */
export function runtimeRoot(root: string): string {
  return join(root, 'runtime');
}
