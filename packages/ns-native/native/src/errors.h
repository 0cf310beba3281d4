// How native code reports a failed syscall: it states the facts (errno, syscall, path) and the
// JavaScript side, through the factory it registered, builds a Node-style system error.
#pragma once

#include <napi.h>

namespace iza {

// Stores the JS function (errno, syscall, path?, dest?) => Error used by ThrowSys.
void SetErrorFactory(const Napi::CallbackInfo &info);

// Throws the JS error for a failed syscall. Returns an empty value for convenient `return`.
Napi::Value ThrowSys(Napi::Env env, int err, const char *syscall, const char *path = nullptr,
                     const char *dest = nullptr);

// Throws a TypeError naming the argument that was wrong (callers validate in TS first).
Napi::Value ThrowArg(Napi::Env env, const char *what);

void InitFsOps(Napi::Env env, Napi::Object exports);
void InitSpawn(Napi::Env env, Napi::Object exports);
void InitWaits(Napi::Env env, Napi::Object exports);
void InitPty(Napi::Env env, Napi::Object exports);
void InitSendFd(Napi::Env env, Napi::Object exports);
void InitRootOps(Napi::Env env, Napi::Object exports);
void InitSeccomp(Napi::Env env, Napi::Object exports);
void InitDeviceFilter(Napi::Env env, Napi::Object exports);

}  // namespace iza
