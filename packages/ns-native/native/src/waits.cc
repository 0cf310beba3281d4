// Parent-side waits on a container child: its report socket and its exit status. Each runs on a
// thread of its own, not libuv's pool: a waitpid lasts as long as the container, and four of them
// would starve every fs call of the process. The result is settled on the JS thread through a
// thread-safe function.
#include <errno.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <functional>
#include <thread>

#include "child.h"
#include "errors.h"

namespace iza {

using Settle = std::function<void(Napi::Env, Napi::Promise::Deferred &)>;

struct BlockingCall {
  Napi::Promise::Deferred deferred;
  Napi::ThreadSafeFunction tsfn;
};

static void noop(const Napi::CallbackInfo &) {}

// Runs `work` on a new thread; the Settle it returns resolves or rejects the promise.
static Napi::Value run_on_thread(Napi::Env env, const char *name, std::function<Settle()> work) {
  auto *call = new BlockingCall{Napi::Promise::Deferred::New(env), {}};
  call->tsfn = Napi::ThreadSafeFunction::New(env, Napi::Function::New(env, noop), name, 0, 1);
  Napi::Promise promise = call->deferred.Promise();

  std::thread([call, work]() {
    Settle settle = work();
    Napi::ThreadSafeFunction tsfn = call->tsfn;
    tsfn.BlockingCall([call, settle](Napi::Env env, Napi::Function) {
      settle(env, call->deferred);
      delete call;
    });
    tsfn.Release();
  }).detach();
  return promise;
}

static Settle reject_sys(int err, const char *syscall) {
  return [err, syscall](Napi::Env env, Napi::Promise::Deferred &d) {
    ThrowSys(env, err, syscall);
    d.Reject(env.GetAndClearPendingException().Value());
  };
}

// recvReport(fd) -> Promise<{ kind, stage, errno, index, detail, fd } | null>; null means EOF: the
// child exec'd (the socket was close-on-exec) or died.
static Napi::Value JsRecvReport(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (!info[0].IsNumber())
    return ThrowArg(env, "recvReport(fd)");
  int fd = info[0].As<Napi::Number>().Int32Value();

  return run_on_thread(env, "iza:recvReport", [fd]() -> Settle {
    ChildReport r = {};
    struct iovec iov = {&r, sizeof r};
    alignas(struct cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
    struct msghdr msg = {};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;

    // A child that exits with a byte of ours unread (it failed before the wait that byte was
    // for) leaves ECONNRESET pending on our end; the kernel reports it once, ahead of the
    // report the child queued before exiting, which the next call returns.
    ssize_t n;
    do {
      n = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC);
    } while (n < 0 && (errno == EINTR || errno == ECONNRESET));
    if (n < 0)
      return reject_sys(errno, "recvmsg");

    int passed = -1;
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    if (c != nullptr && c->cmsg_type == SCM_RIGHTS)
      passed = *reinterpret_cast<int *>(CMSG_DATA(c));
    bool eof = n == 0;
    bool short_read = n > 0 && static_cast<size_t>(n) != sizeof r;

    return [r, passed, eof, short_read](Napi::Env env, Napi::Promise::Deferred &d) {
      if (eof)
        return d.Resolve(env.Null());
      if (short_read)
        return reject_sys(EPROTO, "recvmsg")(env, d);
      Napi::Object o = Napi::Object::New(env);
      o.Set("kind", r.kind);
      o.Set("stage", r.stage);
      o.Set("errno", r.err);
      o.Set("index", r.index);
      o.Set("detail", r.detail);
      o.Set("fd", passed);
      d.Resolve(o);
    };
  });
}

// waitPid(pid) -> Promise<{ exitCode, signal }>: exitCode null when killed by a signal.
static Napi::Value JsWaitPid(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (!info[0].IsNumber())
    return ThrowArg(env, "waitPid(pid)");
  pid_t pid = info[0].As<Napi::Number>().Int32Value();

  return run_on_thread(env, "iza:waitPid", [pid]() -> Settle {
    int status = 0;
    pid_t got;
    do {
      got = waitpid(pid, &status, __WALL);
    } while (got < 0 && errno == EINTR);
    if (got < 0)
      return reject_sys(errno, "waitpid");

    return [status](Napi::Env env, Napi::Promise::Deferred &d) {
      Napi::Object o = Napi::Object::New(env);
      bool exited = WIFEXITED(status);
      o.Set("exitCode",
            exited ? Napi::Value(Napi::Number::New(env, WEXITSTATUS(status))) : env.Null());
      o.Set("signal", exited ? env.Null() : Napi::Value(Napi::Number::New(env, WTERMSIG(status))));
      d.Resolve(o);
    };
  });
}

// sendStart(fd): the one byte that lets a run-mode child go on to execve. Returns false when the
// child is already gone (EPIPE, ECONNRESET).
static Napi::Value JsSendStart(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (!info[0].IsNumber())
    return ThrowArg(env, "sendStart(fd)");
  int fd = info[0].As<Napi::Number>().Int32Value();

  ssize_t n;
  do {
    n = send(fd, "1", 1, MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
  if (n < 0 && (errno == EPIPE || errno == ECONNRESET))
    return Napi::Boolean::New(env, false);
  if (n < 0)
    return ThrowSys(env, errno, "send");
  return Napi::Boolean::New(env, true);
}

void InitWaits(Napi::Env env, Napi::Object exports) {
  exports.Set("recvReport", Napi::Function::New(env, JsRecvReport));
  exports.Set("waitPid", Napi::Function::New(env, JsWaitPid));
  exports.Set("sendStart", Napi::Function::New(env, JsSendStart));
}

}  // namespace iza
