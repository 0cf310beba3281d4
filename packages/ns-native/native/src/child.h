// The container child's plan and its report protocol.
//
// The parent converts every JS value into a ChildPlan BEFORE clone(2); the child only reads it.
// After clone the child runs in a copy of one thread of a multithreaded process, so it may make
// raw syscalls only: no malloc, no locks, no exceptions, no N-API (signal-safety(7)).
#pragma once

#include <stdint.h>
#include <sys/types.h>

#include <string>
#include <vector>

namespace iza {

// What the child writes to the report socket: one fixed-size record per message.
// kReportHooks: set up, paused before pivot_root until the parent has run the runtime's hooks.
enum ReportKind : int32_t { kReportReady = 1, kReportError = 2, kReportHooks = 3 };

// Where a failure happened. The TypeScript side (src/stages.ts) maps these ids to names; keep
// both lists in the same order.
enum Stage : int32_t {
  kStageSignals = 1,
  kStageSetns,
  kStageSetsid,
  kStageStdio,
  kStagePropagation,
  kStageRootBind,
  kStageRootOpen,
  kStageMountTarget,
  kStageMount,
  kStageMountRemount,
  kStageMountPropagation,
  kStageDevice,
  kStageSymlink,
  kStageHostname,
  kStageLoopback,
  kStageSysctl,
  kStageOomScoreAdj,
  kStageRlimit,
  kStageMaskedPath,
  kStageReadonlyPath,
  kStagePivotRoot,
  kStageReadonlyRoot,
  kStageTerminal,
  kStageReady,
  kStageWaitStart,
  kStageFifo,
  kStageCgroupNs,
  kStageBounding,
  kStageKeepCaps,
  kStageSetgroups,
  kStageSetgid,
  kStageSetuid,
  kStageCapset,
  kStageAmbient,
  kStageNoNewPrivs,
  kStageChdir,
  kStageCwdCheck,
  kStageUmask,
  kStageCloseFds,
  kStagePdeathSig,
  kStageExec,
  kStageSeccomp,
  kStageCreateContainerHook,
  kStageStartContainerHook,
  kStageUserns,
  kStageUnshare,
  kStageCapCheck,
  kStageCgroupJoin,
};

struct ChildReport {
  int32_t kind;
  int32_t stage;
  int32_t err;     // positive errno
  int32_t index;   // which mount, device, path... the stage refers to; -1 when none
  int32_t detail;  // a hook's wait status when it ran and failed (err is then ECANCELED)
};

enum MountKind : int32_t { kMountFs = 0, kMountBindDir = 1, kMountBindFile = 2 };

struct MountPlan {
  std::string source;  // empty = NULL
  std::string target;  // relative to the rootfs, no leading '/'
  std::string fstype;  // empty = NULL
  std::string data;    // empty = NULL
  unsigned long flags = 0;
  unsigned long propagation = 0;  // MS_SHARED/SLAVE/PRIVATE/UNBINDABLE [| MS_REC], 0 = none
  int32_t kind = kMountFs;
  bool cgroup_ns = false;  // cgroup mounts: made once the child is in its cgroup namespace
};

struct DevicePlan {
  std::string path;       // relative to the rootfs
  std::string host_path;  // bind source when mknod is not permitted
  mode_t mode = 0;
  unsigned major = 0, minor = 0;
  uid_t uid = 0;
  gid_t gid = 0;
};

struct SymlinkPlan {
  std::string target;
  std::string path;  // relative to the rootfs
};

struct SysctlPlan {
  std::string path;  // absolute /proc/sys/... path
  std::string value;
};

struct RlimitPlan {
  int resource = 0;
  uint64_t soft = 0, hard = 0;
};

struct NsJoinPlan {
  int fd = -1;  // opened by the parent, CLOEXEC
  int nstype = 0;
};

// An OCI hook the init runs itself (createContainer, startContainer): execve(path, argv, envp)
// with the state JSON on stdin, killed after timeout_ms (0 = no limit).
struct HookPlan {
  std::string path;
  std::vector<std::string> args, env;
  std::vector<char *> argv, envp;  // point into args/env, NULL-terminated
  int64_t timeout_ms = 0;
};

// The hooks of one point of the lifecycle and what they read: `{"pid":<the init's host pid>`
// followed by state_tail (the rest of the state object, from its first ',').
struct HookList {
  std::vector<HookPlan> hooks;
  std::string state_tail;
};

struct ChildPlan {
  std::string rootfs;
  bool readonly_rootfs = false;
  unsigned long root_propagation = 0;
  std::vector<NsJoinPlan> joins;  // setns by the child, in order (a user namespace first)
  int unshare_flags = 0;          // CLONE_NEW* made by the child after its joins
  int pid_join_fd = -1;           // a pid namespace the parent enters around clone; -1 = none
  // cgroups the child moves itself into, first thing: v1 `tasks` files it writes "0" to (one
  // thread moving itself takes no global lock, where a pid written to cgroup.procs waits for an
  // RCU grace period: 5-15 ms), and the v2 leaf it is born in (clone3 CLONE_INTO_CGROUP) or,
  // when clone3 is refused, whose cgroup.procs it writes "0" to.
  std::vector<std::string> cgroup_tasks;
  int cgroup_fd = -1;                // the v2 leaf, O_PATH; -1 = none
  std::string cgroup_procs;          // that leaf's cgroup.procs
  bool cgroup_procs_needed = false;  // set by the parent when clone3 was refused
  bool no_clone3 = false;            // tests: take the clone(2) path, as where clone3 is refused
  // A new cgroup namespace: made once the parent has placed the child in its cgroups (it sends
  // one byte then), before the first cgroup mount, so that its root is the container's cgroup.
  bool unshare_cgroup = false;
  // The parent runs prestart and createRuntime hooks before pivot_root: the child reports
  // kReportHooks there and waits for one byte.
  bool runtime_hooks = false;
  // A new user namespace: the parent writes these to /proc/<pid>/{uid,gid}_map after clone and
  // then sends one byte; the child waits for it before anything else.
  std::string uid_map, gid_map;

  std::vector<MountPlan> mounts;
  std::vector<DevicePlan> devices;
  std::vector<SymlinkPlan> symlinks;
  std::vector<std::string> masked;    // relative to the rootfs
  std::vector<std::string> readonly;  // relative to the rootfs

  std::string hostname;
  bool set_hostname = false;
  bool loopback = false;
  std::vector<SysctlPlan> sysctls;
  std::string oom_score_adj;  // decimal text, empty = leave
  std::vector<RlimitPlan> rlimits;

  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;
  uint64_t cap_bounding = 0, cap_effective = 0, cap_permitted = 0, cap_inheritable = 0;
  uint64_t cap_ambient = 0;
  int cap_last = 40;
  bool no_new_privs = false;
  mode_t umask = 022;

  // A classic-BPF program (struct sock_filter[]) compiled by compileSeccomp; empty = no filter.
  std::vector<uint8_t> seccomp_program;
  unsigned seccomp_flags = 0;  // SECCOMP_FILTER_FLAG_*

  std::string cwd;
  std::vector<std::string> args, env;
  std::vector<char *> argv, envp;  // point into args/env, NULL-terminated
  std::string path_env;            // the PATH used to resolve args[0] without a '/'
  int stdio[3] = {0, 1, 2};
  bool terminal = false;
  bool pdeath_signal = true;
  std::string start_fifo;     // empty = wait for the start byte on the report socket
  HookList create_container;  // before pivot_root, in the container's namespaces
  HookList start_container;   // after start, before the program's execve

  // Exec mode (runc exec): join an existing container's namespaces and run one more process
  // there; no root, mount, device or hostname setup. See child_join.cc.
  bool join_only = false;

  int report_fd = -1;  // child's end of the report socketpair
};

// Runs in the cloned child; never returns.
[[noreturn]] void ChildMain(const ChildPlan &plan);
// The exec mode's counterpart of ChildMain (plan.join_only); never returns.
[[noreturn]] void JoinMain(const ChildPlan &plan);
// After start: identity, capabilities, seccomp, cwd, then execve (child_exec.cc).
void ChildExec(const ChildPlan &plan);

// Child-side helpers shared by the child's translation units (child_*.cc).
namespace child {

[[noreturn]] void Fail(const ChildPlan &plan, Stage stage, int err, int index = -1, int detail = 0);
void Report(const ChildPlan &plan, ReportKind kind, Stage stage, int err, int index,
            int send_fd = -1, int detail = 0);
int OpenInRoot(int rootfd, const char *path, int flags, int *err);
int ProcFdPath(char *buf, size_t size, int fd);
void SetupMounts(const ChildPlan &plan, int rootfd);
// Unshares the cgroup namespace the plan asks for, once the parent says the child is in its
// cgroups; later calls do nothing.
void EnterCgroupNamespace(const ChildPlan &plan);
// Reads the one byte by which the parent lets the child go past a wait point; exits quietly
// when the parent went away instead.
void WaitForParent(const ChildPlan &plan);
// Fails at stage cap check when capset(2) would refuse the requested sets (checked before
// ready, so that create reports it instead of a container that dies at start unheard).
void CheckCapabilities(const ChildPlan &plan);
void SetupDevices(const ChildPlan &plan, int rootfd);
void SetupMaskedAndReadonly(const ChildPlan &plan, int rootfd);
// Fails at stage exec when argv[0] cannot be found or run (checked before ready in fifo mode).
void CheckExecutable(const ChildPlan &plan);
// Writes the decimal pid of this process as the host sees it into buf; its length, or -1.
int HostPid(const ChildPlan &plan, char *buf, size_t size);
void RunHooks(const ChildPlan &plan, const HookList &list, Stage stage, const char *pid,
              size_t pid_len);
// Steps of ChildMain that JoinMain shares (child_main.cc).
void ResetSignals(const ChildPlan &plan);
void JoinCgroups(const ChildPlan &plan);
void JoinNamespaces(const ChildPlan &plan);
void SetupStdio(const ChildPlan &plan);
void CloseInherited(const ChildPlan &plan);
void SetupProcessEnv(const ChildPlan &plan);
// Blocks until the parent's byte on the report socket (fifo_fd < 0) or until start opens the
// exec fifo; a parent that went away without a byte ends the child.
void WaitForStart(const ChildPlan &plan, int fifo_fd);
// Opens a pty from /dev/ptmx as the process sees it and makes its peer the controlling
// terminal and fds 0-2; returns the master. The peer's fd goes in *slave, still open.
int OpenTerminal(const ChildPlan &plan, int *slave);

}  // namespace child

}  // namespace iza
