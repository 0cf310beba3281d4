// iza-runtime-front: the first program an engine's `iza-runtime` call runs (bin/iza-runtime
// execs it). `start` and `delete` of an ordinary container, the two calls that podman and
// containerd make for every container besides `create`, are done here in a few milliseconds;
// every other command, and every case out of the ordinary (hooks, a paused container, an error
// to report, a flag it does not know), is handed back to LAUNCHER (bin/iza-runtime) with
// IZA_RUNTIME_NO_FRONT=1, which starts the TypeScript runtime in node.
//
//   iza-runtime-front LAUNCHER [RUNTIME-ARGS...]
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "lifecycle.h"
#include "state.h"

namespace {

struct Command {
  std::string root = "/run/iza-runtime";  // DEFAULT_ROOT
  std::string log;
  bool json_log = false;
  std::string name;
  bool force = false;
  std::vector<std::string> args;
};

bool TakeValue(const std::vector<std::string> &argv, size_t &i, const std::string &flag,
               std::string &value) {
  const std::string &word = argv[i];
  if (word == flag) {
    if (i + 1 >= argv.size())
      return false;
    value = argv[++i];
    return true;
  }
  if (word.compare(0, flag.size() + 1, flag + "=") == 0) {
    value = word.substr(flag.size() + 1);
    return true;
  }
  return false;
}

// runc's command line as src/cli/argv.ts reads it, for the words the front acts on. False for
// anything else (other flags, --debug, --help...): the TypeScript runtime then reads it all.
bool ParseCommand(const std::vector<std::string> &argv, Command &cmd) {
  size_t i = 0;
  for (; i < argv.size() && argv[i].size() > 1 && argv[i][0] == '-'; i++) {
    std::string value;
    if (TakeValue(argv, i, "--root", value)) {
      cmd.root = value;
    } else if (TakeValue(argv, i, "--log", value)) {
      cmd.log = value;
    } else if (TakeValue(argv, i, "--log-format", value)) {
      if (value != "text" && value != "json")
        return false;
      cmd.json_log = value == "json";
    } else {
      return false;
    }
  }
  if (i >= argv.size())
    return false;
  cmd.name = argv[i++];

  bool flags_done = false;
  for (; i < argv.size(); i++) {
    const std::string &word = argv[i];
    if (!flags_done && word == "--") {
      flags_done = true;
    } else if (!flags_done && word.size() > 1 && word[0] == '-') {
      if (cmd.name == "delete" && (word == "--force" || word == "-f" || word == "--force=true"))
        cmd.force = true;
      else
        return false;
    } else {
      cmd.args.push_back(word);
    }
  }
  return (cmd.name == "start" || cmd.name == "delete") && cmd.args.size() == 1;
}

std::string Rfc3339Now() {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  struct tm tm;
  gmtime_r(&ts.tv_sec, &tm);
  char buf[96];
  snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900,
           tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000);
  return buf;
}

std::string JsonString(const std::string &s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\r') {
      out += "\\r";
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char esc[8];
      snprintf(esc, sizeof esc, "\\u%04x", c);
      out += esc;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

// As the runtime's error log (src/cli/log.ts): the --log file in its format, and stderr.
void ReportError(const Command &cmd, const std::string &msg) {
  if (!cmd.log.empty()) {
    std::string time = Rfc3339Now();
    std::string line = cmd.json_log
                           ? "{\"level\":\"error\",\"msg\":" + JsonString(msg) +
                                 ",\"time\":" + JsonString(time) + "}\n"
                           : "time=\"" + time + "\" level=error msg=" + JsonString(msg) + "\n";
    int fd = open(cmd.log.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd >= 0) {
      ssize_t n = write(fd, line.data(), line.size());
      (void)n;
      close(fd);
    }
  }
  std::string text = "iza-runtime: " + msg + "\n";
  ssize_t n = write(2, text.data(), text.size());
  (void)n;
}

[[noreturn]] void HandOver(char **argv) {
  setenv("IZA_RUNTIME_NO_FRONT", "1", 1);
  execv(argv[0], argv);
  fprintf(stderr, "iza-runtime: cannot run %s: %s\n", argv[0], strerror(errno));
  _exit(127);
}

}  // namespace

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: iza-runtime-front LAUNCHER [RUNTIME-ARGS...]\n");
    return 2;
  }
  std::vector<std::string> words(argv + 2, argv + argc);

  Command cmd;
  iza::ContainerState state;
  if (!ParseCommand(words, cmd) || !iza::LoadState(cmd.root, cmd.args[0], state))
    HandOver(argv + 1);

  std::string error;
  iza::Outcome outcome = cmd.name == "start" ? iza::StartContainer(state, error)
                                             : iza::DeleteContainer(state, cmd.force);
  if (outcome == iza::Outcome::kFallBack)
    HandOver(argv + 1);
  if (outcome == iza::Outcome::kFailed) {
    ReportError(cmd, error);
    return 1;
  }
  return 0;
}
