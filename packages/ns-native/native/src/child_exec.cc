// Child side, after start: identity, capabilities, cwd, fds, then execve.
// Async-signal-safe code only (see child.h). Credentials change through raw syscalls: glibc's
// setresuid/setgroups broadcast to every thread it knows of, and after a raw clone its thread
// list still names the parent's threads (nptl(7), "setxid").
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/close_range.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "child.h"

namespace iza {

using child::Fail;

static void drop_bounding(const ChildPlan &plan) {
  for (int cap = 0; cap <= plan.cap_last; cap++) {
    if (plan.cap_bounding & (1ULL << cap))
      continue;
    if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
      Fail(plan, kStageBounding, errno, cap);
  }
}

// In a user namespace whose maker wrote "deny" to /proc/<pid>/setgroups (as an unprivileged
// one must before writing gid_map: user_namespaces(7)) setgroups(2) always fails; with no
// supplementary groups asked for there is then nothing to drop (runc skips it too).
static bool setgroups_denied() {
  int fd = open("/proc/self/setgroups", O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return false;
  char buf[8] = {};
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  return n >= 4 && buf[0] == 'd' && buf[1] == 'e' && buf[2] == 'n' && buf[3] == 'y';
}

// PR_SET_KEEPCAPS keeps the permitted set across the uid change, capset then sets the final
// sets; without it a switch away from uid 0 would clear them all (capabilities(7)).
static void set_identity(const ChildPlan &plan) {
  if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
    Fail(plan, kStageKeepCaps, errno);

  if (syscall(SYS_setgroups, plan.groups.size(), plan.groups.data()) < 0 &&
      !(errno == EPERM && plan.groups.empty() && setgroups_denied()))
    Fail(plan, kStageSetgroups, errno);
  if (syscall(SYS_setresgid, plan.gid, plan.gid, plan.gid) < 0)
    Fail(plan, kStageSetgid, errno);
  if (syscall(SYS_setresuid, plan.uid, plan.uid, plan.uid) < 0)
    Fail(plan, kStageSetuid, errno);

  if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
    Fail(plan, kStageKeepCaps, errno);
}

static void set_capabilities(const ChildPlan &plan) {
  struct __user_cap_header_struct header = {_LINUX_CAPABILITY_VERSION_3, 0};
  struct __user_cap_data_struct data[2] = {};
  for (int i = 0; i < 2; i++) {
    data[i].effective = static_cast<uint32_t>(plan.cap_effective >> (32 * i));
    data[i].permitted = static_cast<uint32_t>(plan.cap_permitted >> (32 * i));
    data[i].inheritable = static_cast<uint32_t>(plan.cap_inheritable >> (32 * i));
  }
  if (syscall(SYS_capset, &header, data) < 0)
    Fail(plan, kStageCapset, errno);

  for (int cap = 0; cap <= plan.cap_last; cap++) {
    if (!(plan.cap_ambient & (1ULL << cap)))
      continue;
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
      Fail(plan, kStageAmbient, errno, cap);
  }
}

// chdir, then make sure the result is inside the container: a cwd reached through a leaked fd
// reads back as "(unreachable)..." (CVE-2024-21626, runc verifyCwd).
static void enter_cwd(const ChildPlan &plan) {
  if (chdir(plan.cwd.c_str()) < 0)
    Fail(plan, kStageChdir, errno);

  char buf[4096];
  if (syscall(SYS_getcwd, buf, sizeof buf) < 0)
    Fail(plan, kStageCwdCheck, errno);
  if (buf[0] != '/')
    Fail(plan, kStageCwdCheck, ENOENT);
}

static bool has_slash(const char *s) {
  for (; *s != '\0'; s++) {
    if (*s == '/')
      return true;
  }
  return false;
}

// Writes "<dir>/<name>" ("./<name>" for an empty dir) into buf; false when it does not fit.
static bool path_join(char *buf, size_t size, const char *dir, size_t dlen, const char *name) {
  size_t nlen = 0;
  while (name[nlen] != '\0') nlen++;
  if (dlen + nlen + 3 > size)
    return false;
  size_t n = 0;
  if (dlen == 0)
    buf[n++] = '.';
  for (size_t i = 0; i < dlen; i++) buf[n++] = dir[i];
  buf[n++] = '/';
  for (size_t i = 0; i <= nlen; i++) buf[n++] = name[i];
  return true;
}

// Calls visit(path) for each PATH entry joined with argv[0], in order, until it returns false.
template <typename Visit>
static void each_path_candidate(const ChildPlan &plan, char *buf, size_t size, Visit visit) {
  const char *p = plan.path_env.c_str();
  for (;;) {
    const char *end = p;
    while (*end != '\0' && *end != ':') end++;
    size_t dlen = static_cast<size_t>(end - p);
    if (path_join(buf, size, p, dlen, plan.argv[0]) && !visit(buf, p, dlen))
      return;
    if (*end == '\0')
      return;
    p = end + 1;
  }
}

// execvpe without malloc: try each PATH entry. ENOENT-like errors move on, EACCES is remembered
// (reported if nothing else ran), anything else stops the search, as glibc's execvpe.
static void exec_search(const ChildPlan &plan) {
  bool saw_eacces = false;
  char buf[4096];
  each_path_candidate(plan, buf, sizeof buf, [&](const char *path, const char *, size_t) {
    execve(path, plan.argv.data(), plan.envp.data());
    if (errno == EACCES) {
      saw_eacces = true;
    } else if (errno != ENOENT && errno != ENOTDIR && errno != ESTALE && errno != ENODEV &&
               errno != ETIMEDOUT) {
      Fail(plan, kStageExec, errno);
    }
    return true;
  });
  Fail(plan, kStageExec, saw_eacces ? EACCES : ENOENT);
}

// Installs the program compileSeccomp built in the parent. Without no_new_privs the kernel
// asks for CAP_SYS_ADMIN, so then it is loaded before the identity change drops it; with it,
// as late as possible, so the filter has fewer of iza's own syscalls to allow (as runc).
static void load_seccomp(const ChildPlan &plan) {
  if (plan.seccomp_program.empty())
    return;
  struct sock_fprog prog = {
      static_cast<unsigned short>(plan.seccomp_program.size() / sizeof(struct sock_filter)),
      reinterpret_cast<struct sock_filter *>(const_cast<uint8_t *>(plan.seccomp_program.data()))};
  if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, plan.seccomp_flags, &prog) < 0)
    Fail(plan, kStageSeccomp, errno);
}

// 0 when `path` names a file execve could run as root (a non-directory with an x bit), else
// the errno execve would give.
static int executable(const char *path) {
  struct stat st;
  if (stat(path, &st) < 0)
    return errno;
  if (S_ISDIR(st.st_mode) || (st.st_mode & 0111) == 0)
    return EACCES;
  return 0;
}

namespace child {

// runc's create-time check: the program must be there before create reports success, so that
// an engine's `create` fails on a typo instead of a container that dies at start unheard.
// Relative paths with a '/' depend on the cwd set later and are left to execve.
void CheckExecutable(const ChildPlan &plan) {
  const char *name = plan.argv[0];
  if (has_slash(name)) {
    int err = name[0] == '/' ? executable(name) : 0;
    if (err != 0)
      Fail(plan, kStageExec, err);
    return;
  }

  int found = ENOENT;
  bool unknown = false;
  char buf[4096];
  each_path_candidate(plan, buf, sizeof buf, [&](const char *path, const char *dir, size_t dlen) {
    if (dlen == 0 || dir[0] != '/') {
      unknown = true;  // a relative PATH entry: resolved against the cwd at exec time
      return false;
    }
    int err = executable(path);
    if (err == 0 || err == EACCES)
      found = err;
    return err != 0;
  });
  if (unknown || found == 0)
    return;
  Fail(plan, kStageExec, found);
}

// The lowest capability in `mask`, for the report's index.
static int lowest_cap(uint64_t mask) {
  int cap = 0;
  while (!(mask & (1ULL << cap))) cap++;
  return cap;
}

// capset(2)'s rules as set_identity and set_capabilities will meet them: the new permitted set
// within the current one (kept across the uid change by PR_SET_KEEPCAPS), effective within the
// new permitted, inheritable within the old inheritable plus permitted and the new bounding
// set as drop_bounding leaves it; an ambient capability must be both permitted and inheritable
// (prctl(2)).
void CheckCapabilities(const ChildPlan &plan) {
  struct __user_cap_header_struct header = {_LINUX_CAPABILITY_VERSION_3, 0};
  struct __user_cap_data_struct data[2] = {};
  if (syscall(SYS_capget, &header, data) < 0)
    Fail(plan, kStageCapCheck, errno);
  uint64_t permitted = data[0].permitted | (static_cast<uint64_t>(data[1].permitted) << 32);
  uint64_t inheritable = data[0].inheritable | (static_cast<uint64_t>(data[1].inheritable) << 32);
  uint64_t bounding = 0;
  for (int cap = 0; cap <= plan.cap_last; cap++) {
    if (prctl(PR_CAPBSET_READ, cap, 0, 0, 0) == 1)
      bounding |= 1ULL << cap;
  }

  uint64_t missing = plan.cap_permitted & ~permitted;
  missing |= plan.cap_effective & ~plan.cap_permitted;
  missing |= plan.cap_inheritable & ~(inheritable | permitted);
  missing |= plan.cap_inheritable & ~(inheritable | (plan.cap_bounding & bounding));
  missing |= plan.cap_ambient & ~(plan.cap_permitted & plan.cap_inheritable);
  if (missing != 0)
    Fail(plan, kStageCapCheck, EPERM, lowest_cap(missing));
}

}  // namespace child

void ChildExec(const ChildPlan &plan) {
  // Node holds epoll, eventfd, pipe and inotify fds without O_CLOEXEC: mark every fd above 2
  // close-on-exec, including the report socket, whose EOF then tells the parent exec worked.
  // First, because a seccomp profile need not allow close_range (runtime-tools' does not).
  if (syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
    Fail(plan, kStageCloseFds, errno);

  drop_bounding(plan);
  if (!plan.no_new_privs)
    load_seccomp(plan);
  set_identity(plan);
  set_capabilities(plan);
  if (plan.no_new_privs) {
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
      Fail(plan, kStageNoNewPrivs, errno);
    load_seccomp(plan);
  }

  enter_cwd(plan);
  umask(plan.umask);

  // Last, because the uid change above clears it (prctl(2), PR_SET_PDEATHSIG).
  if (plan.pdeath_signal && prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
    Fail(plan, kStagePdeathSig, errno);

  if (has_slash(plan.argv[0])) {
    execve(plan.argv[0], plan.argv.data(), plan.envp.data());
    Fail(plan, kStageExec, errno);
  }
  exec_search(plan);
}

}  // namespace iza
