// `concurry call`: run a registered function, or a named actor's method, on the cluster with its
// arguments as a JSON array; the result comes back as JSON (cereal's JSON form). The node that
// hosts the actor (or, for a function, the alive node with the most free cpu) converts, since it
// has the library; `libs` are shipped through the head first. Internal to tools/.
#ifndef CONCURRY_TOOLS_CLI_CALL_H_
#define CONCURRY_TOOLS_CLI_CALL_H_

#include <stdexcept>
#include <string>
#include <vector>

#include "tools/cli/head_rpc.h"

namespace concurry::cli {

struct CallSpec {
  std::string function;      // a registered function, or
  std::string actor;         // a named actor, with
  std::string method;        // its method
  std::string json_args = "[]";
  std::vector<std::string> libs;
  double timeout_s = 0;      // 0: as long as the call takes
};

// A call that failed: the arguments did not fit (exit_code 2), or the function threw, the name
// is unknown, the actor or node is gone (1). One line.
class CallFailed : public std::runtime_error {
 public:
  CallFailed(const std::string& message, int exit_code)
      : std::runtime_error(message), exit_code_(exit_code) {}
  int exit_code() const { return exit_code_; }

 private:
  int exit_code_;
};

// The result's JSON text. Throws CallFailed, or std::runtime_error when the head cannot be asked.
std::string call_on_cluster(const HeadRpc& head, const CallSpec& spec);

}  // namespace concurry::cli

#endif  // CONCURRY_TOOLS_CLI_CALL_H_
