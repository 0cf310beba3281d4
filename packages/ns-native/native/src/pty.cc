// Pseudo-terminals for the caller's side: a pty pair on the host's devpts, and window sizes.
// (A container with `terminal: true` allocates its pty from its own devpts instead: child_main.)
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "errors.h"

namespace iza {

// openPty() -> { master, slave, path }, both fds close-on-exec.
static Napi::Value JsOpenPty(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();

  int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0)
    return ThrowSys(env, errno, "posix_openpt");

  char path[128];
  if (grantpt(master) < 0 || unlockpt(master) < 0 || ptsname_r(master, path, sizeof path) != 0) {
    int err = errno;
    close(master);
    return ThrowSys(env, err, "unlockpt");
  }

  int slave = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (slave < 0) {
    int err = errno;
    close(master);
    return ThrowSys(env, err, "open", path);
  }

  Napi::Object o = Napi::Object::New(env);
  o.Set("master", master);
  o.Set("slave", slave);
  o.Set("path", path);
  return o;
}

// setWindowSize(fd, rows, cols): TIOCSWINSZ; the foreground process group gets SIGWINCH.
static Napi::Value JsSetWindowSize(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (!info[0].IsNumber() || !info[1].IsNumber() || !info[2].IsNumber())
    return ThrowArg(env, "setWindowSize(fd, rows, cols)");

  struct winsize ws = {};
  ws.ws_row = static_cast<unsigned short>(info[1].As<Napi::Number>().Uint32Value());
  ws.ws_col = static_cast<unsigned short>(info[2].As<Napi::Number>().Uint32Value());
  if (ioctl(info[0].As<Napi::Number>().Int32Value(), TIOCSWINSZ, &ws) < 0)
    return ThrowSys(env, errno, "ioctl");
  return env.Undefined();
}

// setOutputProcessing(fd, enabled): the terminal's OPOST flag (termios(3)). Raw mode as docker
// makes it clears it, so a container's \r\n reaches the screen as is; libuv's raw mode keeps
// it (and ONLCR), which shows every line end as \r\r\n.
static Napi::Value JsSetOutputProcessing(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (!info[0].IsNumber() || !info[1].IsBoolean())
    return ThrowArg(env, "setOutputProcessing(fd, enabled)");
  int fd = info[0].As<Napi::Number>().Int32Value();
  struct termios t;
  if (tcgetattr(fd, &t) < 0)
    return ThrowSys(env, errno, "tcgetattr");
  if (info[1].As<Napi::Boolean>().Value())
    t.c_oflag |= OPOST;
  else
    t.c_oflag &= ~static_cast<tcflag_t>(OPOST);
  if (tcsetattr(fd, TCSANOW, &t) < 0)
    return ThrowSys(env, errno, "tcsetattr");
  return env.Undefined();
}

void InitPty(Napi::Env env, Napi::Object exports) {
  exports.Set("openPty", Napi::Function::New(env, JsOpenPty));
  exports.Set("setWindowSize", Napi::Function::New(env, JsSetWindowSize));
  exports.Set("setOutputProcessing", Napi::Function::New(env, JsSetOutputProcessing));
}

}  // namespace iza
