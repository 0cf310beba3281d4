// Parent side of the container spawn: converts the plan built by src/spawn-plan.ts into C
// memory, then clone(2)s the child into its new namespaces. Nothing JS is touched after clone.
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child.h"
#include "errors.h"

namespace iza {

static std::string str(const Napi::Object &o, const char *key) {
  Napi::Value v = o.Get(key);
  return v.IsString() ? v.As<Napi::String>().Utf8Value() : std::string();
}

static double num(const Napi::Object &o, const char *key) {
  Napi::Value v = o.Get(key);
  return v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : 0;
}

static bool flag(const Napi::Object &o, const char *key) {
  Napi::Value v = o.Get(key);
  return v.IsBoolean() && v.As<Napi::Boolean>().Value();
}

static Napi::Array arr(const Napi::Object &o, const char *key) {
  Napi::Value v = o.Get(key);
  return v.IsArray() ? v.As<Napi::Array>() : Napi::Array::New(o.Env());
}

static std::vector<std::string> strings(const Napi::Object &o, const char *key) {
  Napi::Array a = arr(o, key);
  std::vector<std::string> out;
  for (uint32_t i = 0; i < a.Length(); i++) out.push_back(a.Get(i).As<Napi::String>().Utf8Value());
  return out;
}

// A capability set arrives as a list of numbers; the kernel wants a 64-bit mask.
static uint64_t cap_mask(const Napi::Object &caps, const char *key) {
  Napi::Array a = arr(caps, key);
  uint64_t mask = 0;
  for (uint32_t i = 0; i < a.Length(); i++)
    mask |= 1ULL << a.Get(i).As<Napi::Number>().Uint32Value();
  return mask;
}

static uint64_t rlim_value(double v) {
  return v < 0 ? ~0ULL : static_cast<uint64_t>(v);
}

static void read_mounts(const Napi::Object &o, ChildPlan &plan) {
  Napi::Array a = arr(o, "mounts");
  for (uint32_t i = 0; i < a.Length(); i++) {
    Napi::Object m = a.Get(i).As<Napi::Object>();
    MountPlan mp;
    mp.source = str(m, "source");
    mp.target = str(m, "target");
    mp.fstype = str(m, "fstype");
    mp.data = str(m, "data");
    mp.flags = static_cast<unsigned long>(num(m, "flags"));
    mp.propagation = static_cast<unsigned long>(num(m, "propagation"));
    mp.kind = static_cast<int32_t>(num(m, "kind"));
    mp.cgroup_ns = flag(m, "cgroupNs");
    plan.mounts.push_back(mp);
  }
}

static void read_devices(const Napi::Object &o, ChildPlan &plan) {
  Napi::Array a = arr(o, "devices");
  for (uint32_t i = 0; i < a.Length(); i++) {
    Napi::Object d = a.Get(i).As<Napi::Object>();
    DevicePlan dp;
    dp.path = str(d, "path");
    dp.host_path = str(d, "hostPath");
    dp.mode = static_cast<mode_t>(num(d, "mode"));
    dp.major = static_cast<unsigned>(num(d, "major"));
    dp.minor = static_cast<unsigned>(num(d, "minor"));
    dp.uid = static_cast<uid_t>(num(d, "uid"));
    dp.gid = static_cast<gid_t>(num(d, "gid"));
    plan.devices.push_back(dp);
  }

  Napi::Array s = arr(o, "symlinks");
  for (uint32_t i = 0; i < s.Length(); i++) {
    Napi::Object l = s.Get(i).As<Napi::Object>();
    plan.symlinks.push_back({str(l, "target"), str(l, "path")});
  }
}

static void read_process_env(const Napi::Object &o, ChildPlan &plan) {
  plan.set_hostname = o.Get("hostname").IsString();
  plan.hostname = str(o, "hostname");
  plan.loopback = flag(o, "loopback");

  Napi::Array s = arr(o, "sysctls");
  for (uint32_t i = 0; i < s.Length(); i++) {
    Napi::Object e = s.Get(i).As<Napi::Object>();
    plan.sysctls.push_back({str(e, "path"), str(e, "value")});
  }

  if (o.Get("oomScoreAdj").IsNumber())
    plan.oom_score_adj = std::to_string(o.Get("oomScoreAdj").As<Napi::Number>().Int32Value());

  Napi::Array r = arr(o, "rlimits");
  for (uint32_t i = 0; i < r.Length(); i++) {
    Napi::Object e = r.Get(i).As<Napi::Object>();
    plan.rlimits.push_back({static_cast<int>(num(e, "resource")), rlim_value(num(e, "soft")),
                            rlim_value(num(e, "hard"))});
  }
}

static void read_identity(const Napi::Object &o, ChildPlan &plan) {
  plan.uid = static_cast<uid_t>(num(o, "uid"));
  plan.gid = static_cast<gid_t>(num(o, "gid"));
  Napi::Array g = arr(o, "groups");
  for (uint32_t i = 0; i < g.Length(); i++)
    plan.groups.push_back(g.Get(i).As<Napi::Number>().Uint32Value());

  Napi::Object caps = o.Get("caps").As<Napi::Object>();
  plan.cap_bounding = cap_mask(caps, "bounding");
  plan.cap_effective = cap_mask(caps, "effective");
  plan.cap_permitted = cap_mask(caps, "permitted");
  plan.cap_inheritable = cap_mask(caps, "inheritable");
  plan.cap_ambient = cap_mask(caps, "ambient");
  plan.cap_last = static_cast<int>(num(o, "capLast"));
  plan.no_new_privs = flag(o, "noNewPrivileges");
  plan.umask = static_cast<mode_t>(num(o, "umask"));

  Napi::Value program = o.Get("seccomp");
  if (program.IsBuffer()) {
    Napi::Buffer<uint8_t> b = program.As<Napi::Buffer<uint8_t>>();
    plan.seccomp_program.assign(b.Data(), b.Data() + b.Length());
  }
  plan.seccomp_flags = static_cast<unsigned>(num(o, "seccompFlags"));
}

static void read_exec(const Napi::Object &o, ChildPlan &plan) {
  plan.cwd = str(o, "cwd");
  plan.args = strings(o, "args");
  plan.env = strings(o, "env");
  for (std::string &a : plan.args) plan.argv.push_back(&a[0]);
  plan.argv.push_back(nullptr);
  for (std::string &e : plan.env) plan.envp.push_back(&e[0]);
  plan.envp.push_back(nullptr);
  plan.path_env = str(o, "pathEnv");

  Napi::Array stdio = arr(o, "stdio");
  for (uint32_t i = 0; i < 3 && i < stdio.Length(); i++)
    plan.stdio[i] = stdio.Get(i).As<Napi::Number>().Int32Value();
  plan.terminal = flag(o, "terminal");
  plan.pdeath_signal = flag(o, "pdeathSignal");
  plan.start_fifo = str(o, "startFifo");
}

// hooks: { createContainer: Hook[], startContainer: Hook[], createStateTail, startStateTail }
static void read_hook_list(const Napi::Object &o, const char *key, const char *tail_key,
                           HookList &list) {
  Napi::Array a = arr(o, key);
  for (uint32_t i = 0; i < a.Length(); i++) {
    Napi::Object h = a.Get(i).As<Napi::Object>();
    HookPlan hp;
    hp.path = str(h, "path");
    hp.args = strings(h, "args");
    hp.env = strings(h, "env");
    hp.timeout_ms = static_cast<int64_t>(num(h, "timeoutMs"));
    list.hooks.push_back(std::move(hp));
  }
  // Pointers into the strings are taken once the vector no longer moves its elements.
  for (HookPlan &hp : list.hooks) {
    for (std::string &s : hp.args) hp.argv.push_back(&s[0]);
    hp.argv.push_back(nullptr);
    for (std::string &s : hp.env) hp.envp.push_back(&s[0]);
    hp.envp.push_back(nullptr);
  }
  list.state_tail = str(o, tail_key);
}

static void read_hooks(const Napi::Object &o, ChildPlan &plan) {
  Napi::Value v = o.Get("hooks");
  if (!v.IsObject())
    return;
  Napi::Object h = v.As<Napi::Object>();
  read_hook_list(h, "createContainer", "createStateTail", plan.create_container);
  read_hook_list(h, "startContainer", "startStateTail", plan.start_container);
}

static int write_id_map(long pid, const char *file, const std::string &text) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%ld/%s", pid, file);
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    return -1;
  // The kernel takes the whole map in one write(2) (user_namespaces(7)).
  ssize_t n = write(fd, text.data(), text.size());
  int err = errno;
  close(fd);
  errno = err;
  return n == static_cast<ssize_t>(text.size()) ? 0 : -1;
}

// Writes the child's uid and gid maps, then lets it go on (enter_user_namespace in
// child_main.cc). On failure the child is killed and reaped; returns the errno, or 0.
static int map_user_namespace(const ChildPlan &plan, long pid, int report_fd, const char **failed) {
  *failed = "uid_map";
  if (write_id_map(pid, "uid_map", plan.uid_map) == 0) {
    *failed = "gid_map";
    if (write_id_map(pid, "gid_map", plan.gid_map) == 0) {
      *failed = "send";
      if (send(report_fd, "u", 1, MSG_NOSIGNAL) == 1)
        return 0;
    }
  }
  int err = errno;
  kill(static_cast<pid_t>(pid), SIGKILL);
  while (waitpid(static_cast<pid_t>(pid), nullptr, 0) < 0 && errno == EINTR) {
  }
  return err;
}

static void close_joins(ChildPlan &plan) {
  for (const NsJoinPlan &p : plan.joins) close(p.fd);
  plan.joins.clear();
  if (plan.pid_join_fd >= 0)
    close(plan.pid_join_fd);
  plan.pid_join_fd = -1;
  if (plan.cgroup_fd >= 0)
    close(plan.cgroup_fd);
  plan.cgroup_fd = -1;
}

// Namespaces to join are opened here, by the parent, so a bad path fails before clone.
static bool open_joins(Napi::Env env, const Napi::Object &o, ChildPlan &plan) {
  Napi::Array a = arr(o, "joins");
  for (uint32_t i = 0; i <= a.Length(); i++) {
    bool pid = i == a.Length();
    Napi::Value pid_path = o.Get("pidJoin");
    if (pid && !pid_path.IsString())
      break;
    Napi::Object j = pid ? Napi::Object() : a.Get(i).As<Napi::Object>();
    std::string path = pid ? pid_path.As<Napi::String>().Utf8Value() : str(j, "path");
    int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      int err = errno;
      close_joins(plan);
      ThrowSys(env, err, "open", path.c_str());
      return false;
    }
    if (pid)
      plan.pid_join_fd = fd;
    else
      plan.joins.push_back({fd, static_cast<int>(num(j, "nstype"))});
  }
  return true;
}

// setns(CLONE_NEWPID) changes where this thread's next child is born, and only this thread's
// (pid_namespaces(7)): enter the namespace for the clone and go back at once, so nothing else
// Node starts from this thread lands in a container. Returns the namespace to go back to, -1
// when there is no pid namespace to join, or -2 with errno and `*failed` (syscall, path) set.
static int enter_pid_join(const ChildPlan &plan, const char *join_path, const char *failed[2]) {
  if (plan.pid_join_fd < 0)
    return -1;
  const char *own = "/proc/thread-self/ns/pid_for_children";
  int saved = open(own, O_RDONLY | O_CLOEXEC);
  if (saved < 0) {
    failed[0] = "open";
    failed[1] = own;
    return -2;
  }
  if (setns(plan.pid_join_fd, CLONE_NEWPID) == 0)
    return saved;
  int err = errno;
  close(saved);
  failed[0] = "setns";
  failed[1] = join_path;
  errno = err;
  return -2;
}

// Blocks every signal around clone so no handler of Node's runs in the child before it has
// reset them; the child unblocks after resetting.
// With a v2 leaf to be born in, clone3(2) with CLONE_INTO_CGROUP (Linux 5.7): no migration
// afterwards. A kernel or a seccomp filter that refuses clone3 (ENOSYS; docker's default profile
// does) gets plain clone(2), and the child then joins the leaf itself.
static long clone_child(ChildPlan &plan, unsigned long flags) {
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);

  long pid = -1;
  bool cloned = false;
  if (plan.cgroup_fd >= 0 && !plan.no_clone3) {
    struct clone_args args = {};
    args.flags = flags | CLONE_INTO_CGROUP;
    args.exit_signal = SIGCHLD;
    args.cgroup = static_cast<uint64_t>(plan.cgroup_fd);
    pid = syscall(SYS_clone3, &args, sizeof args);
    cloned = pid >= 0 || errno != ENOSYS;
  }
  plan.cgroup_procs_needed = plan.cgroup_fd >= 0 && !cloned;
  if (!cloned)
    pid = syscall(SYS_clone, flags | SIGCHLD, nullptr, nullptr, nullptr, nullptr);
  if (pid == 0 && plan.join_only)
    JoinMain(plan);
  if (pid == 0)
    ChildMain(plan);

  int err = errno;
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  errno = err;
  return pid;
}

// spawnContainer(plan) -> { pid, fd }: fd is the parent's end of the report socket (CLOEXEC).
static Napi::Value JsSpawnContainer(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (!info[0].IsObject())
    return ThrowArg(env, "spawnContainer(plan)");
  Napi::Object o = info[0].As<Napi::Object>();

  ChildPlan plan;
  plan.rootfs = str(o, "rootfs");
  plan.readonly_rootfs = flag(o, "readonlyRootfs");
  plan.root_propagation = static_cast<unsigned long>(num(o, "rootPropagation"));
  plan.unshare_cgroup = flag(o, "unshareCgroup");
  plan.runtime_hooks = flag(o, "runtimeHooks");
  plan.uid_map = str(o, "uidMap");
  plan.gid_map = str(o, "gidMap");
  read_mounts(o, plan);
  read_devices(o, plan);
  plan.masked = strings(o, "masked");
  plan.readonly = strings(o, "readonly");
  read_process_env(o, plan);
  read_identity(o, plan);
  read_exec(o, plan);
  read_hooks(o, plan);
  plan.unshare_flags = static_cast<int>(num(o, "unshareFlags"));
  plan.join_only = flag(o, "joinOnly");
  plan.cgroup_tasks = strings(o, "cgroupTasks");
  plan.no_clone3 = flag(o, "noClone3");
  std::string cgroup_into = str(o, "cgroupInto");
  if (!open_joins(env, o, plan))
    return Napi::Value();
  if (!cgroup_into.empty()) {
    plan.cgroup_fd = open(cgroup_into.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (plan.cgroup_fd < 0) {
      int err = errno;
      close_joins(plan);
      return ThrowSys(env, err, "open", cgroup_into.c_str());
    }
    plan.cgroup_procs = cgroup_into + "/cgroup.procs";
  }

  int sv[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
    int err = errno;
    close_joins(plan);
    return ThrowSys(env, err, "socketpair");
  }
  plan.report_fd = sv[1];

  std::string pid_join = str(o, "pidJoin");
  const char *failed[2] = {nullptr, nullptr};
  int saved_pid_ns = enter_pid_join(plan, pid_join.c_str(), failed);
  if (saved_pid_ns == -2) {
    int err = errno;
    close(sv[0]);
    close(sv[1]);
    close_joins(plan);
    return ThrowSys(env, err, failed[0], failed[1]);
  }
  long pid = clone_child(plan, static_cast<unsigned long>(num(o, "cloneFlags")));
  int err = errno;
  // Going back cannot fail for lack of rights (the namespace is this process's own): if it did,
  // later children of this thread would be born in the container, so nothing more may run.
  if (saved_pid_ns >= 0 && setns(saved_pid_ns, CLONE_NEWPID) < 0)
    abort();
  if (saved_pid_ns >= 0)
    close(saved_pid_ns);
  close(sv[1]);
  close_joins(plan);
  if (pid < 0) {
    close(sv[0]);
    return ThrowSys(env, err, "clone");
  }
  if (!plan.uid_map.empty()) {
    const char *failed = nullptr;
    err = map_user_namespace(plan, pid, sv[0], &failed);
    if (err != 0) {
      close(sv[0]);
      return ThrowSys(env, err, "write", failed);
    }
  }

  Napi::Object result = Napi::Object::New(env);
  result.Set("pid", Napi::Number::New(env, static_cast<double>(pid)));
  result.Set("fd", Napi::Number::New(env, sv[0]));
  return result;
}

static void set_spawn_constants(Napi::Env env, Napi::Object exports) {
  Napi::Object c = Napi::Object::New(env);
  auto put = [&](const char *name, double value) { c.Set(name, Napi::Number::New(env, value)); };
  put("CLONE_NEWNS", CLONE_NEWNS);
  put("CLONE_NEWPID", CLONE_NEWPID);
  put("CLONE_NEWNET", CLONE_NEWNET);
  put("CLONE_NEWUTS", CLONE_NEWUTS);
  put("CLONE_NEWIPC", CLONE_NEWIPC);
  put("CLONE_NEWCGROUP", CLONE_NEWCGROUP);
  put("CLONE_NEWUSER", CLONE_NEWUSER);
  put("CLONE_NEWTIME", 0x80);  // not in every glibc's sched.h; linux/sched.h value
  exports.Set("spawnConstants", c);
}

void InitSpawn(Napi::Env env, Napi::Object exports) {
  exports.Set("spawnContainer", Napi::Function::New(env, JsSpawnContainer));
  set_spawn_constants(env, exports);
}

}  // namespace iza
