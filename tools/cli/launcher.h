// Starting and stopping daemons in the background for `concurry start` / `concurry stop`: the
// daemon runs in its own session with stdout and stderr appended to its log, and start waits
// (bounded) for its ready line. No gRPC.
#ifndef CONCURRY_TOOLS_CLI_LAUNCHER_H_
#define CONCURRY_TOOLS_CLI_LAUNCHER_H_

#include <sys/types.h>

#include <string>
#include <vector>

namespace concurry::cli {

struct Launched {
  pid_t pid = -1;
  std::string ready_line;  // the line that said it is up
};

// The path of `program` (concurry-head, concurry-node) next to this executable.
std::string sibling_program(const std::string& program);

// Starts `argv` in the background with output to `log`; waits up to `timeout_s` for a line
// containing `ready`. Throws std::runtime_error with the log's last line when the daemon
// exits or never gets ready (and then kills it: nothing half-started is left behind).
Launched launch(const std::vector<std::string>& argv, const std::string& log,
                const std::string& ready, double timeout_s);

// SIGTERM, then SIGKILL after `grace_s`; true when the process is gone.
bool terminate(pid_t pid, double grace_s);
bool alive(pid_t pid);

}  // namespace concurry::cli

#endif  // CONCURRY_TOOLS_CLI_LAUNCHER_H_
