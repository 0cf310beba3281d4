import { getSystemErrorMap } from 'node:util';

import type { NativeReport } from './binding.js';
import { capabilityNames } from './capabilities.js';
import type { PlanLabels } from './spawn-plan.js';
import { ContainerStartError } from './spawn-errors.js';

interface StageInfo {
  /** Short stage name, e.g. `mount /proc`. */
  stage: string;
  /** What the child was doing, for the message: `mounting /proc`. */
  doing: string;
  syscall: string;
  path?: string;
}

type Describe = (labels: PlanLabels, index: number) => StageInfo;

const at = (list: readonly string[], i: number) => list[i] ?? `#${i}`;

const simple =
  (stage: string, doing: string, syscall: string): Describe =>
  () => ({ stage, doing, syscall });

const perPath =
  (
    verb: string,
    doing: string,
    syscall: string,
    list: (l: PlanLabels) => readonly string[],
  ): Describe =>
  (labels, i) => {
    const path = at(list(labels), i);
    return { stage: `${verb} ${path}`, doing: `${doing} ${path}`, syscall, path };
  };

/** In the order of `enum Stage` in native/src/child.h, which starts at 1. */
const stages: Describe[] = [
  simple('signals', 'resetting signal handlers', 'sigprocmask'),
  perPath('setns', 'joining namespace', 'setns', (l) => l.joins),
  simple('setsid', 'starting a session', 'setsid'),
  (_l, i) => ({ stage: `stdio ${i}`, doing: `setting up fd ${i}`, syscall: 'dup2' }),
  simple('propagation', 'making the mount tree private', 'mount'),
  (l) => ({
    stage: 'bind rootfs',
    doing: `binding rootfs ${l.rootfs}`,
    syscall: 'mount',
    path: l.rootfs,
  }),
  (l) => ({
    stage: 'open rootfs',
    doing: `opening rootfs ${l.rootfs}`,
    syscall: 'open',
    path: l.rootfs,
  }),
  perPath('mount', 'resolving mount target', 'openat2', (l) => l.mounts),
  perPath('mount', 'mounting', 'mount', (l) => l.mounts),
  perPath('mount', 'remounting', 'mount', (l) => l.mounts),
  perPath('mount', 'setting propagation of', 'mount', (l) => l.mounts),
  perPath('device', 'creating device', 'mknod', (l) => l.devices),
  perPath('symlink', 'creating symlink', 'symlink', (l) => l.symlinks),
  simple('sethostname', 'setting the hostname', 'sethostname'),
  simple('loopback', 'bringing up lo', 'ioctl'),
  perPath('sysctl', 'setting sysctl', 'write', (l) => l.sysctls),
  simple('oom_score_adj', 'setting oom_score_adj', 'write'),
  perPath('rlimit', 'setting rlimit', 'setrlimit', (l) => l.rlimits),
  perPath('mask', 'masking', 'mount', (l) => l.masked),
  perPath('readonly', 'making read-only', 'mount', (l) => l.readonly),
  simple('pivot_root', 'pivoting to the rootfs', 'pivot_root'),
  simple('readonly rootfs', 'remounting the rootfs read-only', 'mount'),
  simple('terminal', 'setting up the terminal', 'ioctl'),
  simple('ready', 'reporting ready', 'sendmsg'),
  simple('wait start', 'waiting for start', 'recv'),
  simple('exec fifo', 'opening the exec fifo', 'open'),
  simple('cgroup namespace', 'creating the cgroup namespace', 'unshare'),
  (_l, i) => ({ stage: 'bounding set', doing: `dropping capability ${i}`, syscall: 'prctl' }),
  simple('keepcaps', 'setting keepcaps', 'prctl'),
  simple('setgroups', 'setting supplementary groups', 'setgroups'),
  simple('setgid', 'setting the gid', 'setresgid'),
  simple('setuid', 'setting the uid', 'setresuid'),
  simple('capset', 'setting capabilities', 'capset'),
  (_l, i) => ({ stage: 'ambient', doing: `raising ambient capability ${i}`, syscall: 'prctl' }),
  simple('no_new_privs', 'setting no_new_privs', 'prctl'),
  (l) => ({
    stage: `chdir ${l.cwd}`,
    doing: `changing to ${l.cwd}`,
    syscall: 'chdir',
    path: l.cwd,
  }),
  (l) => ({
    stage: `chdir ${l.cwd}`,
    doing: `checking cwd ${l.cwd}`,
    syscall: 'getcwd',
    path: l.cwd,
  }),
  simple('umask', 'setting the umask', 'umask'),
  simple('close fds', 'closing inherited fds', 'close_range'),
  simple('pdeathsig', 'setting the parent death signal', 'prctl'),
  (l) => ({
    stage: `exec ${l.arg0}`,
    doing: `executing ${l.arg0}`,
    syscall: 'execve',
    path: l.arg0,
  }),
  simple('seccomp', 'loading the seccomp filter', 'seccomp'),
  perPath('hook', 'running createContainer hook', 'execve', (l) => l.createContainerHooks),
  perPath('hook', 'running startContainer hook', 'execve', (l) => l.startContainerHooks),
  simple('user namespace', 'becoming root of the user namespace', 'setresuid'),
  simple('unshare', 'creating namespaces inside the joined user namespace', 'unshare'),
  (_l, i) => {
    const name = capabilityNames[i] ?? `capability ${i}`;
    return {
      stage: 'capabilities',
      doing: `granting ${name} (the runtime lacks it, or the other sets rule it out)`,
      syscall: 'capset',
    };
  },
  (l, i) => {
    const dir = at(l.cgroups, i);
    return { stage: `cgroup ${dir}`, doing: `joining cgroup ${dir}`, syscall: 'write', path: dir };
  },
];

// A hook that ran and failed: ECANCELED with its wait status (native/src/child_hooks.cc).
function hookFailure(status: number): string {
  const signal = status & 0x7f;
  if (signal !== 0) return `was killed by signal ${signal}`;
  return `exited with status ${(status >> 8) & 0xff}`;
}

const errorMap = getSystemErrorMap();

/** The ContainerStartError for an error report of the child. */
export function startErrorFromReport(
  report: NativeReport,
  labels: PlanLabels,
): ContainerStartError {
  const describe = stages[report.stage - 1];
  const info = describe
    ? describe(labels, report.index)
    : {
        stage: `stage ${report.stage}`,
        doing: `container setup stage ${report.stage}`,
        syscall: 'unknown',
      };
  const [code, description] = errorMap.get(-report.errno) ?? [
    `E${report.errno}`,
    `errno ${report.errno}`,
  ];

  const why = report.detail !== 0 ? hookFailure(report.detail) : `${code}: ${description}`;
  // runc's and docker's wording for the commonest mistake, which engines match on.
  const notOnPath =
    info.stage === `exec ${labels.arg0}` && code === 'ENOENT' && !labels.arg0.includes('/');
  return new ContainerStartError({
    stage: info.stage,
    message: notOnPath
      ? `exec: "${labels.arg0}": executable file not found in $PATH`
      : `${info.doing}: ${why}`,
    code,
    errno: -report.errno,
    syscall: info.syscall,
    ...(info.path === undefined ? {} : { path: info.path }),
  });
}

/** The child died before reporting: killed, or out of memory. */
export function startErrorFromDeath(
  stage: string,
  exit: { exitCode: number | null; signal: string | number | null },
) {
  const how =
    exit.signal !== null ? `was killed by signal ${exit.signal}` : `exited with ${exit.exitCode}`;
  return new ContainerStartError({
    stage,
    message: `container process ${how} during ${stage}`,
    code: 'ESRCH',
    errno: -3,
    syscall: 'recvmsg',
  });
}
