// Reads from an untrusted rootfs and process facts the spawn plan needs, made in the parent.
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "errors.h"

namespace iza {

// readFileInRoot(root, path, limit) -> Buffer | null (null when absent). The path is resolved
// with RESOLVE_IN_ROOT, so an image's `/etc/passwd -> /etc/shadow-of-the-host` symlink stays
// inside the image (openat2(2)). Reads at most `limit` bytes.
static Napi::Value JsReadFileInRoot(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (!info[0].IsString() || !info[1].IsString() || !info[2].IsNumber())
    return ThrowArg(env, "readFileInRoot(root, path, limit)");
  std::string root = info[0].As<Napi::String>().Utf8Value();
  std::string path = info[1].As<Napi::String>().Utf8Value();
  size_t limit = static_cast<size_t>(info[2].As<Napi::Number>().Int64Value());

  int rootfd = open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0)
    return ThrowSys(env, errno, "open", root.c_str());

  struct open_how how = {};
  how.flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  int fd = static_cast<int>(syscall(SYS_openat2, rootfd, path.c_str(), &how, sizeof how));
  int err = errno;
  close(rootfd);
  if (fd < 0 && (err == ENOENT || err == ENOTDIR))
    return env.Null();
  if (fd < 0)
    return ThrowSys(env, err, "openat2", path.c_str());

  std::vector<char> buf;
  char chunk[65536];
  for (;;) {
    ssize_t n = read(fd, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      err = errno;
      close(fd);
      return ThrowSys(env, err, "read", path.c_str());
    }
    if (n == 0 || buf.size() >= limit)
      break;
    buf.insert(buf.end(), chunk, chunk + n);
  }
  close(fd);
  if (buf.size() > limit)
    buf.resize(limit);
  return Napi::Buffer<char>::Copy(env, buf.data(), buf.size());
}

// getrlimit(resource) -> { soft, hard }; -1 stands for RLIM_INFINITY.
static Napi::Value JsGetrlimit(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (!info[0].IsNumber())
    return ThrowArg(env, "getrlimit(resource)");

  struct rlimit lim;
  int resource = info[0].As<Napi::Number>().Int32Value();
  if (getrlimit(static_cast<__rlimit_resource>(resource), &lim) < 0)
    return ThrowSys(env, errno, "getrlimit");

  auto value = [&](rlim_t v) { return v == RLIM_INFINITY ? -1.0 : static_cast<double>(v); };
  Napi::Object o = Napi::Object::New(env);
  o.Set("soft", value(lim.rlim_cur));
  o.Set("hard", value(lim.rlim_max));
  return o;
}

void InitRootOps(Napi::Env env, Napi::Object exports) {
  exports.Set("readFileInRoot", Napi::Function::New(env, JsReadFileInRoot));
  exports.Set("getrlimit", Napi::Function::New(env, JsGetrlimit));
}

}  // namespace iza
