#include "lifecycle.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

namespace iza {

namespace {

long NowMs() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

void SleepMs(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {
  }
}

// The same limits as startContainerByFifo and deleteContainer.
constexpr long kTimeoutMs = 10000;

bool WriteFile(const std::string &path, const char *data) {
  // O_WRONLY without O_CREAT: cgroupfs files are never created; cgroup.kill refuses O_RDWR.
  int fd = open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    return false;
  ssize_t n = write(fd, data, strlen(data));
  close(fd);
  return n >= 0;
}

// As signalCgroup(paths, 9): cgroup.kill where the kernel has it, then every listed pid.
void KillCgroups(const ContainerState &state) {
  for (const std::string &dir : state.cgroup_paths) {
    if (access((dir + "/cgroup.kill").c_str(), F_OK) == 0)
      WriteFile(dir + "/cgroup.kill", "1");
  }
  for (long pid : CgroupPids(state.cgroup_paths)) kill(static_cast<pid_t>(pid), SIGKILL);
}

bool WaitGone(const ContainerState &state) {
  long deadline = NowMs() + kTimeoutMs;
  while (InitAlive(state.pid, state.init_start_time) || !CgroupPids(state.cgroup_paths).empty()) {
    if (NowMs() > deadline)
      return false;
    SleepMs(5);
  }
  return true;
}

// rmdir of each leaf, retrying EBUSY while the kernel lets the last tasks go.
bool RemoveCgroupDirs(const ContainerState &state) {
  long deadline = NowMs() + kTimeoutMs;
  for (const std::string &dir : state.cgroup_paths) {
    while (rmdir(dir.c_str()) < 0 && errno != ENOENT) {
      if (errno != EBUSY || NowMs() > deadline)
        return false;
      SleepMs(10);
    }
  }
  return true;
}

// The state directory holds files only (state.json, exec.fifo, temp files of saveState).
bool RemoveStateDir(const std::string &dir) {
  int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return errno == ENOENT;
  DIR *d = fdopendir(fd);
  if (d == nullptr) {
    close(fd);
    return false;
  }
  bool ok = true;
  while (struct dirent *e = readdir(d)) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
      continue;
    if (unlinkat(dirfd(d), e->d_name, 0) < 0 && errno != ENOENT)
      ok = false;
  }
  closedir(d);
  return ok && (rmdir(dir.c_str()) == 0 || errno == ENOENT);
}

}  // namespace

Outcome StartContainer(const ContainerState &state, std::string &error) {
  if (state.has_poststart || StatusOf(state) != Status::kCreated || AnyFrozen(state))
    return Outcome::kFallBack;

  // Non-blocking, as startContainerByFifo: the init, blocked opening the fifo for writing, goes
  // on once a reader is there and writes one byte; a dead init would leave a blocking open hung.
  int fd = open(state.fifo.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0)
    return Outcome::kFallBack;
  long deadline = NowMs() + kTimeoutMs;
  for (int attempt = 0;; attempt++) {
    char byte;
    ssize_t n = read(fd, &byte, 1);
    if (n == 1)
      break;
    if (n < 0 && errno != EAGAIN && errno != EINTR) {
      close(fd);
      return Outcome::kFallBack;
    }
    if (NowMs() > deadline || !InitAlive(state.pid, state.init_start_time)) {
      close(fd);
      return Outcome::kFallBack;
    }
    SleepMs(attempt < 20 ? 1 : 5);
  }
  close(fd);

  // The init has its byte and runs the program: from here on the container is started.
  if (unlink(state.fifo.c_str()) < 0 && errno != ENOENT) {
    error = "removing " + state.fifo + ": " + strerror(errno);
    return Outcome::kFailed;
  }
  return Outcome::kDone;
}

Outcome DeleteContainer(const ContainerState &state, bool force) {
  if (state.has_poststop || AnyFrozen(state))
    return Outcome::kFallBack;
  Status status = StatusOf(state);
  if (status == Status::kRunning && !force)
    return Outcome::kFallBack;  // the runtime reports that a running container needs --force

  if (status != Status::kStopped)
    kill(static_cast<pid_t>(state.pid), SIGKILL);
  // Without a pid namespace of its own, processes of a stopped container may remain.
  KillCgroups(state);
  if (!WaitGone(state) || !RemoveCgroupDirs(state) || !RemoveStateDir(state.dir))
    return Outcome::kFallBack;
  return Outcome::kDone;
}

}  // namespace iza
