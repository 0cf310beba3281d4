// cgroup v2 device access control: v2 has no devices.allow/devices.deny files; the kernel asks
// a BPF_PROG_TYPE_CGROUP_DEVICE program attached to the cgroup instead (cgroup-v2.rst "Device
// controller"). src/device-filter.ts assembles the program from OCI device rules; this file only
// loads it and attaches it, which Node cannot do.
#include <fcntl.h>
#include <linux/bpf.h>
#include <napi.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "errors.h"

namespace iza {

static int Bpf(int cmd, union bpf_attr *attr) {
  return static_cast<int>(syscall(SYS_bpf, cmd, attr, sizeof(*attr)));
}

// attachDeviceFilter(cgroupDir, program): loads `program` (struct bpf_insn[], host byte order)
// and attaches it to the v2 cgroup directory with BPF_F_ALLOW_MULTI, so that programs iza did
// not attach (a parent's) keep running and must allow too. The attachment lives as long as the
// cgroup; nothing has to be detached. A verifier rejection is reported with its log.
static Napi::Value JsAttachDeviceFilter(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsString() || !info[1].IsBuffer())
    return ThrowArg(env, "attachDeviceFilter(cgroupDir, program)");
  std::string dir = info[0].As<Napi::String>();
  Napi::Buffer<uint8_t> program = info[1].As<Napi::Buffer<uint8_t>>();
  if (program.Length() == 0 || program.Length() % sizeof(struct bpf_insn) != 0)
    return ThrowArg(env, "program must be a non-empty array of bpf_insn");

  static const char license[] = "Apache-2.0";
  union bpf_attr load;
  memset(&load, 0, sizeof(load));
  load.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
  load.insns = reinterpret_cast<uintptr_t>(program.Data());
  load.insn_cnt = static_cast<uint32_t>(program.Length() / sizeof(struct bpf_insn));
  load.license = reinterpret_cast<uintptr_t>(license);
  int prog = Bpf(BPF_PROG_LOAD, &load);
  if (prog < 0) {
    int err = errno;
    // Loaded again with the verifier's log only to say why (a log too small for a verbose
    // verifier fails the load with ENOSPC, so the first attempt has none).
    static char log[65536];
    log[0] = '\0';
    load.log_buf = reinterpret_cast<uintptr_t>(log);
    load.log_size = sizeof(log);
    load.log_level = 1;
    int again = Bpf(BPF_PROG_LOAD, &load);
    if (again >= 0)
      close(again);
    std::string why(log);
    while (!why.empty() && why.back() == '\n') why.pop_back();
    size_t nl = why.rfind('\n');
    if (nl != std::string::npos)
      why = why.substr(nl + 1);
    return ThrowSys(env, err, "bpf(BPF_PROG_LOAD)", why.empty() ? nullptr : why.c_str());
  }

  int cg = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (cg < 0) {
    int err = errno;
    close(prog);
    return ThrowSys(env, err, "open", dir.c_str());
  }
  union bpf_attr attach;
  memset(&attach, 0, sizeof(attach));
  attach.target_fd = static_cast<uint32_t>(cg);
  attach.attach_bpf_fd = static_cast<uint32_t>(prog);
  attach.attach_type = BPF_CGROUP_DEVICE;
  attach.attach_flags = BPF_F_ALLOW_MULTI;
  int rc = Bpf(BPF_PROG_ATTACH, &attach);
  int err = errno;
  close(cg);
  close(prog);
  if (rc < 0)
    return ThrowSys(env, err, "bpf(BPF_PROG_ATTACH)", dir.c_str());
  return env.Undefined();
}

void InitDeviceFilter(Napi::Env env, Napi::Object exports) {
  exports.Set("attachDeviceFilter", Napi::Function::New(env, JsAttachDeviceFilter));
}

}  // namespace iza
