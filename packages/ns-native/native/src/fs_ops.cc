// Filesystem syscalls Node does not offer: mount, umount2, mknod, xattrs and flock.
// Each function converts its arguments, makes one syscall and either returns or throws the
// facts of the failure (errno, syscall, path) through ThrowSys.
#include <errno.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#include <string>
#include <vector>

#include "errors.h"

namespace iza {

// An optional string argument: null or undefined become nullptr.
struct OptStr {
  bool set = false;
  std::string value;
  const char *c_str() const {
    return set ? value.c_str() : nullptr;
  }
};

static OptStr opt_str(const Napi::Value &v) {
  OptStr s;
  if (v.IsString()) {
    s.set = true;
    s.value = v.As<Napi::String>().Utf8Value();
  }
  return s;
}

static Napi::Value JsMount(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (!info[1].IsString() || !info[3].IsNumber())
    return ThrowArg(env, "mount(source, target, fstype, flags, data)");

  OptStr source = opt_str(info[0]);
  std::string target = info[1].As<Napi::String>().Utf8Value();
  OptStr fstype = opt_str(info[2]);
  unsigned long flags = static_cast<unsigned long>(info[3].As<Napi::Number>().Int64Value());
  OptStr data = opt_str(info[4]);

  if (mount(source.c_str(), target.c_str(), fstype.c_str(), flags, data.c_str()) < 0)
    return ThrowSys(env, errno, "mount", target.c_str(), source.c_str());
  return env.Undefined();
}

static Napi::Value JsUmount2(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (!info[0].IsString() || !info[1].IsNumber())
    return ThrowArg(env, "umount2(target, flags)");

  std::string target = info[0].As<Napi::String>().Utf8Value();
  int flags = info[1].As<Napi::Number>().Int32Value();

  if (umount2(target.c_str(), flags) < 0)
    return ThrowSys(env, errno, "umount2", target.c_str());
  return env.Undefined();
}

static Napi::Value JsMknod(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (!info[0].IsString() || !info[1].IsNumber() || !info[2].IsNumber() || !info[3].IsNumber())
    return ThrowArg(env, "mknod(path, mode, major, minor)");

  std::string path = info[0].As<Napi::String>().Utf8Value();
  mode_t mode = static_cast<mode_t>(info[1].As<Napi::Number>().Uint32Value());
  dev_t dev =
      makedev(info[2].As<Napi::Number>().Uint32Value(), info[3].As<Napi::Number>().Uint32Value());

  if (mknod(path.c_str(), mode, dev) < 0)
    return ThrowSys(env, errno, "mknod", path.c_str());
  return env.Undefined();
}

static Napi::Value JsLsetxattr(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (!info[0].IsString() || !info[1].IsString() || !info[2].IsBuffer())
    return ThrowArg(env, "lsetxattr(path, name, value, flags)");

  std::string path = info[0].As<Napi::String>().Utf8Value();
  std::string name = info[1].As<Napi::String>().Utf8Value();
  Napi::Buffer<char> value = info[2].As<Napi::Buffer<char>>();
  int flags = info[3].IsNumber() ? info[3].As<Napi::Number>().Int32Value() : 0;

  if (lsetxattr(path.c_str(), name.c_str(), value.Data(), value.Length(), flags) < 0)
    return ThrowSys(env, errno, "lsetxattr", path.c_str());
  return env.Undefined();
}

// Returns the value as a Buffer, or null when the attribute does not exist (ENODATA).
static Napi::Value JsLgetxattr(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (!info[0].IsString() || !info[1].IsString())
    return ThrowArg(env, "lgetxattr(path, name)");

  std::string path = info[0].As<Napi::String>().Utf8Value();
  std::string name = info[1].As<Napi::String>().Utf8Value();

  // The size can change between the two calls; retry on ERANGE.
  for (;;) {
    ssize_t size = lgetxattr(path.c_str(), name.c_str(), nullptr, 0);
    if (size < 0 && errno == ENODATA)
      return env.Null();
    if (size < 0)
      return ThrowSys(env, errno, "lgetxattr", path.c_str());

    std::vector<char> buf(static_cast<size_t>(size) + 1);
    ssize_t got = lgetxattr(path.c_str(), name.c_str(), buf.data(), buf.size());
    if (got < 0 && errno == ERANGE)
      continue;
    if (got < 0 && errno == ENODATA)
      return env.Null();
    if (got < 0)
      return ThrowSys(env, errno, "lgetxattr", path.c_str());
    return Napi::Buffer<char>::Copy(env, buf.data(), static_cast<size_t>(got));
  }
}

static Napi::Value JsLlistxattr(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (!info[0].IsString())
    return ThrowArg(env, "llistxattr(path)");

  std::string path = info[0].As<Napi::String>().Utf8Value();
  std::vector<char> buf;
  ssize_t got;
  for (;;) {
    ssize_t size = llistxattr(path.c_str(), nullptr, 0);
    if (size < 0)
      return ThrowSys(env, errno, "llistxattr", path.c_str());
    buf.resize(static_cast<size_t>(size) + 1);
    got = llistxattr(path.c_str(), buf.data(), buf.size());
    if (got >= 0)
      break;
    if (errno != ERANGE)
      return ThrowSys(env, errno, "llistxattr", path.c_str());
  }

  Napi::Array names = Napi::Array::New(env);
  uint32_t n = 0;
  for (ssize_t i = 0; i < got;) {
    std::string name(&buf[static_cast<size_t>(i)]);
    i += static_cast<ssize_t>(name.size()) + 1;
    if (!name.empty())
      names.Set(n++, Napi::String::New(env, name));
  }
  return names;
}

static Napi::Value JsLremovexattr(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (!info[0].IsString() || !info[1].IsString())
    return ThrowArg(env, "lremovexattr(path, name)");

  std::string path = info[0].As<Napi::String>().Utf8Value();
  std::string name = info[1].As<Napi::String>().Utf8Value();

  if (lremovexattr(path.c_str(), name.c_str()) < 0)
    return ThrowSys(env, errno, "lremovexattr", path.c_str());
  return env.Undefined();
}

// flock(fd, op): returns true when the lock was taken, false when LOCK_NB found it busy.
static Napi::Value JsFlock(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (!info[0].IsNumber() || !info[1].IsNumber())
    return ThrowArg(env, "flock(fd, operation)");

  int fd = info[0].As<Napi::Number>().Int32Value();
  int op = info[1].As<Napi::Number>().Int32Value();

  int rc;
  do {
    rc = flock(fd, op);
  } while (rc < 0 && errno == EINTR);
  if (rc < 0 && errno == EWOULDBLOCK)
    return Napi::Boolean::New(env, false);
  if (rc < 0)
    return ThrowSys(env, errno, "flock");
  return Napi::Boolean::New(env, true);
}

static void set_constants(Napi::Env env, Napi::Object exports) {
  Napi::Object c = Napi::Object::New(env);
  auto put = [&](const char *name, double value) { c.Set(name, Napi::Number::New(env, value)); };

  put("MS_RDONLY", MS_RDONLY);
  put("MS_NOSUID", MS_NOSUID);
  put("MS_NODEV", MS_NODEV);
  put("MS_NOEXEC", MS_NOEXEC);
  put("MS_REMOUNT", MS_REMOUNT);
  put("MS_BIND", MS_BIND);
  put("MS_MOVE", MS_MOVE);
  put("MS_REC", MS_REC);
  put("MS_PRIVATE", MS_PRIVATE);
  put("MS_SLAVE", MS_SLAVE);
  put("MS_SHARED", MS_SHARED);
  put("MS_UNBINDABLE", MS_UNBINDABLE);
  put("MS_STRICTATIME", MS_STRICTATIME);
  put("MS_RELATIME", MS_RELATIME);
  put("MS_NOATIME", MS_NOATIME);
  put("MNT_DETACH", MNT_DETACH);
  put("MNT_FORCE", MNT_FORCE);
  put("LOCK_SH", LOCK_SH);
  put("LOCK_EX", LOCK_EX);
  put("LOCK_UN", LOCK_UN);
  put("LOCK_NB", LOCK_NB);
  put("XATTR_CREATE", XATTR_CREATE);
  put("XATTR_REPLACE", XATTR_REPLACE);
  put("S_IFCHR", S_IFCHR);
  put("S_IFBLK", S_IFBLK);
  put("S_IFIFO", S_IFIFO);
  exports.Set("constants", c);
}

void InitFsOps(Napi::Env env, Napi::Object exports) {
  exports.Set("mount", Napi::Function::New(env, JsMount));
  exports.Set("umount2", Napi::Function::New(env, JsUmount2));
  exports.Set("mknod", Napi::Function::New(env, JsMknod));
  exports.Set("lsetxattr", Napi::Function::New(env, JsLsetxattr));
  exports.Set("lgetxattr", Napi::Function::New(env, JsLgetxattr));
  exports.Set("llistxattr", Napi::Function::New(env, JsLlistxattr));
  exports.Set("lremovexattr", Napi::Function::New(env, JsLremovexattr));
  exports.Set("flock", Napi::Function::New(env, JsFlock));
  set_constants(env, exports);
}

}  // namespace iza
