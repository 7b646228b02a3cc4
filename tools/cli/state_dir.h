// StateDir: where `concurry start` keeps what it started — one pid file and one log per daemon
// (head.pid, head.log, node-1.pid, ...), the head's address (head.address) and its token
// (auth_token, 0600). The directory is $CONCURRY_STATE_DIR, or /tmp/concurry-<uid> by default;
// it must be private (this user's, not a link, closed to group/world write: another user could
// otherwise plant an address or read a token). No gRPC.
#ifndef CONCURRY_TOOLS_CLI_STATE_DIR_H_
#define CONCURRY_TOOLS_CLI_STATE_DIR_H_

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

namespace concurry::cli {

class StateDir {
 public:
  StateDir();  // creates the directory when missing; throws ClusterError when not private

  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

  // The head address `concurry start --head` recorded, if any.
  std::optional<std::string> head_address() const;
  // Daemons recorded as started ("head", "node-1", ...), nodes first, with their pids.
  std::vector<std::pair<std::string, pid_t>> daemons() const;
  // The next free node name ("node-1", "node-2", ...).
  std::string next_node_name() const;

  void write(const std::string& name, const std::string& text) const;
  // Writes `text` to a new file only this user can read (replacing `name`, never through a link).
  void write_private(const std::string& name, const std::string& text) const;
  void remove_daemon(const std::string& name) const;

 private:
  std::string path_;
};

}  // namespace concurry::cli

#endif  // CONCURRY_TOOLS_CLI_STATE_DIR_H_
