// compileSeccomp: turns a seccomp filter, already validated and normalised by src/seccomp.ts,
// into the classic-BPF program the kernel loads (seccomp(2), SECCOMP_SET_MODE_FILTER).
//
// libseccomp does the compiling (syscall tables per architecture, multiplexed syscalls such as
// socketcall, 64-bit argument comparisons split into 32-bit halves) as runc and crun use it, but
// only here, in the parent, before clone: the child loads the finished program with one raw
// syscall and never calls into libseccomp, which allocates (see child.h).
#include <errno.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "errors.h"

namespace iza {

namespace {

// Owns a libseccomp context and the memfd the program is exported into.
struct FilterContext {
  scmp_filter_ctx ctx = nullptr;
  int fd = -1;
  ~FilterContext() {
    if (ctx != nullptr)
      seccomp_release(ctx);
    if (fd >= 0)
      close(fd);
  }
};

uint64_t to_u64(const Napi::Value &v) {
  if (v.IsBigInt()) {
    bool lossless = true;
    return v.As<Napi::BigInt>().Uint64Value(&lossless);
  }
  return v.IsNumber() ? static_cast<uint64_t>(v.As<Napi::Number>().Int64Value()) : 0;
}

uint32_t to_u32(const Napi::Object &o, const char *key) {
  Napi::Value v = o.Get(key);
  return v.IsNumber() ? v.As<Napi::Number>().Uint32Value() : 0;
}

Napi::Value fail(Napi::Env env, int rc, const char *what, const std::string &name) {
  std::string msg = std::string("seccomp: ") + what + " " + name + ": " + strerror(-rc);
  Napi::Error e = Napi::Error::New(env, msg);
  e.Set("code", Napi::String::New(env, "ERR_IZA_NATIVE_SECCOMP"));
  e.ThrowAsJavaScriptException();
  return Napi::Value();
}

// Adds one rule (an action for one syscall when every comparison holds) on every architecture
// of the filter. Returns false and sets *unknown when no architecture knows the name.
int add_rule(scmp_filter_ctx ctx, const std::string &name, uint32_t action,
             const std::vector<scmp_arg_cmp> &cmps, bool *unknown) {
  int nr = seccomp_syscall_resolve_name(name.c_str());
  if (nr == __NR_SCMP_ERROR) {
    *unknown = true;
    return 0;
  }
  *unknown = false;
  return seccomp_rule_add_array(ctx, action, nr, static_cast<unsigned>(cmps.size()),
                                cmps.empty() ? nullptr : cmps.data());
}

Napi::Value export_program(Napi::Env env, FilterContext &f) {
  f.fd = memfd_create("iza-seccomp", MFD_CLOEXEC);
  if (f.fd < 0)
    return ThrowSys(env, errno, "memfd_create");
  int rc = seccomp_export_bpf(f.ctx, f.fd);
  if (rc < 0)
    return fail(env, rc, "export", "filter");

  off_t size = lseek(f.fd, 0, SEEK_END);
  if (size < 0 || lseek(f.fd, 0, SEEK_SET) < 0)
    return ThrowSys(env, errno, "lseek");
  Napi::Buffer<uint8_t> out = Napi::Buffer<uint8_t>::New(env, static_cast<size_t>(size));
  size_t done = 0;
  while (done < static_cast<size_t>(size)) {
    ssize_t n = read(f.fd, out.Data() + done, static_cast<size_t>(size) - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return ThrowSys(env, n < 0 ? errno : EIO, "read");
    done += static_cast<size_t>(n);
  }
  return out;
}

// compileSeccomp({ defaultAction, architectures: string[], rules: [{ names: string[], action,
//   args: [{ index, op, value: bigint, valueTwo: bigint }] }] }) -> { program: Buffer,
//   unknown: string[] }. Names no architecture of this libseccomp knows are skipped and listed,
//   as runc does, so one profile serves kernels and architectures of different ages.
Napi::Value JsCompileSeccomp(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (!info[0].IsObject())
    return ThrowArg(env, "compileSeccomp(filter)");
  Napi::Object o = info[0].As<Napi::Object>();

  FilterContext f;
  f.ctx = seccomp_init(to_u32(o, "defaultAction"));
  if (f.ctx == nullptr)
    return fail(env, -EINVAL, "bad default action", "");
  // The program is exported, not loaded here: these attributes only shape what is exported.
  seccomp_attr_set(f.ctx, SCMP_FLTATR_CTL_NNP, 0);

  Napi::Array arches = o.Get("architectures").As<Napi::Array>();
  for (uint32_t i = 0; i < arches.Length(); i++) {
    std::string name = arches.Get(i).As<Napi::String>().Utf8Value();
    uint32_t token = seccomp_arch_resolve_name(name.c_str());
    if (token == 0)
      return fail(env, -EINVAL, "unknown architecture", name);
    int rc = seccomp_arch_add(f.ctx, token);
    if (rc < 0 && rc != -EEXIST)
      return fail(env, rc, "cannot add architecture", name);
  }

  Napi::Array unknown = Napi::Array::New(env);
  Napi::Array rules = o.Get("rules").As<Napi::Array>();
  for (uint32_t i = 0; i < rules.Length(); i++) {
    Napi::Object rule = rules.Get(i).As<Napi::Object>();
    uint32_t action = to_u32(rule, "action");
    std::vector<scmp_arg_cmp> cmps;
    Napi::Array args = rule.Get("args").As<Napi::Array>();
    for (uint32_t j = 0; j < args.Length(); j++) {
      Napi::Object a = args.Get(j).As<Napi::Object>();
      cmps.push_back({to_u32(a, "index"), static_cast<scmp_compare>(to_u32(a, "op")),
                      to_u64(a.Get("value")), to_u64(a.Get("valueTwo"))});
    }
    Napi::Array names = rule.Get("names").As<Napi::Array>();
    for (uint32_t j = 0; j < names.Length(); j++) {
      std::string name = names.Get(j).As<Napi::String>().Utf8Value();
      bool missing = false;
      int rc = add_rule(f.ctx, name, action, cmps, &missing);
      if (missing)
        unknown.Set(unknown.Length(), Napi::String::New(env, name));
      else if (rc < 0)
        return fail(env, rc, "cannot add a rule for", name);
    }
  }

  Napi::Value program = export_program(env, f);
  if (program.IsEmpty())
    return Napi::Value();
  Napi::Object result = Napi::Object::New(env);
  result.Set("program", program);
  result.Set("unknown", unknown);
  return result;
}

// seccompVersion() -> "2.5.4": the libseccomp this addon runs with. A compiled program is
// cached under a key that includes it, since a newer libseccomp knows more syscall names.
Napi::Value JsSeccompVersion(const Napi::CallbackInfo &info) {
  const scmp_version *v = seccomp_version();
  std::string text =
      std::to_string(v->major) + "." + std::to_string(v->minor) + "." + std::to_string(v->micro);
  return Napi::String::New(info.Env(), text);
}

}  // namespace

void InitSeccomp(Napi::Env env, Napi::Object exports) {
  exports.Set("compileSeccomp", Napi::Function::New(env, JsCompileSeccomp));
  exports.Set("seccompVersion", Napi::Function::New(env, JsSeccompVersion));
}

}  // namespace iza
