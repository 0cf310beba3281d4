import { defaultCapabilityNames } from './capabilities.js';
import type { SeccompSpec, SeccompSyscall } from './seccomp.js';

/**
 * iza's default seccomp profile, with the behaviour of docker's (moby profiles/seccomp): an
 * allowlist, everything else failing with EPERM; syscalls that need a capability allowed only
 * when the container has it; namespace-creating clone flags refused without CAP_SYS_ADMIN;
 * clone3 answered with ENOSYS so that libcs fall back to clone, whose flags can be checked.
 * Written from the syscall tables and docker's documented policy ("Seccomp security profiles
 * for Docker"), not from its file. Names an architecture lacks are skipped when compiling.
 */

// Files, fds, polling, memory, processes, signals, time, sockets and System V / POSIX IPC:
// everything an ordinary program does, on any of the architectures below.
// prettier-ignore
const base = [
  // files and directories
  'access', 'faccessat', 'faccessat2', 'chdir', 'fchdir', 'chmod', 'fchmod', 'fchmodat',
  'fchmodat2', 'chown', 'chown32', 'fchown', 'fchown32', 'fchownat', 'lchown', 'lchown32',
  'creat', 'open', 'openat', 'openat2', 'close', 'close_range', 'dup', 'dup2', 'dup3',
  'fcntl', 'fcntl64', 'flock', 'fadvise64', 'fadvise64_64', 'arm_fadvise64_64', 'fallocate',
  'fsync', 'fdatasync', 'sync', 'syncfs', 'sync_file_range', 'sync_file_range2',
  'arm_sync_file_range', 'truncate', 'truncate64', 'ftruncate', 'ftruncate64', 'getcwd',
  'getdents', 'getdents64', 'link', 'linkat', 'symlink', 'symlinkat', 'readlink', 'readlinkat',
  'mkdir', 'mkdirat', 'mknod', 'mknodat', 'rename', 'renameat', 'renameat2', 'rmdir', 'unlink',
  'unlinkat', 'stat', 'stat64', 'lstat', 'lstat64', 'fstat', 'fstat64', 'newfstatat',
  'fstatat64', 'statx', 'statfs', 'statfs64', 'fstatfs', 'fstatfs64', 'umask', 'utime',
  'utimes', 'utimensat', 'utimensat_time64', 'futimesat', 'getxattr', 'lgetxattr', 'fgetxattr',
  'setxattr', 'lsetxattr', 'fsetxattr', 'listxattr', 'llistxattr', 'flistxattr', 'removexattr',
  'lremovexattr', 'fremovexattr', 'inotify_init', 'inotify_init1', 'inotify_add_watch',
  'inotify_rm_watch', 'fanotify_mark', 'memfd_create', 'ioctl',
  // reading and writing
  'read', 'readv', 'pread64', 'preadv', 'preadv2', 'write', 'writev', 'pwrite64', 'pwritev',
  'pwritev2', 'lseek', '_llseek', 'sendfile', 'sendfile64', 'splice', 'tee', 'vmsplice',
  'copy_file_range', 'readahead', 'pipe', 'pipe2', 'io_setup', 'io_destroy', 'io_submit',
  'io_cancel', 'io_getevents', 'io_pgetevents', 'io_pgetevents_time64', 'ioprio_get',
  'ioprio_set',
  // waiting on fds
  'select', '_newselect', 'pselect6', 'pselect6_time64', 'poll', 'ppoll', 'ppoll_time64',
  'epoll_create', 'epoll_create1', 'epoll_ctl', 'epoll_ctl_old', 'epoll_wait', 'epoll_wait_old',
  'epoll_pwait', 'epoll_pwait2', 'eventfd', 'eventfd2', 'signalfd', 'signalfd4',
  'timerfd_create', 'timerfd_gettime', 'timerfd_gettime64', 'timerfd_settime',
  'timerfd_settime64',
  // memory
  'brk', 'mmap', 'mmap2', 'munmap', 'mremap', 'mprotect', 'madvise', 'mincore', 'msync',
  'mlock', 'mlock2', 'mlockall', 'munlock', 'munlockall', 'remap_file_pages', 'membarrier',
  'pkey_alloc', 'pkey_free', 'pkey_mprotect',
  // processes and threads
  'fork', 'vfork', 'execve', 'execveat', 'exit', 'exit_group', 'wait4', 'waitid', 'waitpid',
  'getpid', 'getppid', 'gettid', 'getpgid', 'getpgrp', 'setpgid', 'getsid', 'setsid',
  'set_tid_address', 'set_robust_list', 'get_robust_list', 'rseq', 'futex', 'futex_time64',
  'futex_waitv', 'restart_syscall', 'sched_yield', 'sched_getaffinity', 'sched_setaffinity',
  'sched_getparam', 'sched_setparam', 'sched_getscheduler', 'sched_setscheduler',
  'sched_get_priority_max', 'sched_get_priority_min', 'sched_rr_get_interval',
  'sched_rr_get_interval_time64', 'sched_getattr', 'sched_setattr', 'getcpu', 'getpriority',
  'setpriority', 'getrlimit', 'ugetrlimit', 'setrlimit', 'prlimit64', 'getrusage', 'times',
  'prctl', 'capget', 'capset', 'uname', 'sysinfo', 'getrandom', 'seccomp', 'pidfd_open',
  'pidfd_send_signal', 'landlock_create_ruleset', 'landlock_add_rule', 'landlock_restrict_self',
  // credentials (bounded by the capabilities the process holds)
  'getuid', 'getuid32', 'geteuid', 'geteuid32', 'getgid', 'getgid32', 'getegid', 'getegid32',
  'getresuid', 'getresuid32', 'getresgid', 'getresgid32', 'getgroups', 'getgroups32', 'setuid',
  'setuid32', 'setgid', 'setgid32', 'setreuid', 'setreuid32', 'setregid', 'setregid32',
  'setresuid', 'setresuid32', 'setresgid', 'setresgid32', 'setgroups', 'setgroups32',
  'setfsuid', 'setfsuid32', 'setfsgid', 'setfsgid32',
  // signals
  'kill', 'tkill', 'tgkill', 'rt_sigaction', 'rt_sigprocmask', 'rt_sigreturn', 'rt_sigsuspend',
  'rt_sigpending', 'rt_sigtimedwait', 'rt_sigtimedwait_time64', 'rt_sigqueueinfo',
  'rt_tgsigqueueinfo', 'sigaction', 'sigprocmask', 'sigreturn', 'sigsuspend', 'sigpending',
  'sigaltstack', 'signal', 'pause', 'alarm',
  // time (reading it; setting the clock needs CAP_SYS_TIME below)
  'clock_gettime', 'clock_gettime64', 'clock_getres', 'clock_getres_time64', 'clock_nanosleep',
  'clock_nanosleep_time64', 'nanosleep', 'gettimeofday', 'time', 'getitimer', 'setitimer',
  'timer_create', 'timer_delete', 'timer_getoverrun', 'timer_gettime', 'timer_gettime64',
  'timer_settime', 'timer_settime64',
  // sockets (`socket` itself is below: no AF_VSOCK)
  'socketpair', 'bind', 'listen', 'accept', 'accept4', 'connect', 'getsockname', 'getpeername',
  'getsockopt', 'setsockopt', 'send', 'sendto', 'sendmsg', 'sendmmsg', 'recv', 'recvfrom',
  'recvmsg', 'recvmmsg', 'recvmmsg_time64', 'shutdown', 'socketcall',
  // IPC, namespaced by the container's ipc namespace
  'msgget', 'msgsnd', 'msgrcv', 'msgctl', 'semget', 'semop', 'semtimedop', 'semtimedop_time64',
  'semctl', 'shmget', 'shmat', 'shmdt', 'shmctl', 'ipc', 'mq_open', 'mq_unlink', 'mq_timedsend',
  'mq_timedsend_time64', 'mq_timedreceive', 'mq_timedreceive_time64', 'mq_notify',
  'mq_getsetattr',
  // debugging one's own processes: safe since Linux 4.8 (seccomp checks after ptrace)
  'ptrace', 'kcmp', 'process_vm_readv', 'process_vm_writev', 'pidfd_getfd', 'process_madvise',
  // architecture specifics
  'arch_prctl', 'modify_ldt', 'set_thread_area', 'get_thread_area', 'breakpoint', 'cacheflush',
  'set_tls', 'riscv_flush_icache',
];

// What a capability adds. The kernel checks the capability too: these rules only keep the
// syscalls away from containers that could not use them anyway, shrinking the attack surface.
// prettier-ignore
const byCapability: Record<string, string[]> = {
  CAP_SYS_ADMIN: [
    'bpf', 'clone3', 'fanotify_init', 'fsconfig', 'fsmount', 'fsopen', 'fspick', 'lookup_dcookie',
    'mount', 'mount_setattr', 'move_mount', 'name_to_handle_at', 'open_tree', 'perf_event_open',
    'pivot_root', 'quotactl', 'quotactl_fd', 'setdomainname', 'sethostname', 'setns', 'syslog',
    'umount', 'umount2', 'unshare',
  ],
  CAP_SYS_BOOT: ['reboot'],
  CAP_SYS_CHROOT: ['chroot'],
  CAP_SYS_MODULE: ['init_module', 'finit_module', 'delete_module'],
  CAP_SYS_PACCT: ['acct'],
  CAP_SYS_RAWIO: ['iopl', 'ioperm'],
  CAP_SYS_TIME: ['settimeofday', 'stime', 'clock_settime', 'clock_settime64', 'adjtimex',
    'clock_adjtime', 'clock_adjtime64'],
  CAP_SYS_TTY_CONFIG: ['vhangup'],
  CAP_SYS_NICE: ['get_mempolicy', 'set_mempolicy', 'set_mempolicy_home_node', 'mbind',
    'move_pages'],
  CAP_SYSLOG: ['syslog'],
  CAP_DAC_READ_SEARCH: ['open_by_handle_at'],
  CAP_BPF: ['bpf'],
  CAP_PERFMON: ['perf_event_open'],
};

// CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID |
// CLONE_NEWNET (linux/sched.h).
const NAMESPACE_FLAGS = 0x7e020000;
const ENOSYS = 38;
// personality(2) personas a container may switch to: PER_LINUX, UNAME26, PER_LINUX32,
// UNAME26|PER_LINUX32, and 0xffffffff, which only queries.
const PERSONAS = [0x0, 0x8, 0x20000, 0x20008, 0xffffffff];
// AF_VSOCK (linux/socket.h): talks to the hypervisor, outside any network namespace.
const AF_VSOCK = 40;

const architecturesOf: Record<string, string[]> = {
  // x32 left out: kernels ship with it off (syscall.x32=n), and each architecture costs compile time.
  x64: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86'],
  ia32: ['SCMP_ARCH_X86'],
  arm64: ['SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM'],
  arm: ['SCMP_ARCH_ARM'],
  riscv64: ['SCMP_ARCH_RISCV64'],
  ppc64: ['SCMP_ARCH_PPC64LE'],
  s390x: ['SCMP_ARCH_S390X', 'SCMP_ARCH_S390'],
};

export interface DefaultSeccompOptions {
  /** The container's bounding set (names); default docker's 14 (`defaultCapabilityNames()`). */
  capabilities?: readonly string[];
  /** Node's `process.arch` of the host; default this process's. */
  arch?: string;
}

/** Docker's default policy as an OCI seccomp object for a container with `capabilities`. */
export function defaultSeccompProfile(options: DefaultSeccompOptions = {}): SeccompSpec {
  const caps = new Set(options.capabilities ?? defaultCapabilityNames());
  const allowed = new Set(base);
  for (const [cap, names] of Object.entries(byCapability)) {
    if (caps.has(cap)) for (const name of names) allowed.add(name);
  }

  const syscalls: SeccompSyscall[] = [
    { names: [...allowed].sort(), action: 'SCMP_ACT_ALLOW' },
    ...PERSONAS.map((value): SeccompSyscall => ({
      names: ['personality'],
      action: 'SCMP_ACT_ALLOW',
      args: [{ index: 0, value, op: 'SCMP_CMP_EQ' }],
    })),
    {
      names: ['socket'],
      action: 'SCMP_ACT_ALLOW',
      args: [{ index: 0, value: AF_VSOCK, op: 'SCMP_CMP_NE' }],
    },
  ];
  if (!caps.has('CAP_SYS_ADMIN')) {
    syscalls.push(
      {
        names: ['clone'],
        action: 'SCMP_ACT_ALLOW',
        args: [{ index: 0, value: NAMESPACE_FLAGS, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }],
      },
      // glibc ≥ 2.34 tries clone3 first and falls back to clone on ENOSYS; clone3's flags sit
      // in memory, where a filter cannot read them.
      { names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: ENOSYS },
    );
  } else {
    syscalls.push({ names: ['clone'], action: 'SCMP_ACT_ALLOW' });
  }

  return {
    defaultAction: 'SCMP_ACT_ERRNO',
    defaultErrnoRet: 1,
    architectures: architecturesOf[options.arch ?? process.arch] ?? [],
    syscalls,
  };
}
