// Child side of exec mode (runc exec): one more process in a running container. It joins the
// namespaces of the container's init (the pid namespace by being born in it, see spawn.cc),
// finds the container's root already in place (setns(2) into a mount namespace moves root and
// cwd to that namespace's root), and sets up nothing of the container itself.
// Async-signal-safe code only (see child.h).
#include <errno.h>
#include <unistd.h>

#include "child.h"

namespace iza {

using child::Fail;

void JoinMain(const ChildPlan &plan) {
  child::ResetSignals(plan);
  child::JoinCgroups(plan);
  child::JoinNamespaces(plan);
  if (setsid() < 0)
    Fail(plan, kStageSetsid, errno);
  if (!plan.terminal)
    child::SetupStdio(plan);
  child::CloseInherited(plan);

  // The first byte: the parent has placed this process in the container's cgroups, so their
  // device rules govern the container's /dev/ptmx it opens next, as for any process inside.
  child::WaitForStart(plan, -1);
  child::SetupProcessEnv(plan);

  int master = -1;
  if (plan.terminal) {
    int slave = -1;
    master = child::OpenTerminal(plan, &slave);
    close(slave);
  }
  child::Report(plan, kReportReady, kStageReady, 0, -1, master);
  if (master >= 0)
    close(master);

  child::WaitForStart(plan, -1);
  ChildExec(plan);
  _exit(127);
}

}  // namespace iza
