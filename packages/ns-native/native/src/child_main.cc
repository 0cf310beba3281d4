// Child side: the setup sequence from clone(2) to the wait for start, in order.
// Async-signal-safe code only (see child.h); every failure goes through Fail.
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

#include "child.h"

namespace iza {

namespace child {

void Report(const ChildPlan &plan, ReportKind kind, Stage stage, int err, int index, int send_fd,
            int detail) {
  ChildReport r = {kind, stage, err, index, detail};
  struct iovec iov = {&r, sizeof r};
  struct msghdr msg = {};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;

  // SCM_RIGHTS carries the pty master to the parent with the ready report (unix(7)).
  alignas(struct cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  if (send_fd >= 0) {
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    *reinterpret_cast<int *>(CMSG_DATA(c)) = send_fd;
  }

  while (sendmsg(plan.report_fd, &msg, MSG_NOSIGNAL) < 0 && errno == EINTR) {
  }
}

void Fail(const ChildPlan &plan, Stage stage, int err, int index, int detail) {
  Report(plan, kReportError, stage, err, index, -1, detail);
  _exit(127);
}

void WaitForParent(const ChildPlan &plan) {
  char byte;
  ssize_t n;
  do {
    n = recv(plan.report_fd, &byte, 1, 0);
  } while (n < 0 && errno == EINTR);
  if (n <= 0)
    _exit(127);  // the parent gave up on us (a failed placement, a failed hook) and went away
}

// The child's own copy of the flag: clone(2) without CLONE_VM, so the parent never sees it.
static bool in_cgroup_namespace = false;

void EnterCgroupNamespace(const ChildPlan &plan) {
  if (!plan.unshare_cgroup || in_cgroup_namespace)
    return;
  WaitForParent(plan);
  if (unshare(CLONE_NEWCGROUP) < 0)
    Fail(plan, kStageCgroupNs, errno);
  in_cgroup_namespace = true;
}

}  // namespace child

using child::Fail;

// Into the container's cgroups before anything else, so that everything the init does and
// starts is accounted there. Writing "0" moves the calling thread, all of this process.
static void write_zero(const ChildPlan &plan, const char *path, int index) {
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    Fail(plan, kStageCgroupJoin, errno, index);
  ssize_t n;
  do {
    n = write(fd, "0", 1);
  } while (n < 0 && errno == EINTR);
  int err = errno;
  close(fd);
  if (n < 0)
    Fail(plan, kStageCgroupJoin, err, index);
}

static void join_cgroups(const ChildPlan &plan) {
  for (size_t i = 0; i < plan.cgroup_tasks.size(); i++)
    write_zero(plan, plan.cgroup_tasks[i].c_str(), static_cast<int>(i));
  if (plan.cgroup_procs_needed)
    write_zero(plan, plan.cgroup_procs.c_str(), static_cast<int>(plan.cgroup_tasks.size()));
}

// The parent blocked every signal around clone; handlers it installed are meaningless here.
static void reset_signals(const ChildPlan &plan) {
  struct sigaction dfl = {};
  dfl.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; sig++) {
    if (sig == SIGKILL || sig == SIGSTOP)
      continue;
    sigaction(sig, &dfl, nullptr);  // EINVAL for libc-reserved signals: nothing to reset
  }

  sigset_t none;
  sigemptyset(&none);
  if (sigprocmask(SIG_SETMASK, &none, nullptr) < 0)
    Fail(plan, kStageSignals, errno);
}

// A joined user namespace comes first, so that the namespaces made after it belong to it: the
// child holds every capability there and none over namespaces the host's clone(2) made.
static void join_namespaces(const ChildPlan &plan) {
  for (size_t i = 0; i < plan.joins.size(); i++) {
    if (setns(plan.joins[i].fd, plan.joins[i].nstype) < 0)
      Fail(plan, kStageSetns, errno, static_cast<int>(i));
  }

  if (plan.unshare_flags != 0 && unshare(plan.unshare_flags) < 0)
    Fail(plan, kStageUnshare, errno);
}

// Moves the caller's fds onto 0-2. Going through fds >= 10 first makes any overlap between the
// sources and 0-2 harmless; dup2 leaves FD_CLOEXEC clear on the new fd, which Node had set.
static void setup_stdio(const ChildPlan &plan) {
  int tmp[3];
  for (int i = 0; i < 3; i++) {
    tmp[i] = fcntl(plan.stdio[i], F_DUPFD_CLOEXEC, 10);
    if (tmp[i] < 0)
      Fail(plan, kStageStdio, errno, i);
  }
  for (int i = 0; i < 3; i++) {
    if (dup2(tmp[i], i) < 0)
      Fail(plan, kStageStdio, errno, i);
    close(tmp[i]);
  }
}

// The copy of the parent's fd table includes the parent's end of our report socket (which would
// hide the parent's death from wait_for_start) and other containers' sockets: keep only ours.
static void close_inherited(const ChildPlan &plan) {
  unsigned fd = static_cast<unsigned>(plan.report_fd);
  if (fd > 3 && syscall(SYS_close_range, 3U, fd - 1, 0U) < 0)
    Fail(plan, kStageCloseFds, errno);
  if (syscall(SYS_close_range, fd + 1, ~0U, 0U) < 0)
    Fail(plan, kStageCloseFds, errno);
}

// The mount the rootfs lives on must not be shared: pivot_root(2) refuses a shared parent
// (EINVAL), and the bind below would propagate to the host's peers. mount(2) on a path that is
// no mount point is EINVAL: walk up to the one that is, as runc does. Private, or slave when a
// slave root was asked for (the host's later mounts then still reach the container).
static void make_rootfs_parent_private(const ChildPlan &plan) {
  char path[4096];
  size_t len = plan.rootfs.size();
  if (len >= sizeof path)
    Fail(plan, kStagePropagation, ENAMETOOLONG);
  for (size_t i = 0; i <= len; i++) path[i] = plan.rootfs.c_str()[i];

  unsigned long flags = (plan.root_propagation & MS_SLAVE) ? MS_SLAVE : MS_PRIVATE;
  for (;;) {
    if (mount(nullptr, path, nullptr, flags, nullptr) == 0)
      return;
    if (errno != EINVAL || len <= 1)
      Fail(plan, kStagePropagation, errno);
    while (len > 1 && path[len - 1] != '/') len--;
    len = len > 1 ? len - 1 : 1;
    path[len] = '\0';
  }
}

// pivot_root needs the new root to be a mount point: bind the rootfs onto itself. The asked
// propagation (default rprivate) is set on / first, as runc's prepareRoot does.
static int prepare_root(const ChildPlan &plan) {
  if (mount(nullptr, "/", nullptr, plan.root_propagation, nullptr) < 0)
    Fail(plan, kStagePropagation, errno);
  make_rootfs_parent_private(plan);

  const char *rootfs = plan.rootfs.c_str();
  if (mount(rootfs, rootfs, nullptr, MS_BIND | MS_REC, nullptr) < 0)
    Fail(plan, kStageRootBind, errno);

  int rootfd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0)
    Fail(plan, kStageRootOpen, errno);
  return rootfd;
}

static void bring_up_loopback(const ChildPlan &plan) {
  int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0)
    Fail(plan, kStageLoopback, errno);

  struct ifreq ifr = {};
  ifr.ifr_name[0] = 'l';
  ifr.ifr_name[1] = 'o';
  if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
    Fail(plan, kStageLoopback, errno);
  ifr.ifr_flags = static_cast<short>(ifr.ifr_flags | IFF_UP | IFF_RUNNING);
  if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
    Fail(plan, kStageLoopback, errno);
  close(s);
}

static int write_text(const char *path, const std::string &value) {
  int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    return -1;
  ssize_t n;
  do {
    n = write(fd, value.data(), value.size());
  } while (n < 0 && errno == EINTR);
  int err = errno;
  close(fd);
  errno = err;
  return n < 0 ? -1 : 0;
}

// Hostname, lo, sysctls (namespaced ones only, checked in TS: /proc/sys/net and the ipc/uts
// keys resolve per namespace of the writer), oom_score_adj and rlimits.
static void setup_process_env(const ChildPlan &plan) {
  if (plan.set_hostname && sethostname(plan.hostname.data(), plan.hostname.size()) < 0)
    Fail(plan, kStageHostname, errno);

  if (plan.loopback)
    bring_up_loopback(plan);

  for (size_t i = 0; i < plan.sysctls.size(); i++) {
    const SysctlPlan &s = plan.sysctls[i];
    if (write_text(s.path.c_str(), s.value) < 0)
      Fail(plan, kStageSysctl, errno, static_cast<int>(i));
  }

  if (!plan.oom_score_adj.empty() && write_text("/proc/self/oom_score_adj", plan.oom_score_adj) < 0)
    Fail(plan, kStageOomScoreAdj, errno);

  for (size_t i = 0; i < plan.rlimits.size(); i++) {
    const RlimitPlan &r = plan.rlimits[i];
    struct rlimit lim = {r.soft, r.hard};
    if (setrlimit(static_cast<__rlimit_resource>(r.resource), &lim) < 0)
      Fail(plan, kStageRlimit, errno, static_cast<int>(i));
  }
}

// pivot_root(".", ".") stacks the old root on top of the new one; detaching it leaves only the
// container's tree (pivot_root(2), "NOTES"). A shared or unbindable root propagation is set on
// the new / only now: before, the rootfs had to stay bindable and its parent private.
static void pivot(const ChildPlan &plan, int rootfd) {
  if (fchdir(rootfd) < 0)
    Fail(plan, kStagePivotRoot, errno);
  if (syscall(SYS_pivot_root, ".", ".") < 0)
    Fail(plan, kStagePivotRoot, errno);
  if (mount(nullptr, ".", nullptr, MS_SLAVE | MS_REC, nullptr) < 0)
    Fail(plan, kStagePivotRoot, errno);
  if (umount2(".", MNT_DETACH) < 0)
    Fail(plan, kStagePivotRoot, errno);
  if (chdir("/") < 0)
    Fail(plan, kStagePivotRoot, errno);

  if ((plan.root_propagation & (MS_SHARED | MS_UNBINDABLE)) != 0 &&
      mount(nullptr, "/", nullptr, plan.root_propagation, nullptr) < 0)
    Fail(plan, kStagePropagation, errno);

  if (!plan.readonly_rootfs)
    return;
  if (mount(nullptr, "/", nullptr, MS_BIND | MS_REMOUNT | MS_RDONLY, nullptr) < 0)
    Fail(plan, kStageReadonlyRoot, errno);
}

int child::OpenTerminal(const ChildPlan &plan, int *slave_out) {
  int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0)
    Fail(plan, kStageTerminal, errno);
  int unlock = 0;
  if (ioctl(master, TIOCSPTLCK, &unlock) < 0)
    Fail(plan, kStageTerminal, errno);
  int slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (slave < 0)
    Fail(plan, kStageTerminal, errno);

  if (ioctl(slave, TIOCSCTTY, 0) < 0)
    Fail(plan, kStageTerminal, errno);
  for (int i = 0; i < 3; i++) {
    if (dup2(slave, i) < 0)
      Fail(plan, kStageTerminal, errno);
  }
  *slave_out = slave;
  return master;
}

// Allocates the pty from the container's own devpts (so `tty` names /dev/pts/0 inside), makes it
// the controlling terminal and stdio, binds it to /dev/console; returns the master.
static int setup_terminal(const ChildPlan &plan) {
  int slave = -1;
  int master = child::OpenTerminal(plan, &slave);

  int console = open("/dev/console", O_CREAT | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (console >= 0) {
    close(console);
    char self[64];
    child::ProcFdPath(self, sizeof self, slave);
    if (mount(self, "/dev/console", nullptr, MS_BIND, nullptr) < 0)
      Fail(plan, kStageTerminal, errno);
  }
  close(slave);
  return master;
}

// Run mode waits for one byte from the parent; create mode (OCI) blocks opening the exec fifo
// for writing until `start` opens it for reading, as runc's exec.fifo. The fifo was opened
// O_PATH by the parent (the host path is gone after pivot_root) and is reopened through procfs.
static void wait_for_start(const ChildPlan &plan, int fifo_fd) {
  if (fifo_fd < 0) {
    char byte;
    ssize_t n;
    do {
      n = recv(plan.report_fd, &byte, 1, 0);
    } while (n < 0 && errno == EINTR);
    if (n < 0)
      Fail(plan, kStageWaitStart, errno);
    if (n == 0)
      _exit(127);  // the parent went away without starting us
    return;
  }

  char self[64];
  child::ProcFdPath(self, sizeof self, fifo_fd);
  int fd;
  do {
    fd = open(self, O_WRONLY | O_CLOEXEC);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0)
    Fail(plan, kStageFifo, errno);
  if (write(fd, "0", 1) != 1)
    Fail(plan, kStageFifo, errno);
  // Left open: close-on-exec, it closes when the program is executed (or the init dies), and
  // `start` reads to that end of file, so it returns, and poststart hooks run, only then
  // (config.md Poststart), as runc's start does.
}

// A caller that stays with its container (an in-process run) wants it gone if the caller dies
// at any point, also while the init waits for start: on an exec fifo nothing else would ever
// release it. Armed once the credentials are settled (any change of them clears it: prctl(2));
// ChildExec arms it again after the identity change. A caller that died before the prctl shows
// as a hang-up on the report socket.
static void arm_parent_death(const ChildPlan &plan) {
  if (!plan.pdeath_signal)
    return;
  if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
    Fail(plan, kStagePdeathSig, errno);
  struct pollfd p = {plan.report_fd, POLLRDHUP, 0};
  if (poll(&p, 1, 0) > 0 && (p.revents & (POLLHUP | POLLRDHUP)) != 0)
    _exit(127);
}

// Until the parent has written the id maps the child's ids are unmapped, and a file it
// created would have no owner (EOVERFLOW); then it becomes the namespace's root, whose
// capabilities it already holds (user_namespaces(7)). Raw syscalls: see child_exec.cc.
static void enter_user_namespace(const ChildPlan &plan) {
  if (plan.uid_map.empty())
    return;
  child::WaitForParent(plan);
  if (syscall(SYS_setresgid, 0, 0, 0) < 0)
    Fail(plan, kStageUserns, errno);
  if (syscall(SYS_setresuid, 0, 0, 0) < 0)
    Fail(plan, kStageUserns, errno);
}

// runtime-spec config.md: prestart and createRuntime hooks run in the runtime namespace once
// the environment exists but before pivot_root, then createContainer hooks in the container's.
static void pause_for_runtime_hooks(const ChildPlan &plan) {
  if (!plan.runtime_hooks)
    return;
  child::Report(plan, kReportHooks, kStageReady, 0, -1);
  child::WaitForParent(plan);
}

void ChildMain(const ChildPlan &plan) {
  reset_signals(plan);
  join_cgroups(plan);
  enter_user_namespace(plan);
  join_namespaces(plan);
  arm_parent_death(plan);
  if (setsid() < 0)
    Fail(plan, kStageSetsid, errno);
  if (!plan.terminal)
    setup_stdio(plan);
  close_inherited(plan);
  umask(0);

  int rootfd = prepare_root(plan);
  child::SetupMounts(plan, rootfd);
  child::SetupDevices(plan, rootfd);
  setup_process_env(plan);
  child::SetupMaskedAndReadonly(plan, rootfd);
  child::EnterCgroupNamespace(plan);
  pause_for_runtime_hooks(plan);

  // The host's procfs is still at /proc until pivot_root: its /proc/self names this process
  // as the host sees it, the pid the OCI state gives hooks.
  char pid[24];
  int pid_len = 0;
  if (!plan.create_container.hooks.empty() || !plan.start_container.hooks.empty()) {
    pid_len = child::HostPid(plan, pid, sizeof pid);
    if (pid_len < 0)
      Fail(plan, kStageCreateContainerHook, errno);
  }
  child::RunHooks(plan, plan.create_container, kStageCreateContainerHook, pid,
                  static_cast<size_t>(pid_len));

  int fifo_fd = -1;
  if (!plan.start_fifo.empty()) {
    fifo_fd = open(plan.start_fifo.c_str(), O_PATH | O_CLOEXEC);
    if (fifo_fd < 0)
      Fail(plan, kStageFifo, errno);
  }
  pivot(plan, rootfd);
  close(rootfd);

  if (!plan.start_fifo.empty())
    child::CheckExecutable(plan);
  child::CheckCapabilities(plan);
  int master = plan.terminal ? setup_terminal(plan) : -1;
  child::Report(plan, kReportReady, kStageReady, 0, -1, master);
  if (master >= 0)
    close(master);

  wait_for_start(plan, fifo_fd);
  if (fifo_fd >= 0)
    close(fifo_fd);
  child::RunHooks(plan, plan.start_container, kStageStartContainerHook, pid,
                  static_cast<size_t>(pid_len));
  ChildExec(plan);
  _exit(127);
}

// The steps JoinMain (child_join.cc) shares with ChildMain.
namespace child {

void ResetSignals(const ChildPlan &plan) {
  reset_signals(plan);
}

void JoinCgroups(const ChildPlan &plan) {
  join_cgroups(plan);
}

void JoinNamespaces(const ChildPlan &plan) {
  join_namespaces(plan);
}

void SetupStdio(const ChildPlan &plan) {
  setup_stdio(plan);
}

void CloseInherited(const ChildPlan &plan) {
  close_inherited(plan);
}

void SetupProcessEnv(const ChildPlan &plan) {
  setup_process_env(plan);
}

void WaitForStart(const ChildPlan &plan, int fifo_fd) {
  wait_for_start(plan, fifo_fd);
}

}  // namespace child

}  // namespace iza
