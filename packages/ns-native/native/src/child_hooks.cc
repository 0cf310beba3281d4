// Child side: the OCI hooks the init runs itself, createContainer (before pivot_root, so their
// paths are the host's) and startContainer (after start, in the container). Each is forked,
// exec'd with the state JSON on stdin and waited for; a failure fails the container.
// Async-signal-safe code only (see child.h).
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "child.h"

namespace iza {
namespace child {

int HostPid(const ChildPlan &plan, char *buf, size_t size) {
  ssize_t n = readlink("/proc/self", buf, size - 1);
  if (n <= 0)
    return -1;
  buf[n] = '\0';
  return static_cast<int>(n);
}

static int64_t now_ms() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

static bool send_all(int fd, const char *data, size_t len) {
  while (len > 0) {
    ssize_t n = send(fd, data, len, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return errno == EPIPE;  // a hook that does not read its stdin is not a failure
    data += n;
    len -= static_cast<size_t>(n);
  }
  return true;
}

// A socket, not a pipe, carries the state: send(MSG_NOSIGNAL) cannot raise SIGPIPE, whose
// default action would kill the init when a hook exits without reading.
static void run_hook(const ChildPlan &plan, const HookList &list, size_t i, Stage stage,
                     const char *pid, size_t pid_len) {
  const HookPlan &hook = list.hooks[i];
  int index = static_cast<int>(i);
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
    Fail(plan, stage, errno, index);

  // A raw fork: glibc's fork() would run the atfork handlers of the process this init was
  // cloned from, which may take locks held by threads that do not exist here.
  pid_t child = static_cast<pid_t>(syscall(SYS_clone, SIGCHLD, nullptr, nullptr, nullptr, nullptr));
  if (child < 0)
    Fail(plan, stage, errno, index);
  if (child == 0) {
    if (dup2(sv[1], 0) < 0)
      _exit(127);
    execve(hook.path.c_str(), hook.argv.data(), hook.envp.data());
    _exit(127);
  }
  close(sv[1]);

  static const char head[] = "{\"pid\":";
  bool sent = send_all(sv[0], head, sizeof head - 1) && send_all(sv[0], pid, pid_len) &&
              send_all(sv[0], list.state_tail.data(), list.state_tail.size());
  int send_err = errno;
  close(sv[0]);

  int status = 0;
  int64_t deadline = hook.timeout_ms > 0 ? now_ms() + hook.timeout_ms : 0;
  for (;;) {
    pid_t r = waitpid(child, &status, deadline > 0 ? WNOHANG : 0);
    if (r == child)
      break;
    if (r < 0 && errno != EINTR)
      Fail(plan, stage, errno, index);
    if (deadline > 0 && now_ms() >= deadline) {
      kill(child, SIGKILL);
      while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
      }
      Fail(plan, stage, ETIMEDOUT, index);
    }
    if (r == 0) {
      struct timespec pause = {0, 1000000};
      nanosleep(&pause, nullptr);
    }
  }

  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    Fail(plan, stage, ECANCELED, index, status);
  if (!sent)
    Fail(plan, stage, send_err, index);
}

void RunHooks(const ChildPlan &plan, const HookList &list, Stage stage, const char *pid,
              size_t pid_len) {
  for (size_t i = 0; i < list.hooks.size(); i++) run_hook(plan, list, i, stage, pid, pid_len);
}

}  // namespace child
}  // namespace iza
