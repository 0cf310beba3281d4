// Passing an open fd to another process over an AF_UNIX socket (unix(7) SCM_RIGHTS): how an OCI
// runtime hands a container's pty master to the caller's --console-socket.
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <string>

#include "errors.h"

namespace iza {

static ssize_t sendmsg_retry(int sock, const struct msghdr *msg) {
  ssize_t n;
  do {
    n = sendmsg(sock, msg, MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
  return n;
}

// Connects a SOCK_STREAM client to `path`; returns the socket, or -1 with errno set and
// `failed` naming the syscall.
static int connect_unix(const std::string &path, const char **failed) {
  *failed = "connect";
  struct sockaddr_un addr = {};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path) {
    errno = ENAMETOOLONG;
    return -1;
  }
  memcpy(addr.sun_path, path.c_str(), path.size() + 1);

  int sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (sock < 0) {
    *failed = "socket";
    return -1;
  }

  // A connect interrupted by a signal goes on in the background (connect(2)); waiting for it
  // is not worth the code for a local socket: report EINTR like any other failure.
  if (connect(sock, reinterpret_cast<struct sockaddr *>(&addr), sizeof addr) < 0) {
    int err = errno;
    close(sock);
    errno = err;
    return -1;
  }
  return sock;
}

// sendFd(socketPath, fd, name): one message whose data is `name` and whose control message
// carries `fd` (SCM_RIGHTS), as runc's console socket protocol; the caller keeps its own `fd`.
static Napi::Value JsSendFd(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (!info[0].IsString() || !info[1].IsNumber() || !info[2].IsString() ||
      info[2].As<Napi::String>().Utf8Value().empty())
    return ThrowArg(env, "sendFd(socketPath, fd, name)");
  std::string path = info[0].As<Napi::String>().Utf8Value();
  int fd = info[1].As<Napi::Number>().Int32Value();
  std::string name = info[2].As<Napi::String>().Utf8Value();

  const char *failed = nullptr;
  int sock = connect_unix(path, &failed);
  if (sock < 0)
    return ThrowSys(env, errno, failed, path.c_str());

  // The rights ride on the data: a stream message needs at least one byte (unix(7)).
  struct iovec iov = {};
  iov.iov_base = const_cast<char *>(name.data());
  iov.iov_len = name.size();

  alignas(struct cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  struct msghdr msg = {};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;

  struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
  cmsg->cmsg_level = SOL_SOCKET;
  cmsg->cmsg_type = SCM_RIGHTS;
  cmsg->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(cmsg), &fd, sizeof fd);

  ssize_t n = sendmsg_retry(sock, &msg);
  int err = errno;
  close(sock);
  if (n < 0)
    return ThrowSys(env, err, "sendmsg", path.c_str());
  if (static_cast<size_t>(n) != iov.iov_len)
    return ThrowSys(env, EMSGSIZE, "sendmsg", path.c_str());
  return env.Undefined();
}

void InitSendFd(Napi::Env env, Napi::Object exports) {
  exports.Set("sendFd", Napi::Function::New(env, JsSendFd));
}

}  // namespace iza
