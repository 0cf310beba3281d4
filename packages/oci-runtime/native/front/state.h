// What the front reads of a container: <root>/<id>/state.json as @iza/oci-runtime's create wrote
// it (src/state-store.ts), and the facts its status is derived from (src/status.ts).
#pragma once

#include <string>
#include <vector>

namespace iza {

enum class Status { kCreated, kRunning, kStopped };

struct ContainerState {
  std::string dir;   // <root>/<id>
  std::string fifo;  // <dir>/exec.fifo
  long pid = 0;
  std::string init_start_time;
  std::vector<std::string> cgroup_paths;
  bool has_poststart = false;
  bool has_poststop = false;
};

// runc's id rule, as checkContainerId: one path element of [A-Za-z0-9_+.-], not "." or "..".
bool ValidId(const std::string &id);

// Reads the state of container `id` under `root`. False when there is none, it cannot be read,
// or it holds a field this reader does not know: the caller then leaves the command to the
// TypeScript runtime, which knows every field and reports every error.
bool LoadState(const std::string &root, const std::string &id, ContainerState &out);

// True while `pid` is the process that started at `start_time` and has not exited (a zombie
// counts as exited), as isInitAlive.
bool InitAlive(long pid, const std::string &start_time);

// runc's rule, as containerStatus: no live init is stopped; the exec fifo still there is created.
Status StatusOf(const ContainerState &state);

// True when any of the container's cgroups is frozen or freezing (a paused container).
bool AnyFrozen(const ContainerState &state);

// The pids listed in the cgroup.procs of each path.
std::vector<long> CgroupPids(const std::vector<std::string> &paths);

}  // namespace iza
