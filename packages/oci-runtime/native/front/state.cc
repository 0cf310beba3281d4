#include "state.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <set>

#include "json.h"

namespace iza {

namespace {

// Reads a whole small file; false on any error.
bool ReadFile(const std::string &path, std::string &out) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return false;
  out.clear();
  char buf[4096];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      close(fd);
      return n == 0;
    }
    out.append(buf, static_cast<size_t>(n));
  }
}

// Every key StoredState has. A key outside this list was added to the state after this reader
// was written, and may change what start or delete must do: the TypeScript runtime handles it.
// `process` and `seccomp` are what exec starts from; start and delete do not read them.
const std::set<std::string> kKnownKeys = {
    "ociVersion",      "id",        "pid",      "initStartTime",   "bundle",
    "rootfs",          "created",   "owner",    "annotations",     "cgroupPaths",
    "ownPidNamespace", "poststart", "poststop", "cgroupAncestors", "process",
    "seccomp",
};

bool StringList(const Json *value, std::vector<std::string> &out) {
  if (value == nullptr || value->type != Json::kArray)
    return false;
  for (const Json &item : value->items) {
    if (item.type != Json::kString)
      return false;
    out.push_back(item.string);
  }
  return true;
}

bool NonEmptyList(const Json *value, bool *non_empty) {
  if (value == nullptr || value->type != Json::kArray)
    return false;
  *non_empty = !value->items.empty();
  return true;
}

}  // namespace

bool ValidId(const std::string &id) {
  if (id.empty() || id.size() > 1024 || id == "." || id == "..")
    return false;
  for (char c : id) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '+' || c == '.' || c == '-';
    if (!ok)
      return false;
  }
  return true;
}

bool LoadState(const std::string &root, const std::string &id, ContainerState &out) {
  if (!ValidId(id))
    return false;
  out.dir = root + "/" + id;
  out.fifo = out.dir + "/exec.fifo";

  std::string text;
  Json doc;
  if (!ReadFile(out.dir + "/state.json", text) || !ParseJson(text, doc))
    return false;
  if (doc.type != Json::kObject)
    return false;
  for (const auto &m : doc.members) {
    if (kKnownKeys.count(m.first) == 0)
      return false;
  }

  const Json *pid = doc.Find("pid");
  const Json *start = doc.Find("initStartTime");
  if (pid == nullptr || pid->type != Json::kNumber || pid->number < 1)
    return false;
  if (start == nullptr || start->type != Json::kString)
    return false;
  out.pid = static_cast<long>(pid->number);
  out.init_start_time = start->string;

  // Optional: a state written before create recorded them has none.
  const Json *ancestors = doc.Find("cgroupAncestors");
  if (ancestors != nullptr && !StringList(ancestors, out.cgroup_ancestors))
    return false;
  return StringList(doc.Find("cgroupPaths"), out.cgroup_paths) &&
         NonEmptyList(doc.Find("poststart"), &out.has_poststart) &&
         NonEmptyList(doc.Find("poststop"), &out.has_poststop);
}

bool InitAlive(long pid, const std::string &start_time) {
  std::string stat;
  if (!ReadFile("/proc/" + std::to_string(pid) + "/stat", stat))
    return false;
  // comm (field 2) may hold spaces and parentheses: the fields after it follow the last ')'.
  size_t close_paren = stat.rfind(')');
  if (close_paren == std::string::npos || close_paren + 2 >= stat.size())
    return false;

  std::vector<std::string> fields;
  size_t i = close_paren + 2;
  while (i <= stat.size() && fields.size() < 20) {
    size_t space = stat.find(' ', i);
    if (space == std::string::npos)
      space = stat.size();
    fields.push_back(stat.substr(i, space - i));
    i = space + 1;
  }
  if (fields.size() < 20)
    return false;
  const std::string &state = fields[0];
  return fields[19] == start_time && state != "Z" && state != "X";
}

Status StatusOf(const ContainerState &state) {
  if (!InitAlive(state.pid, state.init_start_time))
    return Status::kStopped;
  struct stat st;
  return lstat(state.fifo.c_str(), &st) == 0 ? Status::kCreated : Status::kRunning;
}

bool AnyFrozen(const ContainerState &state) {
  for (const std::string &dir : state.cgroup_paths) {
    std::string text;
    // cgroup v1 freezer: THAWED, FREEZING or FROZEN; cgroup v2: cgroup.freeze is 0 or 1.
    if (ReadFile(dir + "/freezer.state", text) && text.compare(0, 6, "THAWED") != 0)
      return true;
    if (ReadFile(dir + "/cgroup.freeze", text) && !text.empty() && text[0] != '0')
      return true;
  }
  return false;
}

std::vector<long> CgroupPids(const std::vector<std::string> &paths) {
  std::vector<long> pids;
  for (const std::string &dir : paths) {
    std::string text;
    if (!ReadFile(dir + "/cgroup.procs", text))
      continue;
    size_t i = 0;
    while (i < text.size()) {
      size_t end = text.find('\n', i);
      if (end == std::string::npos)
        end = text.size();
      long pid = strtol(text.substr(i, end - i).c_str(), nullptr, 10);
      if (pid > 0)
        pids.push_back(pid);
      i = end + 1;
    }
  }
  return pids;
}

}  // namespace iza
