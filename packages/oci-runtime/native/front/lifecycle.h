// start and delete of a container whose state this front can read, on their usual path. Any
// other case is left to the TypeScript runtime (kFallBack), before anything was changed, or at a
// point where doing the whole command again is harmless.
#pragma once

#include <string>

#include "state.h"

namespace iza {

enum class Outcome { kDone, kFallBack, kFailed };

// OCI start: a created container without poststart hooks is released through its exec fifo.
// kFailed only when the container was started but its fifo could not be removed (`error` says
// why); nothing else is reported here.
Outcome StartContainer(const ContainerState &state, std::string &error);

// OCI delete [--force]: a stopped or created container (running only with `force`) without
// poststop hooks: its processes killed, its cgroup leaves and its state directory removed.
Outcome DeleteContainer(const ContainerState &state, bool force);

}  // namespace iza
