// Module entry: registers every function the TypeScript binding declares (src/binding.ts).
#include <napi.h>

#include "errors.h"

namespace iza {

static Napi::FunctionReference *error_factory = nullptr;

void SetErrorFactory(const Napi::CallbackInfo &info) {
  if (!info[0].IsFunction()) {
    ThrowArg(info.Env(), "error factory must be a function");
    return;
  }
  if (error_factory == nullptr)
    error_factory = new Napi::FunctionReference();
  *error_factory = Napi::Persistent(info[0].As<Napi::Function>());
}

Napi::Value ThrowSys(Napi::Env env, int err, const char *syscall, const char *path,
                     const char *dest) {
  Napi::Value p = path ? Napi::String::New(env, path) : env.Undefined();
  Napi::Value d = dest ? Napi::String::New(env, dest) : env.Undefined();

  if (error_factory == nullptr || error_factory->IsEmpty()) {
    Napi::Error e = Napi::Error::New(env, syscall);
    e.Set("errno", Napi::Number::New(env, -err));
    e.Set("syscall", Napi::String::New(env, syscall));
    e.ThrowAsJavaScriptException();
    return Napi::Value();
  }

  Napi::Value e =
      error_factory->Call({Napi::Number::New(env, err), Napi::String::New(env, syscall), p, d});
  if (!env.IsExceptionPending())
    Napi::Error(env, e).ThrowAsJavaScriptException();
  return Napi::Value();
}

Napi::Value ThrowArg(Napi::Env env, const char *what) {
  Napi::TypeError::New(env, what).ThrowAsJavaScriptException();
  return Napi::Value();
}

static Napi::Value JsSetErrorFactory(const Napi::CallbackInfo &info) {
  SetErrorFactory(info);
  return info.Env().Undefined();
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("setErrorFactory", Napi::Function::New(env, JsSetErrorFactory));
  InitFsOps(env, exports);
  InitSpawn(env, exports);
  InitWaits(env, exports);
  InitPty(env, exports);
  InitSendFd(env, exports);
  InitRootOps(env, exports);
  InitSeccomp(env, exports);
  InitDeviceFilter(env, exports);
  return exports;
}

}  // namespace iza

static Napi::Object InitAddon(Napi::Env env, Napi::Object exports) {
  return iza::Init(env, exports);
}

NODE_API_MODULE(iza_ns, InitAddon)
